/**
 * The implementations of the scalar-chain benchmark (`scalar-chain.bench.ts`): the gradient
 * of a chain of N alternating ops — sin, x², exp(−x), sin, … — six ways, each built for one N.
 *
 * 1. `tape` — the hand-written limit: a forward loop and a reverse loop over a preallocated
 *    `Float64Array` (the baseline);
 * 2. `wengert` — a Wengert list of objects: each op pushes `{ x, y, backward }`;
 * 3. `naive-cps` — the Python seed translated to TypeScript closures (recursion all the way
 *    down: `RangeError` beyond a few thousand ops). One deviation, the same for everyone:
 *    `backward` also receives the op's output, so exp(−x) is not recomputed backward;
 * 4. `lib` — backprop-lens: `Lens.pipeAll` of `Scalar.sin`, `Scalar.square` and an exp(−x)
 *    made with `Lens.make`; gradient by `Lens.backPropagateConst(chain, 1, x)`, and
 *    `Lens.valueAndGrad(chain, x)`;
 * 5. `lib-raw-cps` — backprop-lens through its generic CPS path: the same ops written as raw
 *    CPS lenses `(next) => (x) => Cont.map(next(f(x)), (dy) => …)`, composed by `pipeAll`
 *    (this runs the `Cont` interpreter);
 * 6. `tfjs-cpu` — tfjs-core 4.22 with the cpu backend, `tf.grad` of the same chain of scalar
 *    tensor ops (exp(−x) is two kernels there, neg then exp).
 *
 * @module bench/scalar-chain-impls
 */
import type * as TF from '@tensorflow/tfjs-core'
import { Cont, Lens, Scalar } from '../../src/index.js'
import * as I from '../../src/internal/plan.js'
import { compile } from '../../src/internal/tape.js'
import * as H from './harness.js'
import type { Tf } from './tfjs.js'

/** Where every gradient is taken. */
export const X = 0.5

// -------------------------------------------------------------------------------------
// the chain
// -------------------------------------------------------------------------------------

const SIN = 0
const SQUARE = 1
/** The kind of op `i` of the chain: sin, x², exp(−x) (kind 2), sin, … */
const kindAt = (i: number): number => i % 3

/** The ops as concrete forward/backward pairs (`backward(x, dy, y)` gets the output too). */
interface Op {
  readonly forward: (x: number) => number
  readonly backward: (x: number, dy: number, y: number) => number
}
const OPS: ReadonlyArray<Op> = [
  { forward: Math.sin, backward: (x, dy) => Math.cos(x) * dy },
  { forward: (x) => x * x, backward: (x, dy) => 2 * x * dy },
  { forward: (x) => Math.exp(-x), backward: (_x, dy, y) => -y * dy }
]
const opAt = (i: number): Op => OPS[kindAt(i)] as Op

/** An implementation of the chain's gradient, built for one N. */
export interface Impl {
  /** For the check (may be slower than `grad`). */
  readonly valueAndGrad: (x: number) => readonly [number, number]
  /** What is timed: the gradient at `X`. */
  readonly grad: () => number
  /** The same run with an output cotangent of 0 (no subnormals; timed at the largest N). */
  readonly gradZero?: () => number
  /** One-off costs of building it, in ms (printed under the table). */
  readonly buildMs?: Readonly<Record<string, number>>
}

// -------------------------------------------------------------------------------------
// 1. the hand-written limit: a Float64Array tape
// -------------------------------------------------------------------------------------

const buildTape = (n: number): Impl => {
  const started = H.now()
  const code = new Uint8Array(n)
  for (let i = 0; i < n; i++) code[i] = kindAt(i)
  const v = new Float64Array(n + 1)
  const run = (x: number, dy: number): number => {
    v[0] = x
    for (let i = 0; i < n; i++) {
      const a = v[i] as number
      const k = code[i]
      v[i + 1] = k === SIN ? Math.sin(a) : k === SQUARE ? a * a : Math.exp(-a)
    }
    let d = dy
    for (let i = n - 1; i >= 0; i--) {
      const k = code[i]
      d = k === SIN ? Math.cos(v[i] as number) * d : k === SQUARE ? 2 * (v[i] as number) * d : -(v[i + 1] as number) * d
    }
    return d
  }
  const valueAndGrad = (x: number): readonly [number, number] => {
    const d = run(x, 1)
    return [v[n] as number, d]
  }
  return { valueAndGrad, grad: () => run(X, 1), gradZero: () => run(X, 0), buildMs: { 'op codes into a Uint8Array': H.now() - started } }
}

