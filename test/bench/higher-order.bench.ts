/**
 * Higher-order derivatives against one gradient of the same function (issue 10). Every row
 * runs in its own child process from the built package (`isolate.ts`):
 * 1. **scalar chain** (N = 1000 alternating sin, x², exp(−x), by `Lens.pipeAll`): one
 *    gradient (`backPropagateConst`), one evaluation plus one gradient, the second derivative
 *    `grad(grad(f))` (target ≤ 6× one gradient), `jvp` (target ≤ 3× one evaluation plus
 *    gradient) and `hvp`; each row's value and second derivative are checked against the
 *    gradient row's, whose second derivative is a central difference of the gradient;
 * 2. **MLP 784-128-10, batch 64** (softmax cross-entropy of a relu network made of `ops`
 *    with `Lens.pipe`): one gradient in the parameters against one Hessian-vector product
 *    `Lens.hvp(loss, params, v)` (target ≤ 4×), checked against central differences of the
 *    gradient along `v`.
 *
 *     npm run bench -- higher-order
 *
 * @module bench/higher-order
 */
import { Lens, Scalar, Tensor, VectorSpace, ops } from '../../src/index.js'
import * as H from './harness.js'
import { relDiff, relError, sci, subject, type Benchmark, type Group, type Output, type Subject, type Verdict } from './model.js'
import type { TableRecord } from './results.js'
import { uniforms } from '../../src/internal/random.js'

type T = Tensor.Tensor

const CHAIN = 'scalar chain N = 1000'
const MLP = 'MLP 784-128-10 b64'
const GRADIENT = 'gradient'
const EVAL_GRAD = 'evaluate + gradient'
const GRAD_GRAD = 'grad(grad(f))'
const JVP = 'jvp'
const HVP = 'hvp'

// -------------------------------------------------------------------------------------
// 1. the scalar chain
// -------------------------------------------------------------------------------------

const N = 1000
const X = 0.5
const expNeg = Lens.pipe(Scalar.neg, Scalar.exp)
const CHAIN_OPS: ReadonlyArray<Lens.Lens<number, number>> = [Scalar.sin, Scalar.square, expNeg]
const chain = (): Lens.Lens<number, number> => Lens.pipeAll(Array.from({ length: N }, (_, i) => CHAIN_OPS[i % 3] as Lens.Lens<number, number>))

/** The gradient and, by a central difference of the gradient, the second derivative. */
const chainReference = (f: Lens.Lens<number, number>): readonly [number, number] => {
  const h = 1e-5
  const g = (x: number): number => Lens.backPropagateConst(f, 1, x)
  return [g(X), (g(X + h) - g(X - h)) / (2 * h)]
}

// -------------------------------------------------------------------------------------
// 2. the MLP
// -------------------------------------------------------------------------------------

type Params = readonly [readonly [readonly [T, T], T], T]

// reproducible data from the library's one seeded generator
const uniform = uniforms

const mlpProblem = (): { readonly loss: Lens.Lens<Params, T>; readonly params: Params; readonly v: Params } => {
  const [inputs, hidden, classes, batch] = [784, 128, 10, 64]
  const next = uniform(11)
  const tensor = (shape: ReadonlyArray<number>, scale: number): T =>
    Tensor.make(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (next() * 2 - 1) * scale))
  const x = Tensor.make([batch, inputs], Float64Array.from({ length: batch * inputs }, () => next()))
  const labels = Array.from({ length: batch }, (_, i) => i % classes)
  const params: Params = [
    [[tensor([inputs, hidden], Math.sqrt(6 / inputs)), tensor([hidden], 0.1)], tensor([hidden, classes], Math.sqrt(6 / hidden))],
    tensor([classes], 0.1)
  ]
  const v: Params = [[[tensor([inputs, hidden], 1), tensor([hidden], 1)], tensor([hidden, classes], 1)], tensor([classes], 1)]
  const layer1 = Lens.pipe(Lens.first<T, T, T>(ops.matmulLeft(x)), ops.add)
  const hiddenLayer = Lens.first<readonly [T, T], T, T>(Lens.pipe(layer1, ops.relu))
  const logits = Lens.pipe(Lens.first<readonly [readonly [T, T], T], T, T>(Lens.pipe(hiddenLayer, ops.matmul)), ops.add)
  return { loss: Lens.pipe(logits, ops.softmaxCrossEntropy(labels)), params, v }
}

const P = VectorSpace.infer<Params>(mlpProblem().params)

// -------------------------------------------------------------------------------------
// checks, tables, rows
// -------------------------------------------------------------------------------------

