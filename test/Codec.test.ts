import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import * as nodeFs from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import * as Codec from '../src/Codec.js'
import * as Tensor from '../src/Tensor.js'
import { unsafeFromData } from '../src/internal/tensor.js'

// -------------------------------------------------------------------------------------
// generators and comparisons
// -------------------------------------------------------------------------------------

type Params = number | Tensor.Tensor | ReadonlyArray<Params> | { readonly [k: string]: Params }

/** Every double but NaN and ±∞: -0, subnormals and the extremes included. */
const finite = fc.double({ noNaN: true, noDefaultInfinity: true })

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 })

const tensorArb: fc.Arbitrary<Tensor.Tensor> = shapeArb.chain((shape) => {
  const n = shape.reduce((a, d) => a * d, 1)
  return fc.array(finite, { minLength: n, maxLength: n }).map((data) => unsafeFromData(shape, Float64Array.from(data)))
})

const KEYS = ['W', 'b', 'layers', 'gamma', 'constructor', 'toString', '1', 'a b', 'é', '"q"']

const paramsArb: fc.Arbitrary<Params> = fc.letrec<{ p: Params }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tensorArb,
    finite,
    fc.array(tie('p'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('p'), { maxKeys: 3, noNullPrototype: true })
  )
})).p

/** Parameters whose top level is a container, so that no proper prefix of its text is JSON. */
const containerArb = fc.oneof(
  fc.array(paramsArb, { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.constantFrom(...KEYS), paramsArb, { minKeys: 1, maxKeys: 3, noNullPrototype: true })
)

const bytes = (x: Tensor.ReadonlyFloat64Array): Uint8Array => new Uint8Array(x.buffer, x.byteOffset, x.byteLength)

/** Bit-for-bit equality of parameter structures (-0 ≠ 0), and of their kinds. */
const identical = (a: unknown, b: unknown, path = '(root)'): void => {
  if (typeof a === 'number') {
    expect(typeof b, path).toBe('number')
    if (!Object.is(a, b)) expect.fail(`${path}: ${a} vs ${String(b)}`)
  } else if (Tensor.isTensor(a)) {
    expect(Tensor.isTensor(b), path).toBe(true)
    const t = b as Tensor.Tensor
    expect(t.shape, path).toEqual(a.shape)
    expect(t.data).toBeInstanceOf(Float64Array)
    expect(Buffer.from(bytes(t.data)).equals(Buffer.from(bytes(a.data))), `${path}: data differs`).toBe(true)
  } else if (Array.isArray(a)) {
    expect(Array.isArray(b), path).toBe(true)
    const bs = b as ReadonlyArray<unknown>
    expect(bs.length, path).toBe(a.length)
    a.forEach((x, i) => identical(x, bs[i], `${path}.${i}`))
  } else {
    const o = a as Record<string, unknown>
    const p = b as Record<string, unknown>
    expect(Object.keys(p), path).toEqual(Object.keys(o))
    for (const k of Object.keys(o)) identical(o[k], p[k], `${path}.${k}`)
  }
}

/** The same structure with every number replaced by 0: a template says shapes, not values. */
const zerosLike = (p: Params): Params =>
  typeof p === 'number'
    ? 0
    : Tensor.isTensor(p)
      ? Tensor.zeros(p.shape)
      : Array.isArray(p)
        ? p.map(zerosLike)
        : Object.fromEntries(Object.entries(p).map(([k, v]) => [k, zerosLike(v)]))

const mlpTemplate = {
  layers: [
    { W: Tensor.zeros([4, 3]), b: Tensor.zeros([3]) },
    { W: Tensor.zeros([3, 5]), b: Tensor.zeros([5]) }
  ],
  scale: 0
}

const left = <P>(r: E.Either<Codec.LoadError, P>): Codec.LoadError => {
  if (E.isRight(r)) return expect.fail(`expected a Left, got a Right: ${JSON.stringify(r.right)}`)
  return r.left
}

const right = <P>(r: E.Either<Codec.LoadError, P>): P => {
  if (E.isLeft(r)) return expect.fail(`expected a Right, got:\n${Codec.formatError(r.left)}`)
  return r.right
}

// -------------------------------------------------------------------------------------
// round trips
// -------------------------------------------------------------------------------------

describe('round trips', () => {
  it('saveParams → loadParams is the identity, bit for bit (-0, subnormals, extremes)', () => {
    fc.assert(
      fc.property(paramsArb, (p) => {
        const text = Codec.saveParams(p)
        identical(right(Codec.loadParams(text, zerosLike(p))), p)
        identical(right(Codec.loadParams(text, p)), p)
      }),
      { numRuns: 400 }
    )
  })

  it('the codec alone: decode ∘ encode is the identity, and the result is fresh', () => {
    fc.assert(
      fc.property(paramsArb, (p) => {
        const codec = Codec.paramsCodec(p)
        const decoded = codec.decode(codec.encode(p))
        if (E.isLeft(decoded)) return expect.fail(Codec.messages(decoded.left).join('\n'))
        identical(decoded.right, p)
        expect(codec.is(decoded.right)).toBe(true)
        if (Tensor.isTensor(p)) expect((decoded.right as Tensor.Tensor).data).not.toBe(p.data)
      }),
      { numRuns: 300 }
    )
  })

  it('writes -0 as -0, and the awkward doubles exactly', () => {
    const awkward = [-0, 0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, Number.MAX_VALUE, -Number.MIN_VALUE, 0.1, 1 / 3, 2 ** 53 + 2]
    const p = { t: Tensor.make([awkward.length], awkward), x: -0 }
    const text = Codec.saveParams(p)
    expect(text).toContain('"x": -0')
    expect(text).toContain('[-0, 0, 5e-324, -5e-324,')
    identical(right(Codec.loadParams(text, p)), p)
  })

  it('TensorJSON round-trips tensors of any shape, empty and rank-0 ones included', () => {
    fc.assert(
      fc.property(tensorArb, (x) => {
        const decoded = Codec.TensorJSON.decode(JSON.parse(JSON.stringify(Codec.TensorJSON.encode(x))))
        if (E.isLeft(decoded)) return expect.fail(Codec.messages(decoded.left).join('\n'))
        expect(decoded.right.shape).toEqual(x.shape)
        // JSON.stringify turns -0 into 0; equality up to the sign of zero here
        expect(Array.from(decoded.right.data)).toEqual(Array.from(x.data).map((v) => (Object.is(v, -0) ? 0 : v)))
      }),
      { numRuns: 200 }
    )
  })
})

// -------------------------------------------------------------------------------------
// garbage never throws and never half-loads
// -------------------------------------------------------------------------------------

/** A JSON value with a path, for mutation. */
interface Node {
  readonly path: string
  readonly value: unknown
  readonly parent: unknown
  readonly key: string | number | null
  readonly kind: 'tensor' | 'record' | 'tuple' | 'number'
}

const isTensorJSON = (u: unknown): u is { shape: Array<number>; data: Array<number> } =>
  typeof u === 'object' && u !== null && !Array.isArray(u) && Object.keys(u).length === 2 && 'shape' in u && 'data' in u

/** The path of a child, as messages write paths: `[0]`, `.W` (`W` first), `["a b"]`; `(root)` alone. */
const childPath = (path: string, key: string | number): string => {
  const at = path === '(root)' ? '' : path
  if (typeof key === 'number') return `${at}[${key}]`
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? (at === '' ? key : `${at}.${key}`) : `${at}[${JSON.stringify(key)}]`
}

const nodes = (value: unknown, path: string, parent: unknown, key: string | number | null, out: Array<Node>): Array<Node> => {
  if (typeof value === 'number') out.push({ path, value, parent, key, kind: 'number' })
  else if (isTensorJSON(value)) out.push({ path, value, parent, key, kind: 'tensor' })
  else if (Array.isArray(value)) {
    out.push({ path, value, parent, key, kind: 'tuple' })
    value.forEach((v, i) => nodes(v, childPath(path, i), value, i, out))
  } else if (typeof value === 'object' && value !== null) {
    out.push({ path, value, parent, key, kind: 'record' })
    for (const [k, v] of Object.entries(value)) nodes(v, childPath(path, k), value, k, out)
  }
  return out
}

/** Breaks the node in a way no template of the original structure accepts. */
const mutate = (doc: unknown, node: Node, choice: number): unknown => {
  const replace = (v: unknown): unknown => {
    if (node.parent === null) return v
    ;(node.parent as Record<string | number, unknown>)[node.key as string | number] = v
    return doc
  }
  const value = node.value as Record<string, unknown> & Array<unknown>
  switch (node.kind) {
    case 'number':
      return replace([null, 'x', {}, [], true][choice % 5])
    case 'tuple':
      if (choice % 2 === 0) value.push(0)
      else return replace({ length: value.length })
      return doc
    case 'record': {
      const keys = Object.keys(value)
      if (choice % 2 === 0 && keys.length > 0) delete value[keys[choice % keys.length] as string]
      else value['extra field'] = 1
      return doc
    }
    case 'tensor': {
      const t = value as unknown as { shape: Array<unknown>; data: Array<unknown> }
      const k = choice % 7
      if (k === 6) (t as unknown as Record<string, unknown>).extra = 1
      else if (k === 0) t.data.push(0)
      else if (k === 1 && t.data.length > 0) t.data[choice % t.data.length] = ['1', null, true][choice % 3]
      else if (k === 2) t.shape.push(1)
      else if (k === 3 && t.shape.length > 0) t.shape[0] = -1
      else if (k === 4) t.shape = 'shape' as unknown as Array<unknown>
      else return replace([t.shape, t.data])
      return doc
    }
  }
}

describe('garbage decodes to an error, never a throw, never a half-loaded model', () => {
  it('fc.anything against a model template, via the codec and via text', () => {
    const codec = Codec.paramsCodec(mlpTemplate)
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }), (u) => {
        expect(E.isLeft(codec.decode(u))).toBe(true)
        const text = JSON.stringify(u) as string | undefined
        if (text !== undefined) left(Codec.loadParams(text, mlpTemplate))
        left(Codec.loadParams(u as string, mlpTemplate))
      }),
      { numRuns: 500 }
    )
  })

  it('fc.json text and random strings against random templates', () => {
    fc.assert(
      fc.property(containerArb, fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (template, text) => {
        const r = Codec.loadParams(text, template)
        // a random document may only ever fit a template by being equivalent to it
        if (E.isRight(r)) identical(r.right, right(Codec.loadParams(Codec.saveParams(r.right), template)))
      }),
      { numRuns: 500 }
    )
  })

  it('mutated valid documents are rejected, and the messages name the mutated path', () => {
    fc.assert(
      fc.property(containerArb, fc.nat(), fc.nat(), (p, which, choice) => {
        const doc: unknown = JSON.parse(Codec.saveParams(p))
        const all = nodes(doc, '(root)', null, null, [])
        const node = all[which % all.length] as Node
        const broken = mutate(doc, node, choice)
        const error = left(Codec.loadParams(JSON.stringify(broken), p))
        expect(error.kind).toBe('invalid')
        expect(error.messages.length).toBeGreaterThan(0)
        const named = error.messages.some((m) => m.startsWith(`${node.path}: `) || m.endsWith(` at ${node.path}`))
        expect(named, `${node.kind} at ${node.path} (choice ${choice}):\n${error.messages.join('\n')}`).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it('every proper prefix of a valid document is rejected as a syntax error', () => {
    fc.assert(
      fc.property(containerArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (p, cut) => {
        const text = Codec.saveParams(p)
        const error = left(Codec.loadParams(text.slice(0, Math.floor(cut * text.length)), p))
        expect(error.kind).toBe('syntax')
      }),
      { numRuns: 300 }
    )
    const text = Codec.saveParams({ layers: [{ W: Tensor.fromNested([[1, 2]]), b: Tensor.fromNested([3]) }] })
    for (let k = 0; k < text.length; k++) expect(left(Codec.loadParams(text.slice(0, k), mlpTemplate)).kind).toBe('syntax')
  })

  it('loading never changes the template', () => {
    const before = Codec.saveParams(mlpTemplate)
    Codec.loadParams('{"layers": 1}', mlpTemplate)
    Codec.loadParams(Codec.saveParams({ ...mlpTemplate, scale: 2 }), mlpTemplate)
    expect(Codec.saveParams(mlpTemplate)).toBe(before)
  })
})

// -------------------------------------------------------------------------------------
// messages
// -------------------------------------------------------------------------------------

const tensorJSON = (shape: ReadonlyArray<number>, n = shape.reduce((a, d) => a * d, 1)): { shape: ReadonlyArray<number>; data: Array<number> } => ({
  shape,
  data: new Array<number>(n).fill(0.5)
})

const doc = (patch: (d: Record<string, unknown>) => void): string => {
  const d = {
    layers: [
      { W: tensorJSON([4, 3]), b: tensorJSON([3]) },
      { W: tensorJSON([3, 5]), b: tensorJSON([5]) }
    ],
    scale: 1
  }
  patch(d as unknown as Record<string, unknown>)
  return JSON.stringify(d)
}

const layer = (d: Record<string, unknown>, i: number): Record<string, unknown> => (d.layers as Array<Record<string, unknown>>)[i] as Record<string, unknown>

describe('error messages name the path', () => {
  const cases: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
    ['wrong length', doc((d) => (layer(d, 1).W = tensorJSON([3, 5], 12))), ['layers[1].W: data has 12 numbers, shape [3,5] needs 15']],
    ['wrong shape', doc((d) => (layer(d, 0).b = tensorJSON([32]))), ['layers[0].b: expected shape [3], got [32]']],
    ['missing field', doc((d) => delete layer(d, 1).b), ["missing field 'b' at layers[1]"]],
    ['extra field', doc((d) => (layer(d, 0).c = 1)), ["unexpected field 'c' at layers[0]"]],
    ['extra field in a tensor (issue 13)', doc((d) => ((layer(d, 0).W as Record<string, unknown>).c = 1)), ["unexpected field 'c' at layers[0].W"]],
    [
      'non-number data',
      doc((d) => ((layer(d, 0).W as { data: Array<unknown> }).data[7] = 'x')),
      ['layers[0].W: data[7] is "x", expected a finite number']
    ],
    [
      'several bad numbers',
      doc((d) => {
        const data = (layer(d, 0).W as { data: Array<unknown> }).data
        data[2] = null
        data[5] = true
        data[9] = {}
      }),
      ['layers[0].W: data[2] is null, expected a finite number (and 2 more bad values)']
    ],
    ['non-number leaf', doc((d) => (d.scale = 'big')), ['scale: expected a finite number, got "big"']],
    ['overflowing number', doc((d) => (d.scale = '@INF@')).replace('"@INF@"', '1e999'), ['scale: expected a finite number, got Infinity']],
    ['negative dim', doc((d) => (layer(d, 1).b = { shape: [-5], data: [] })), ['layers[1].b: shape[0] is -5, expected an integer >= 0']],
    ['fractional dim', doc((d) => (layer(d, 1).b = { shape: [2.5], data: [] })), ['layers[1].b: shape[0] is 2.5, expected an integer >= 0']],
    ['not a tensor', doc((d) => (layer(d, 1).W = [[1, 2]])), ['layers[1].W: expected a tensor { shape, data }, got an array of length 1']],
    ['tensor without data', doc((d) => (layer(d, 1).W = { shape: [3, 5] })), ['layers[1].W: expected a tensor { shape, data }, got an object with fields shape']],
    ['tuple too long', doc((d) => (d.layers as Array<unknown>).push({})), ['layers: expected a tuple of 2 entries, got an array of length 3']],
    ['record expected', doc((d) => ((d.layers as Array<unknown>)[0] = null)), ['layers[0]: expected a record with fields W, b, got null']],
    [
      'several problems at once',
      doc((d) => {
        delete layer(d, 0).W
        layer(d, 1).b = tensorJSON([4])
        d.scale = null
      }),
      ["missing field 'W' at layers[0]", 'layers[1].b: expected shape [5], got [4]', 'scale: expected a finite number, got null']
    ]
  ]

  it.each(cases)('%s', (_name, text, expected) => {
    const error = left(Codec.loadParams(text, mlpTemplate))
    expect(error.kind).toBe('invalid')
    expect(error.messages).toEqual(expected)
    expect(Codec.formatError(error)).toBe(['loadParams: the document does not fit the model:', ...expected.map((m) => `  ${m}`)].join('\n'))
  })

  it('syntax errors, the root, and long lists of problems', () => {
    const syntax = left(Codec.loadParams('{"layers": [', mlpTemplate))
    expect(syntax.kind).toBe('syntax')
    expect(syntax.messages[0]).toMatch(/^\(root\): /)
    expect(left(Codec.loadParams('[]', mlpTemplate)).messages).toEqual(['(root): expected a record with fields layers, scale, got an array of length 0'])
    const many: Record<string, number> = {}
    for (let i = 0; i < 30; i++) many[`k${i}`] = 0
    const wide = left(Codec.loadParams('{}', many))
    expect(wide.messages).toHaveLength(30)
    const text = Codec.formatError(wide).split('\n')
    expect(text).toHaveLength(22)
    expect(text[21]).toBe('  … and 10 more problems')
  })

  it('loading into a template of other shapes fails with the path', () => {
    const saved = Codec.saveParams({ layers: [{ W: Tensor.zeros([3, 5]), b: Tensor.zeros([5]) }] })
    const error = left(Codec.loadParams(saved, { layers: [{ W: Tensor.zeros([5, 3]), b: Tensor.zeros([5]) }] }))
    expect(error.messages).toEqual(['layers[0].W: expected shape [5,3], got [3,5]'])
    const deeper = left(Codec.loadParams(saved, { layers: [{ W: Tensor.zeros([3, 5]), b: Tensor.zeros([5]) }, { W: Tensor.zeros([1]), b: 0 }] }))
    expect(deeper.messages).toEqual(['layers: expected a tuple of 2 entries, got an array of length 1'])
  })

  it('saving rejects non-finite numbers and unsupported values, naming the path', () => {
    const bad = unsafeFromData([2, 2], Float64Array.from([1, 2, NaN, 4]))
    expect(() => Codec.saveParams({ layers: [{ W: Tensor.zeros([1]) }, { W: bad }] })).toThrow(
      'Codec.saveParams: layers[1].W.data[2] is NaN; only finite numbers can be saved'
    )
    expect(() => Codec.saveParams([0, { s: -Infinity }])).toThrow('Codec.saveParams: [1].s is -Infinity; only finite numbers can be saved')
    expect(() => Codec.saveParams({ f: { g: () => 1 } })).toThrow(
      'Codec.saveParams: the parameters hold a function at f.g; expected tensors, numbers, tuples and records'
    )
    expect(() => Codec.paramsCodec({ d: new Date(0) })).toThrow(
      'Codec.paramsCodec: the template holds a Date at d; expected tensors, numbers, tuples and records'
    )
    expect(() => Codec.loadParams('{}', { s: 'text' })).toThrow(
      'Codec.loadParams: the template holds "text" at s; expected tensors, numbers, tuples and records'
    )
  })
})

describe('tensors have no other fields (issue 13)', () => {
  it('TensorJSON and tensorOfShape reject an extra field, naming it', () => {
    const bad = Codec.TensorJSON.decode({ shape: [1], data: [1], dtype: 'float64' })
    expect(E.isLeft(bad) && Codec.messages(bad.left)).toEqual(["unexpected field 'dtype' at (root)"])
    const worse = Codec.tensorOfShape([2]).decode({ shape: [2], data: [1, 'x'], a: 1, b: 2 })
    expect(E.isLeft(worse) && Codec.messages(worse.left)).toEqual([
      '(root): data[1] is "x", expected a finite number',
      "unexpected field 'a' at (root)",
      "unexpected field 'b' at (root)"
    ])
  })
})

// -------------------------------------------------------------------------------------
// depth and cycles
// -------------------------------------------------------------------------------------

describe('structures of any depth, and cycles (issue 13)', () => {
  const N = 100_000
  /** `[[[t, 0], 1], 2]…` or `[0, [1, [2, …t]]]`, N deep, with a tensor at the bottom. */
  const nest = (leftward: boolean, bottom: unknown): unknown => {
    let p: unknown = bottom
    for (let i = 0; i < N; i++) p = leftward ? [p, i] : [i, p]
    return p
  }

  it.each([
    ['to the left', true],
    ['to the right', false]
  ])('saves and loads parameters nested %s 100,000 deep, bit for bit', (_name, leftward) => {
    const params = nest(leftward, { W: Tensor.fromNested([[1, -0], [5e-324, 2]]) })
    const template = nest(leftward, { W: Tensor.zeros([2, 2]) })
    const text = Codec.saveParams(params)
    const loaded = right(Codec.loadParams(text, template))
    // compared by a loop: `identical` recurses
    let a: unknown = params
    let b: unknown = loaded
    for (let i = N - 1; i >= 0; i--) {
      const [x, y] = [a as ReadonlyArray<unknown>, b as ReadonlyArray<unknown>]
      expect([y.length, leftward ? y[1] : y[0]]).toEqual([2, i])
      ;[a, b] = leftward ? [x[0], y[0]] : [x[1], y[1]]
    }
    identical(b, a)
    const codec = Codec.paramsCodec(template)
    expect(codec.is(loaded)).toBe(true)
    expect(Codec.saveParams(loaded)).toBe(text)
    // encode: the same nest, with the tensor as JSON at the bottom (walked by a loop)
    let json: unknown = codec.encode(loaded as never)
    for (let i = 0; i < N; i++) json = (json as ReadonlyArray<unknown>)[leftward ? 0 : 1]
    expect(json).toEqual({ W: { shape: [2, 2], data: [1, -0, 5e-324, 2] } })
  })

  it('a problem deep down names its path, shortened in the middle', () => {
    const template = nest(false, 0)
    let text = '"x"'
    for (let i = 0; i < N; i++) text = `[${i}, ${text}]`
    const error = left(Codec.loadParams(text, template))
    const path = `${'[1]'.repeat(12)}…(${N - 24} more)…${'[1]'.repeat(12)}`
    expect(error.messages).toEqual([`${path}: expected a finite number, got "x"`])
  })

  it('a template or parameters that contain themselves are an error naming where, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = { w: Tensor.zeros([1]), inner: { b: 0 } }
    ;(cyclic.inner as Record<string, unknown>).back = cyclic
    expect(() => Codec.saveParams(cyclic)).toThrow(new TypeError('Codec.saveParams: the parameters contain themselves at inner.back (a cycle); only trees can be saved'))
    expect(() => Codec.paramsCodec(cyclic)).toThrow(new TypeError('Codec.paramsCodec: the template contains itself at inner.back (a cycle); expected a tree'))
    expect(() => Codec.loadParams('{}', cyclic)).toThrow(new TypeError('Codec.loadParams: the template contains itself at inner.back (a cycle); expected a tree'))
    const loop: Array<unknown> = [1]
    loop.push([2, loop])
    expect(() => Codec.saveParams(loop)).toThrow(new TypeError('Codec.saveParams: the parameters contain themselves at [1][1] (a cycle); only trees can be saved'))
    // sharing is not a cycle
    const shared = { b: Tensor.zeros([2]) }
    expect(right(Codec.loadParams(Codec.saveParams([shared, shared]), [shared, shared]))).toHaveLength(2)
  })
})

// -------------------------------------------------------------------------------------
// files
// -------------------------------------------------------------------------------------

const folder = mkdtempSync(join(tmpdir(), 'codec-test-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const model = { layers: [{ W: Tensor.fromNested([[1, -0, 3]]), b: Tensor.fromNested([5e-324, 0.1, -2]) }], scale: 0.5 }
const template = zerosLike(model)

/** Node's file system with one operation replaced. */
const failing = (patch: Partial<Codec.FileSystem> & { readonly partialWrite?: boolean }): Codec.FileSystem => ({
  open: async (path, flags) => {
    const handle = await nodeFs.open(path, flags)
    if (patch.partialWrite !== true) return handle
    return {
      writeFile: async (data: string) => {
        await handle.writeFile(data.slice(0, Math.floor(data.length / 2)), 'utf8')
        throw new Error('ENOSPC: no space left on device (simulated)')
      },
      sync: () => handle.sync(),
      close: () => handle.close()
    }
  },
  rename: patch.rename ?? ((a, b) => nodeFs.rename(a, b)),
  unlink: patch.unlink ?? ((p) => nodeFs.unlink(p)),
  readFile: patch.readFile ?? ((p, enc) => nodeFs.readFile(p, enc))
})

describe('files', () => {
  it('saveParamsFile → loadParamsFile is the identity, and leaves no temporary file', async () => {
    const file = join(folder, 'model.json')
    await Codec.saveParamsFile(file, model)
    identical(right(await Codec.loadParamsFile(file, template)), model)
    await Codec.saveParamsFile(file, { ...model, scale: 2 })
    expect((right(await Codec.loadParamsFile(file, template)) as { scale: number }).scale).toBe(2)
    expect(readdirSync(folder).filter((f) => f.includes('model.json'))).toEqual(['model.json'])
    expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true)
  })

  it('writes a temporary file in the same folder, flushes it, then renames it over the target', async () => {
    const file = join(folder, 'order.json')
    const log: Array<string> = []
    const name = (p: string): string => (p === file ? 'target' : p === folder ? 'folder' : p.startsWith(join(folder, '.order.json.')) && p.endsWith('.tmp') ? 'tmp' : p)
    const recording: Codec.FileSystem = {
      open: async (p, flags) => {
        log.push(`open ${name(p)} ${flags}`)
        const h = await nodeFs.open(p, flags)
        return {
          writeFile: (d: string, enc: 'utf8') => (log.push(`write ${d.length}`), h.writeFile(d, enc)),
          sync: () => (log.push(`sync ${name(p)}`), h.sync()),
          close: () => (log.push(`close ${name(p)}`), h.close())
        }
      },
      rename: (a, b) => (log.push(`rename ${name(a)} ${name(b)}`), nodeFs.rename(a, b)),
      unlink: (p) => (log.push(`unlink ${name(p)}`), nodeFs.unlink(p)),
      readFile: (p, enc) => nodeFs.readFile(p, enc)
    }
    await Codec.saveParamsFile(file, model, { fs: recording })
    const text = `${Codec.saveParams(model)}\n`
    expect(log).toEqual([
      'open tmp wx',
      `write ${text.length}`,
      'sync tmp',
      'close tmp',
      'rename tmp target',
      'open folder r',
      'sync folder',
      'close folder'
    ])
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('a write that fails midway leaves the old file intact and removes the temporary file', async () => {
    const file = join(folder, 'partial.json')
    await Codec.saveParamsFile(file, model)
    const old = readFileSync(file, 'utf8')
    await expect(Codec.saveParamsFile(file, { ...model, scale: 9 }, { fs: failing({ partialWrite: true }) })).rejects.toThrow(
      `Codec.writeFileAtomic: could not write ${file}: ENOSPC: no space left on device (simulated)`
    )
    expect(readFileSync(file, 'utf8')).toBe(old)
    expect(readdirSync(folder).filter((f) => f.includes('partial.json'))).toEqual(['partial.json'])
    identical(right(await Codec.loadParamsFile(file, template)), model)
  })

  it('a failed rename leaves the old file intact and removes the temporary file', async () => {
    const file = join(folder, 'rename.json')
    await Codec.saveParamsFile(file, model)
    const old = readFileSync(file, 'utf8')
    const fs = failing({ rename: () => Promise.reject(new Error('EACCES: permission denied (simulated)')) })
    await expect(Codec.saveParamsFile(file, { ...model, scale: 9 }, { fs })).rejects.toThrow(`could not write ${file}: EACCES`)
    expect(readFileSync(file, 'utf8')).toBe(old)
    expect(readdirSync(folder).filter((f) => f.includes('rename.json'))).toEqual(['rename.json'])
  })

  it('a process killed mid-write (SIGKILL) leaves the old file intact', () => {
    const file = join(folder, 'crash.json')
    writeFileSync(file, Codec.saveParams(model))
    const old = readFileSync(file, 'utf8')
    const script = `
      import * as fs from 'node:fs/promises'
      import * as Codec from ${JSON.stringify(new URL('../src/Codec.ts', import.meta.url).pathname)}
      const crashing = { ...fs, open: async (p, flags) => {
        const h = await fs.open(p, flags)
        return { writeFile: async (d) => { await h.writeFile(d.slice(0, 10), 'utf8'); await h.sync(); process.kill(process.pid, 'SIGKILL') }, sync: () => h.sync(), close: () => h.close() }
      } }
      await Codec.writeFileAtomic(${JSON.stringify(file)}, 'NEW CONTENT THAT NEVER LANDS', { fs: crashing })
    `
    const scriptFile = join(folder, 'crash-child.mts')
    writeFileSync(scriptFile, script)
    const child = spawnSync(process.execPath, ['--import', 'tsx', scriptFile], { encoding: 'utf8', cwd: process.cwd() })
    expect(child.signal, child.stderr).toBe('SIGKILL')
    expect(readFileSync(file, 'utf8')).toBe(old)
    identical(right(Codec.loadParams(readFileSync(file, 'utf8'), template)), model)
    // the crash could not clean up: the half-written temporary file is all that is left of it
    const leftovers = readdirSync(folder).filter((f) => f.startsWith('.crash.json.'))
    expect(leftovers).toHaveLength(1)
    expect(readFileSync(join(folder, leftovers[0] as string), 'utf8')).toBe('NEW CONTEN')
  })

  it('non-finite parameters are rejected before the disk is touched', async () => {
    const file = join(folder, 'nan.json')
    let opened = 0
    const fs = failing({})
    const counting: Codec.FileSystem = { ...fs, open: (p, f) => (opened++, fs.open(p, f)) }
    const bad = { W: unsafeFromData([1], Float64Array.from([Infinity])) }
    await expect(Codec.saveParamsFile(file, bad, { fs: counting })).rejects.toThrow('Codec.saveParams: W.data[0] is Infinity')
    expect(opened).toBe(0)
    expect(readdirSync(folder)).not.toContain('nan.json')
  })

  it('loadParamsFile never rejects: unreadable files and bad contents are Lefts naming the file', async () => {
    const missing = left(await Codec.loadParamsFile(join(folder, 'nope.json'), template))
    expect(missing.kind).toBe('io')
    expect(missing.file).toBe(join(folder, 'nope.json'))
    expect(missing.messages[0]).toContain('ENOENT')
    expect(Codec.formatError(missing).split('\n')[0]).toBe(`loadParamsFile: the file could not be read (${join(folder, 'nope.json')}):`)
    const file = join(folder, 'wrong.json')
    writeFileSync(file, Codec.saveParams({ layers: [{ W: Tensor.zeros([2, 3]), b: Tensor.zeros([3]) }], scale: 1 }))
    const wrong = left(await Codec.loadParamsFile(file, template))
    expect(wrong).toEqual({ kind: 'invalid', file, messages: ['layers[0].W: expected shape [1,3], got [2,3]'] })
    writeFileSync(file, '{"layers": [{"W": {"shape": [1, 3], "da')
    expect(left(await Codec.loadParamsFile(file, template)).kind).toBe('syntax')
    const unreadable = left(await Codec.loadParamsFile(file, template, { fs: failing({ readFile: () => Promise.reject(new Error('EIO (simulated)')) }) }))
    expect(unreadable).toEqual({ kind: 'io', file, messages: [`${file}: EIO (simulated)`] })
  })

  it('loadParamsFile checks the size before reading, against 64 MiB or maxBytes (issue 13)', async () => {
    expect(Codec.DEFAULT_MAX_BYTES).toBe(64 * 1024 * 1024)
    const file = join(folder, 'big.json')
    await Codec.saveParamsFile(file, model)
    const bytes = readFileSync(file).length
    let reads = 0
    const counting: Codec.FileSystem = { ...nodeFs, readFile: (p, enc) => (reads++, nodeFs.readFile(p, enc)) }
    const big = left(await Codec.loadParamsFile(file, template, { fs: counting, maxBytes: bytes - 1 }))
    expect(big).toEqual({
      kind: 'size',
      file,
      messages: [`${file}: the file has ${bytes} bytes, more than the limit of ${bytes - 1} bytes; pass a larger maxBytes to read it`]
    })
    expect(Codec.formatError(big).split('\n')[0]).toBe(`loadParamsFile: the file is too large (${file}):`)
    expect(reads).toBe(0)
    identical(right(await Codec.loadParamsFile(file, template, { fs: counting, maxBytes: bytes })), model)
    expect(reads).toBe(1)
    // A file system without stat: checked after reading, before parsing.
    const noStat = left(await Codec.loadParamsFile(file, template, { fs: failing({}), maxBytes: 10 }))
    expect(noStat.messages).toEqual([`${file}: the file has ${bytes} characters, more than the limit of 10 bytes; pass a larger maxBytes to read it`])
    // The default limit: a sparse file of 64 MiB + 1 byte is refused unread.
    const huge = join(folder, 'huge.json')
    writeFileSync(huge, '')
    truncateSync(huge, Codec.DEFAULT_MAX_BYTES + 1)
    expect(left(await Codec.loadParamsFile(huge, template)).kind).toBe('size')
    expect(() => Codec.loadParamsFile(file, template, { maxBytes: -1 })).rejects.toThrow('Codec.loadParamsFile: option maxBytes must be a number >= 0, got -1')
  })

  it('a save removes the temporary files of the same path older than an hour, and no others (issue 13)', async () => {
    expect(Codec.DEFAULT_STALE_TEMP_AGE).toBe(3_600_000)
    const sub = mkdtempSync(join(folder, 'stale-'))
    const file = join(sub, 'clean.json')
    const hoursAgo = (h: number): Date => new Date(Date.now() - h * 3_600_000)
    const make = (name: string, age: number): string => {
      writeFileSync(join(sub, name), 'half a write')
      utimesSync(join(sub, name), hoursAgo(age), hoursAgo(age))
      return name
    }
    make('.clean.json.m1abc-0-xyz12.tmp', 2) // a crashed save: removed
    const inFlight = make('.clean.json.m1abd-1-xyz13.tmp', 0.5) // a save in flight, maybe: kept
    const other = make('.other.json.m1abc-0-xyz12.tmp', 2) // another path's: kept
    const notOurs = make('.clean.json.backup', 2) // not a temporary file: kept
    await Codec.saveParamsFile(file, model)
    expect(readdirSync(sub).sort()).toEqual([inFlight, notOurs, other, 'clean.json'].sort())
    // the age is an option
    await Codec.saveParamsFile(file, model, { staleTempAge: 10 * 60 * 1000 })
    expect(readdirSync(sub).sort()).toEqual([notOurs, other, 'clean.json'].sort())
    identical(right(await Codec.loadParamsFile(file, template)), model)
  })
})