// -------------------------------------------------------------------------------------
// 2. a Wengert list of objects
// -------------------------------------------------------------------------------------

interface Entry {
  readonly x: number
  readonly y: number
  readonly backward: (x: number, dy: number, y: number) => number
}

const buildWengert = (n: number): Impl => {
  const started = H.now()
  const ops: ReadonlyArray<Op> = Array.from({ length: n }, (_, i) => opAt(i))
  const run = (x: number): readonly [number, number] => {
    const tape: Array<Entry> = []
    let v = x
    for (const op of ops) {
      const y = op.forward(v)
      tape.push({ x: v, y, backward: op.backward })
      v = y
    }
    let d = 1
    for (let i = tape.length - 1; i >= 0; i--) {
      const e = tape[i] as Entry
      d = e.backward(e.x, d, e.y)
    }
    return [v, d]
  }
  return { valueAndGrad: run, grad: () => run(X)[1], buildMs: { 'array of ops': H.now() - started } }
}

// -------------------------------------------------------------------------------------
// 3. naive CPS closures: the seed, translated
// -------------------------------------------------------------------------------------

// The seed's types with the answer type fixed to number.
type SeedCont = (callback: (dx: number) => number) => number
type SeedFlow = (x: number) => SeedCont
type SeedLens = (next: SeedFlow) => SeedFlow

/** The seed's `Function.__call__` (plus the output passed to `backward`, as everywhere here). */
const seedFunction =
  (op: Op): SeedLens =>
  (next) =>
  (x) =>
  (callback) => {
    const y = op.forward(x)
    return next(y)((dy) => callback(op.backward(x, dy, y)))
  }

/** The seed's `pipe(first, second)`: `second` runs first. */
const seedPipe =
  (first: SeedLens, second: SeedLens): SeedLens =>
  (next) =>
    second(first(next))

const seedBackPropagate = (lens: SeedLens, loss: (y: number) => number, input: number): number =>
  lens((y) => (callback) => callback(loss(y)))(input)((dx) => dx)

const seedEvaluate = (lens: SeedLens, input: number): number => lens((y) => () => y)(input)(() => NaN)

const SEED_OPS = OPS.map(seedFunction)

const buildNaiveCps = (n: number): Impl => {
  const started = H.now()
  // Nest the binary pipe so that op 0 runs first: chain = pipe(pipe(…, op1), op0).
  let chain = SEED_OPS[kindAt(n - 1)] as SeedLens
  for (let i = n - 2; i >= 0; i--) chain = seedPipe(chain, SEED_OPS[kindAt(i)] as SeedLens)
  const lens = chain
  return {
    buildMs: { 'nested binary pipe': H.now() - started },
    valueAndGrad: (x) => [seedEvaluate(lens, x), seedBackPropagate(lens, () => 1, x)],
    grad: () => seedBackPropagate(lens, () => 1, X)
  }
}

// -------------------------------------------------------------------------------------
// 4. backprop-lens: primitives composed by pipeAll, run as a tape
// -------------------------------------------------------------------------------------

const expNeg: Lens.Lens<number, number> = Lens.make<number, number>({
  forward: (x) => Math.exp(-x),
  backward: (_x, dy, y) => -y * dy
})
const LIB_OPS: ReadonlyArray<Lens.Lens<number, number>> = [Scalar.sin, Scalar.square, expNeg]

const libLenses = (n: number, ops: ReadonlyArray<Lens.Lens<number, number>>): Array<Lens.Lens<number, number>> =>
  Array.from({ length: n }, (_, i) => ops[kindAt(i)] as Lens.Lens<number, number>)

/** The chain from `Lens.pipeAll`, timing `pipeAll` and the first compile (flattening) cold. */
const buildLibChain = (n: number, ops: ReadonlyArray<Lens.Lens<number, number>>): { readonly chain: Lens.Lens<number, number>; readonly buildMs: Record<string, number> } => {
  const lenses = libLenses(n, ops)
  const piped = H.timeOnce(() => Lens.pipeAll(lenses))
  const compiled = H.timeOnce(() => compile(I.planOf(I.erase(piped.value))))
  return { chain: piped.value, buildMs: { 'Lens.pipeAll': piped.ms, 'first compile (flatten to a tape)': compiled.ms } }
}