/** Scalars to `tol` relative (the second derivatives are compared with finite differences). */
const close =
  (tol: number) =>
  (reference: Output, got: Output): Verdict => {
    const scalars = reference.scalars.map((r, i) => relDiff(got.scalars[i] ?? NaN, r))
    const arrays = reference.arrays.map((r, i) => relError(got.arrays[i] ?? new Float64Array(0), r))
    const worst = Math.max(0, ...scalars.map((d) => (Number.isNaN(d) ? Infinity : d)), ...arrays)
    return { ok: worst <= tol, text: `${got.scalars.map((s) => s.toPrecision(12)).join(', ')}; worst relative difference ${sci(worst)} (to ${tol})` }
  }

const groups = (): ReadonlyArray<Group> => [
  {
    id: CHAIN,
    title: `Scalar chain, N = ${N} (sin, x², exp(−x), …) at x = ${X}: derivatives of the first and second order`,
    unit: H.nsPer('op'),
    rows: [{ name: GRADIENT }, { name: EVAL_GRAD }, { name: GRAD_GRAD }, { name: JVP }, { name: HVP }],
    reference: GRADIENT,
    baselines: [GRADIENT, EVAL_GRAD],
    check: close(1e-6)
  },
  {
    id: MLP,
    title: 'MLP 784-128-10, batch 64: a Hessian-vector product of the loss in the parameters, against one gradient',
    unit: H.msPer('step'),
    rows: [{ name: GRADIENT }, { name: HVP }],
    reference: GRADIENT,
    baselines: [GRADIENT],
    check: close(1e-5)
  }
]

const build = (group: string, row: string): Subject => {
  if (group === CHAIN) {
    const f = chain()
    const [g, s] = chainReference(f)
    const gg = Lens.grad(Lens.grad(f))
    const units = N
    // Every row reports [gradient, second derivative]; what a row does not compute is
    // filled in from the reference (untimed), so the check compares what it does compute.
    switch (row) {
      case GRADIENT:
        return subject({ run: () => Lens.backPropagateConst(f, 1, X), output: (d: number) => ({ scalars: [d, s], arrays: [] }), units })
      case EVAL_GRAD:
        return subject({
          run: () => [Lens.evaluate(f, X), Lens.backPropagateConst(f, 1, X)] as const,
          output: ([, d]: readonly [number, number]) => ({ scalars: [d, s], arrays: [] }),
          units
        })
      case GRAD_GRAD:
        return subject({ run: () => Lens.evaluate(gg, X), output: (d2: number) => ({ scalars: [g, d2], arrays: [] }), units })
      case JVP:
        // for a function of one variable, J·1 is the gradient
        return subject({ run: () => Lens.jvp(f, X, 1), output: ([, t]: readonly [number, number]) => ({ scalars: [t, s], arrays: [] }), units })
      default:
        return subject({ run: () => Lens.hvp(f, X, 1), output: (h: number) => ({ scalars: [g, h], arrays: [] }), units })
    }
  }
  const { loss, params, v } = mlpProblem()
  // the reference: central differences of the gradient along v (untimed, in `output`)
  const hvpByDifferences = (): Float64Array => {
    const h = 1e-5
    const g = (p: Params): Float64Array => P.flatten(Lens.valueAndGrad(loss, p)[1])
    const plus = g(P.add(params, P.scale(h, v)))
    const minus = g(P.add(params, P.scale(-h, v)))
    return plus.map((x, i) => (x - (minus[i] as number)) / (2 * h))
  }
  if (row === GRADIENT) {
    return subject({
      run: () => Lens.valueAndGrad(loss, params),
      output: () => ({ scalars: [], arrays: [hvpByDifferences()] })
    })
  }
  return subject({
    run: () => Lens.hvp(loss, params, v),
    output: (hv: Params) => ({ scalars: [], arrays: [P.flatten(hv)] })
  })
}

// -------------------------------------------------------------------------------------
// targets
// -------------------------------------------------------------------------------------

const summarise = (tables: ReadonlyArray<TableRecord>): void => {
  const rowOf = (id: string, name: string) => tables.find((t) => t.id === id)?.rows.find((r) => r.name === name)
  const ratio = (id: string, name: string, to: string): number => rowOf(id, name)?.ratios[to] ?? NaN
  const gg = ratio(CHAIN, GRAD_GRAD, GRADIENT)
  const jvp = ratio(CHAIN, JVP, EVAL_GRAD)
  const hvp = ratio(MLP, HVP, GRADIENT)
  console.log('\n### Targets (issue 10; ratios of medians in this run)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict'],
      [
        ['hvp of the MLP 784-128-10 b64 loss ≤ 4× one gradient', `${H.fmt(hvp)}×`, H.verdict(hvp, 4)],
        ['jvp ≤ 3× one evaluation plus gradient (scalar chain N = 1000)', `${H.fmt(jvp)}×`, H.verdict(jvp, 3)],
        ['grad(grad(f)) of the N = 1000 scalar chain ≤ 6× one gradient', `${H.fmt(gg)}×`, H.verdict(gg, 6)]
      ]
    )
  )
}

export const benchmark: Benchmark = { name: 'higher-order', groups, build, summarise }
