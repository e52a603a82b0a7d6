/**
 * The layout as rules: no import cycle between modules (type-only imports included), the
 * kernels know nothing outside `src/kernels/`, and the machinery in `src/internal/` builds
 * only on itself, the kernels and the type classes (`Cont`, `VectorSpace`). See
 * docs/architecture.md.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(__dirname, '..')

const filesUnder = (dir: string): Array<string> =>
  fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f).split(path.sep).join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && fs.statSync(path.join(ROOT, f)).isFile())
    .sort()

/** TypeScript sources of the library and the law kit (AssemblyScript kernel sources are not TypeScript modules of this project). */
const sources = [...filesUnder('src'), ...filesUnder('laws')].filter((f) => !f.includes('/assembly/'))

const specifier = /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm

/** The project files a file imports or re-exports from (relative specifiers, `.js` mapped to `.ts`). */
const importsOf = (file: string): Array<string> => {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
  const out: Array<string> = []
  for (const m of text.matchAll(specifier)) {
    const spec = m[1] ?? m[2]
    if (spec === undefined || !spec.startsWith('.')) continue
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.replace(/\.js$/, '.ts')))
    if (fs.existsSync(path.join(ROOT, target))) out.push(target)
    else throw new Error(`${file}: cannot resolve ${spec}`)
  }
  return out
}

const graph = new Map(sources.map((f) => [f, importsOf(f)]))

/** Every cycle, as the path of files around it (Tarjan's strongly connected components, iteratively). */
const cycles = (): Array<Array<string>> => {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: Array<string> = []
  const found: Array<Array<string>> = []
  let counter = 0
  for (const start of graph.keys()) {
    if (index.has(start)) continue
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }]
    index.set(start, counter)
    low.set(start, counter++)
    stack.push(start)
    onStack.add(start)
    while (work.length > 0) {
      const top = work[work.length - 1] as { node: string; next: number }
      const edges = graph.get(top.node) ?? []
      if (top.next < edges.length) {
        const to = edges[top.next++] as string
        if (!index.has(to)) {
          index.set(to, counter)
          low.set(to, counter++)
          stack.push(to)
          onStack.add(to)
          work.push({ node: to, next: 0 })
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node) as number, index.get(to) as number))
        }
      } else {
        work.pop()
        const parent = work[work.length - 1]
        if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number))
        if (low.get(top.node) === index.get(top.node)) {
          const component: Array<string> = []
          let member: string
          do {
            member = stack.pop() as string
            onStack.delete(member)
            component.push(member)
          } while (member !== top.node)
          if (component.length > 1 || (graph.get(top.node) ?? []).includes(top.node)) found.push(component.reverse())
        }
      }
    }
  }
  return found
}

describe('architecture', () => {
  it('finds the modules and their imports', () => {
    expect(graph.get('src/Lens.ts')).toContain('src/internal/cps.ts')
    expect(graph.size).toBeGreaterThan(30)
  })

  it('has no import cycle between modules (type-only imports included)', () => {
    expect(cycles()).toEqual([])
  })

  it('keeps the kernels free of tensors and lenses: src/kernels/ imports only src/kernels/', () => {
    const outside = sources
      .filter((f) => f.startsWith('src/kernels/'))
      .flatMap((f) => (graph.get(f) ?? []).filter((t) => !t.startsWith('src/kernels/')).map((t) => `${f} -> ${t}`))
    expect(outside).toEqual([])
  })

  it('builds the machinery on itself: src/internal/ imports only src/internal/, src/kernels/ and the type classes (Cont, VectorSpace)', () => {
    const outside = sources
      .filter((f) => f.startsWith('src/internal/'))
      .flatMap((f) =>
        (graph.get(f) ?? [])
          .filter((t) => !t.startsWith('src/internal/') && !t.startsWith('src/kernels/') && t !== 'src/Cont.ts' && t !== 'src/VectorSpace.ts')
          .map((t) => `${f} -> ${t}`)
      )
    expect(outside).toEqual([])
  })

  it('reaches the kernels through their seam only: outside src/kernels/, only src/kernels/index.ts is imported', () => {
    const past = sources
      .filter((f) => !f.startsWith('src/kernels/'))
      .flatMap((f) => (graph.get(f) ?? []).filter((t) => t.startsWith('src/kernels/') && t !== 'src/kernels/index.ts').map((t) => `${f} -> ${t}`))
    expect(past).toEqual([])
  })
  it('allocates tensor data in one place: in src/, outside kernels/alloc.ts, new Float64Array only for scratch that never becomes a tensor', () => {
    // the pool of small arrays (kernels/alloc.ts) is where a tensor's data comes from; these
    // keep their own arrays: WebAssembly memory views, the gradient checker's work arrays, a constant
    const scratch = new Set(['src/kernels/wasm/instance.ts', 'src/Gradcheck.ts', 'src/internal/gradcheck.ts', 'src/internal/structure.ts'])
    const direct = sources.filter((f) => f.startsWith('src/') && f !== 'src/kernels/alloc.ts' && !scratch.has(f) && /new Float64Array\(/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')))
    expect(direct).toEqual([])
  })
  it('keeps files small: a file of src/ or laws/ past 400 lines says before its imports why it is one piece', () => {
    const unexplained = sources.filter((f) => {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8')
      const head = text.slice(0, Math.max(0, text.search(/^import /m)))
      return (text.match(/\n/g) ?? []).length > 400 && !/\bone piece\b/i.test(head)
    })
    expect(unexplained).toEqual([])
  })
})
