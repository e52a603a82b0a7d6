/**
 * A small SVG line chart, written by hand so the demo needs no plotting library: one panel
 * per chart, axes with a few ticks, one polyline per series, and a legend.
 */

export interface Series {
  readonly name: string
  readonly values: ReadonlyArray<number>
  readonly color: string
}

export interface Panel {
  readonly title: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  /** Fixed y range; by default the data's range with a margin. */
  readonly yRange?: readonly [number, number]
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

const niceTicks = (lo: number, hi: number, count: number): Array<number> => {
  const span = hi - lo || 1
  const step0 = span / count
  const magnitude = 10 ** Math.floor(Math.log10(step0))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= step0) ?? step0
  const ticks: Array<number> = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) ticks.push(Number(t.toPrecision(12)))
  return ticks
}

const panel = (p: Panel, x0: number, width: number, height: number, xLabel: string): string => {
  const left = x0 + 56
  const right = x0 + width - 16
  const top = 40
  const bottom = height - 48
  const n = Math.max(...p.series.map((s) => s.values.length))
  const all = p.series.flatMap((s) => s.values)
  const [lo, hi] = p.yRange ?? [Math.min(...all), Math.max(...all)]
  const pad = p.yRange === undefined ? (hi - lo) * 0.08 || 0.1 : 0
  const ymin = lo - pad
  const ymax = hi + pad
  const sx = (i: number): number => left + (n <= 1 ? 0 : (i / (n - 1)) * (right - left))
  const sy = (v: number): number => bottom - ((v - ymin) / (ymax - ymin)) * (bottom - top)
  const out: Array<string> = []
  out.push(`<text x="${(left + right) / 2}" y="${top - 16}" text-anchor="middle" font-size="15" font-weight="bold">${escape(p.title)}</text>`)
  for (const t of niceTicks(ymin, ymax, 5)) {
    out.push(`<line x1="${left}" x2="${right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${t}</text>`)
  }
  for (let i = 0; i < n; i++) {
    out.push(`<text x="${sx(i).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" font-size="11">${i + 1}</text>`)
  }
  out.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`)
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333"/>`)
  out.push(`<text x="${(left + right) / 2}" y="${height - 12}" text-anchor="middle" font-size="12">${escape(xLabel)}</text>`)
  out.push(
    `<text x="${x0 + 14}" y="${(top + bottom) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${x0 + 14} ${(top + bottom) / 2})">${escape(p.yLabel)}</text>`
  )
  p.series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${sx(i).toFixed(1)},${sy(v).toFixed(1)}`).join(' ')
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>`)
    for (const [i, v] of s.values.entries()) out.push(`<circle cx="${sx(i).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="2.5" fill="${s.color}"/>`)
    const ly = top + 8 + k * 16
    out.push(`<line x1="${right - 120}" x2="${right - 100}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`)
    out.push(`<text x="${right - 94}" y="${ly + 4}" font-size="11">${escape(s.name)}</text>`)
  })
  return out.join('\n')
}

/** Panels side by side, sharing the x axis label. */
export const chart = (panels: ReadonlyArray<Panel>, options: { readonly xLabel: string; readonly title: string }): string => {
  const width = 420
  const height = 300
  const body = panels.map((p, i) => panel(p, i * width, width, height, options.xLabel)).join('\n')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width * panels.length}" height="${height}" viewBox="0 0 ${width * panels.length} ${height}" font-family="sans-serif">`,
    `<title>${escape(options.title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    body,
    '</svg>',
    ''
  ].join('\n')
}