const buildLibBackPropagate = (n: number): Impl => {
  const { chain, buildMs } = buildLibChain(n, LIB_OPS)
  return {
    buildMs,
    valueAndGrad: (x) => [Lens.evaluate(chain, x), Lens.backPropagateConst(chain, 1, x)],
    grad: () => Lens.backPropagateConst(chain, 1, X),
    gradZero: () => Lens.backPropagateConst(chain, 0, X)
  }
}

const buildLibValueAndGrad = (n: number): Impl => {
  const { chain, buildMs } = buildLibChain(n, LIB_OPS)
  return { buildMs, valueAndGrad: (x) => Lens.valueAndGrad(chain, x), grad: () => Lens.valueAndGrad(chain, X)[1] }
}

// -------------------------------------------------------------------------------------
// 5. backprop-lens through its generic CPS path: raw CPS lenses
// -------------------------------------------------------------------------------------

const rawSin: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(Math.sin(x)), (dy: number) => Math.cos(x) * dy)
const rawSquare: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(x * x), (dy: number) => 2 * x * dy)
const rawExpNeg: Lens.Lens<number, number> = (next) => (x) => {
  const y = Math.exp(-x)
  return Cont.map(next(y), (dy: number) => -y * dy)
}
const RAW_OPS: ReadonlyArray<Lens.Lens<number, number>> = [rawSin, rawSquare, rawExpNeg]

const buildRaw = (n: number): Impl => {
  const { chain, buildMs } = buildLibChain(n, RAW_OPS)
  return { buildMs, valueAndGrad: (x) => Lens.valueAndGrad(chain, x), grad: () => Lens.backPropagateConst(chain, 1, X) }
}

// -------------------------------------------------------------------------------------
// 6. tfjs-core, cpu backend
// -------------------------------------------------------------------------------------

const buildTf = (tf: Tf, n: number): Impl => {
  const f = (x: TF.Tensor): TF.Tensor => {
    let v = x
    for (let i = 0; i < n; i++) {
      const k = kindAt(i)
      v = k === SIN ? tf.sin(v) : k === SQUARE ? tf.square(v) : tf.exp(tf.neg(v))
    }
    return v
  }
  const g = tf.grad(f)
  const x0 = tf.scalar(X)
  const read = (t: TF.Tensor): number => t.dataSync()[0] as number
  const gradAt = (x: TF.Tensor): number => {
    const out = tf.tidy(() => g(x))
    const d = read(out)
    out.dispose()
    return d
  }
  return {
    valueAndGrad: (x) => {
      const xs = tf.scalar(x)
      const y = tf.tidy(() => f(xs))
      const result: readonly [number, number] = [read(y), gradAt(xs)]
      y.dispose()
      xs.dispose()
      return result
    },
    grad: () => gradAt(x0)
  }
}

// -------------------------------------------------------------------------------------
// by name
// -------------------------------------------------------------------------------------

/** The rows of the benchmark, in table order (tfjs needs its namespace: see {@link buildImpl}). */
export const IMPLS = ['tape', 'wengert', 'naive-cps', 'lib backPropagateConst', 'lib valueAndGrad', 'lib raw-CPS lenses'] as const
export type ImplName = (typeof IMPLS)[number]

const BUILDERS: Readonly<Record<ImplName, (n: number) => Impl>> = {
  tape: buildTape,
  wengert: buildWengert,
  'naive-cps': buildNaiveCps,
  'lib backPropagateConst': buildLibBackPropagate,
  'lib valueAndGrad': buildLibValueAndGrad,
  'lib raw-CPS lenses': buildRaw
}

/** Builds a row for `n` ops: one of {@link IMPLS}, or tfjs's `tf.grad` when given `tf`. */
export const buildImpl = (name: string, n: number, tf?: Tf): Impl => {
  if (tf !== undefined) return buildTf(tf, n)
  const build = (BUILDERS as Readonly<Record<string, ((n: number) => Impl) | undefined>>)[name]
  if (build === undefined) throw new Error(`scalar-chain: no implementation named ${JSON.stringify(name)}`)
  return build(n)
}

/** The tape's value and gradient at `X`: what every row is checked against. */
export const referenceAt = (n: number): readonly [number, number] => buildTape(n).valueAndGrad(X)

