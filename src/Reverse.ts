/**
 * Higher-order derivatives: the reverse derivative of a lens is a lens again. This file
 * implements `Lens.reverse`, `grad`, `jvp`, `hvp`, `hessian` and `jacobian` (their home is
 * `Lens`, which re-exports them).
 *
 * **Two faces of one derivative.** `reverse(f): Lens<[A, B], A>` maps `[a, db]` to
 * `backPropagateConst(f, db, a)`. Its *evaluation* runs `f`'s first-order tape, so it equals
 * that exactly. Its *backward pass* (and every derivative after it) comes from the
 * *structural* reverse derivative: a lens built from `f`'s plan, whose parts are lenses with
 * backward passes of their own —
 * - a primitive: the backward pass its rule or constructor gives as a lens (a rule's is
 *   `[x, dy] ↦ f′(x)·dy`, with `f′` written with primitives; a structural step's is its
 *   transpose, see `internal/structure.ts`);
 * - `pipe(f, g)`: `R[f;g](a, c) = R[f](a, R[g](f(a), c))`, as
 *   `pipe(first(fanout(id, f)), assoc, second(R[g]), R[f])`, built for a pipe of any length
 *   by a loop;
 * - `split(f, g)`: `R[f ⊗ g]([a, c], [db, dd]) = [R[f](a, db), R[g](c, dd)]`;
 * - `fanout(f, g)`: `R[⟨f, g⟩](a, [db, dc]) = R[f](a, db) + R[g](a, dc)`;
 * - `id`: `R[id](a, b) = b`.
 * A primitive whose backward pass is a plain function (`Lens.make` without `reverse`,
 * `Lens.fromVjp`) or a hand-written CPS lens has no structural reverse: differentiating it
 * twice throws an error naming it and saying how to make it differentiable.
 *
 * @module Reverse
 */
// One piece, past 400 lines: the structural reverse derivative and the second-order run on the
// tape are the two halves behind every function here, and nothing else uses them.
import { zeros } from './kernels/index.js'
import { fanout, first, second, snd, split } from './Cartesian.js'
import { backPropagateLens, fromPlan, vjpLens } from './internal/cps.js'
import { compile, enter, leave, record } from './internal/tape.js'
import { asPair, describe } from './internal/guards.js'
import type { Lens } from './internal/lens.js'
import * as P from './internal/plan.js'
import { linear, shaped, sumOf, unitCotangent, zeroOf } from './internal/structure.js'
import { Tensor, unsafeFromData } from './internal/tensor.js'
import * as VS from './VectorSpace.js'

type Pair = readonly [unknown, unknown]

// -------------------------------------------------------------------------------------
// the structural reverse derivative of a plan
// -------------------------------------------------------------------------------------

const built = new WeakMap<P.Plan, P.AnyLens>()

const notDifferentiable = (plan: P.Plan, where: string): Error => {
  const named = plan.name === '' ? 'a primitive' : `the primitive ${plan.name}`
  const place = where === '' ? '' : ` (${where})`
  if (plan.tag === P.RAW) {
    return new TypeError(
      `Lens.reverse: ${plan.name === '' ? 'a hand-written CPS lens' : `the hand-written CPS lens ${plan.name}`}${place} is differentiable once only; ` +
        'write it with Lens.make({ forward, backward, reverse }) to differentiate it again'
    )
  }
  return new TypeError(
    `Lens.reverse: ${named}${place} has a backward pass written as a plain function, so it is differentiable once only; ` +
      'give its backward pass as a lens too: Lens.make({ forward, backward, reverse }), where reverse: Lens<[a, db], da>'
  )
}

/** `[[a, b], c] ↦ [a, [b, c]]`, the re-pairing in the reverse derivative of a pipe. */
const assoc: P.AnyLens = P.erase(
  linear<readonly [Pair, unknown], readonly [unknown, Pair]>(
    'assoc',
    ([[a, b], c]) => [a, [b, c]],
    (_x, [da, [db, dc]]) => [[da, db], dc]
  )
)

/** `[[a, c], [db, dd]] ↦ [[a, db], [c, dd]]`. */
const splitShuffle: P.AnyLens = P.erase(
  linear<readonly [Pair, Pair], readonly [Pair, Pair]>(
    'split′',
    ([[a, c], [db, dd]]) => [
      [a, db],
      [c, dd]
    ],
    (_x, [[pa, pdb], [pc, pdd]]) => [
      [pa, pc],
      [pdb, pdd]
    ]
  )
)

/** `[a, [db, dc]] ↦ [[a, db], [a, dc]]`; its transpose adds the two uses of `a` with `add`. */
const fanoutShuffle = (add: P.Add): P.AnyLens =>
  P.erase(
    linear<readonly [unknown, Pair], readonly [Pair, Pair]>(
      'fanout′',
      ([a, [db, dc]]) => [
        [a, db],
        [a, dc]
      ],
      (_x, [[pa1, pdb], [pa2, pdc]]) => [add(pa1, pa2), [pdb, pdc]]
    )
  )

/** `[x, y] ↦ x + y` with `add`; its transpose copies. */
const addLens = (add: P.Add): P.AnyLens =>
  P.erase(
    linear<Pair, unknown>(
      'add',
      ([x, y]) => add(x, y),
      (_x, w) => [w, w]
    )
  )

const pipeOf = (parts: ReadonlyArray<P.AnyLens>): P.AnyLens => fromPlan(P.seqPlan(parts.map(P.planOf)))

/** The parts of a composition, nested compositions and identities flattened, by a loop. */
const partsOf = (plan: P.Plan): Array<P.Plan> => {
  const out: Array<P.Plan> = []
  const todo: Array<P.Plan> = [plan]
  while (todo.length > 0) {
    const p = todo.pop() as P.Plan
    if (p.tag === P.SEQ) {
      const parts = p.parts as ReadonlyArray<P.Plan>
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i] as P.Plan)
    } else if (p.tag !== P.ID) out.push(p)
  }
  return out
}

/** `R[f]` from the reverses of its parts (all of them built already). */
const assemble = (plan: P.Plan, children: ReadonlyArray<P.Plan>, rev: (p: P.Plan) => P.AnyLens): P.AnyLens => {
  if (plan.tag === P.PAIR) {
    const [left, right] = children as [P.Plan, P.Plan]
    const branches = P.erase(split(rev(left), rev(right)))
    if (plan.add === null) return pipeOf([splitShuffle, branches])
    return pipeOf([fanoutShuffle(plan.add), branches, addLens(plan.add)])
  }
  // a composition: R[f1; …; fn], from the last part back to the first
  const n = children.length
  if (n === 0) return P.erase(snd())
  let acc = rev(children[n - 1] as P.Plan)
  for (let k = n - 2; k >= 0; k--) {
    const part = children[k] as P.Plan
    const keep = P.erase(first(fanout(fromPlan(P.idPlan), fromPlan(part))))
    acc = pipeOf([keep, assoc, P.erase(second(acc)), rev(part)])
  }
  return acc
}

/**
 * The structural reverse derivative of a plan, built bottom-up with an explicit stack (so
 * nesting depth costs no native stack) and cached per plan.
 */
const structural = (root: P.Plan): P.AnyLens => {
  const done = built.get(root)
  if (done !== undefined) return done
  const rev = (p: P.Plan): P.AnyLens => built.get(p) as P.AnyLens
  type Item = { readonly plan: P.Plan; readonly where: string; children: ReadonlyArray<P.Plan> | null }
  const stack: Array<Item> = [{ plan: root, where: '', children: null }]
  while (stack.length > 0) {
    const item = stack[stack.length - 1] as Item
    const { plan, where } = item
    if (built.has(plan)) {
      stack.pop()
      continue
    }
    if (plan.tag === P.PRIM || plan.tag === P.VJP || plan.tag === P.RAW) {
      if (plan.rev === null) throw notDifferentiable(plan, where)
      built.set(plan, plan.rev())
      stack.pop()
      continue
    }
    if (item.children === null) {
      const children = plan.tag === P.PAIR ? [plan.left as P.Plan, plan.right as P.Plan] : partsOf(plan)
      item.children = children
      const n = children.length
      for (let i = n - 1; i >= 0; i--) {
        const child = children[i] as P.Plan
        if (built.has(child)) continue
        const place =
          plan.tag === P.PAIR
            ? `the ${i === 0 ? 'first' : 'second'} branch of a ${plan.name}`
            : n > 1
              ? `step ${i + 1} of ${n} of a pipe`
              : ''
        stack.push({ plan: child, where: where === '' ? place : place === '' ? where : `${place}, in ${where}`, children: null })
      }
      continue
    }
    built.set(plan, assemble(plan, item.children, rev))
    stack.pop()
  }
  return built.get(root) as P.AnyLens
}

// -------------------------------------------------------------------------------------
// second order on the tape
// -------------------------------------------------------------------------------------

/**
 * The reverse derivative of a tape program at `[a, db]`, with its pullback, computed on the
 * tape directly: the *second-order engine*. Its forward pass records `f`'s tape and runs the
 * backward loop, saving at each step what the pullback of that step's backward pass needs
 * (`Plan.second`'s inputs, or the pullback of its backward lens). Its pullback, for the
 * cotangent `u` of `da`, runs the transposed backward loop first to last — which carries `u`
 * forward as a tangent (forward mode) and collects, at each step, the cotangent of that
 * step's input — and then replays `f`'s tape backward, adding those cotangents in. The
 * result is `R[R[f]]([a, db], u) = [ā, d̄b]`, as the structural reverse derivative gives,
 * at a fraction of its cost (no structural steps, no re-pairing).
 */
interface SecondRun {
  readonly output: unknown
  readonly da: unknown
  readonly pullback: (u: unknown, wantX: boolean) => readonly [unknown, unknown]
}

const secondOrder = (f: P.AnyLens, a: unknown, cotangent: (b: unknown) => unknown): SecondRun => {
  const program = compile(P.planOf(f), true)
  const code = program.code
  const n = code.length
  const tape = record(code, 0, n, a)
  const { values, pullbacks } = tape
  const dys: Array<unknown> = new Array(n)
  const revs: Array<P.Pullback | undefined> = new Array(n)
  let d = cotangent(values[n])
  let stack: Array<unknown> | null = null
  for (let i = n - 1; i >= 0; i--) {
    const step = code[i] as P.Plan
    const tag = step.tag
    if (tag === P.PRIM && step.second !== null) {
      dys[i] = d
      d = (step.backward as P.Bwd)(values[i], d, values[i + 1])
    } else if (tag === P.PRIM || tag === P.VJP) {
      if (step.rev === null) structural(P.planOf(f)) // throws the error that names the step and its place
      const [dx, pullback] = vjpLens((step.rev as () => P.AnyLens)(), [values[i], d])
      revs[i] = pullback
      d = dx
    } else d = leave(step, d, (stack ??= []))
  }
  const pullback = (u: unknown, wantX: boolean): readonly [unknown, unknown] => {
    // the transposed backward loop: u travels first to last
    const contrib: Array<unknown> | null = wantX ? new Array(n) : null
    let t = u
    let s: Array<unknown> | null = null
    for (let i = 0; i < n; i++) {
      const step = code[i] as P.Plan
      const tag = step.tag
      if (tag === P.PRIM && step.second !== null) {
        const [cx, dt] = step.second(values[i], dys[i], values[i + 1], t, wantX)
        if (contrib !== null) contrib[i] = cx
        t = dt
      } else if (tag === P.PRIM || tag === P.VJP) {
        const [cx, dt] = (revs[i] as P.Pullback)(t) as Pair
        if (contrib !== null) contrib[i] = cx
        t = dt
      } else t = enter(step, t, (s ??= []))
    }
    if (contrib === null) return [undefined, t]
    // f's tape backward, from a zero output cotangent, with the collected cotangents added in
    let c = zeroOf(values[n])
    let s2: Array<unknown> | null = null
    for (let i = n - 1; i >= 0; i--) {
      const step = code[i] as P.Plan
      const tag = step.tag
      if (tag === P.PRIM) c = sumOf((step.backward as P.Bwd)(values[i], c, values[i + 1]), contrib[i])
      else if (tag === P.VJP) c = sumOf(((pullbacks as Array<P.Pullback>)[i] as P.Pullback)(c), contrib[i])
      else c = leave(step, c, (s2 ??= []))
    }
    return [c, t]
  }
  return { output: values[n], da: d, pullback }
}

/**
 * A lens evaluated by `fast` (a first-order run), whose pullback comes from the second-order
 * engine (`run`), and whose own reverse derivative (third order and beyond) comes from the
 * structural reverse derivative `structuralLens()`, built when first needed.
 */
const alias = (
  name: string,
  fast: (x: unknown) => unknown,
  run: (x: unknown) => readonly [unknown, P.Pullback],
  structuralLens: () => P.AnyLens
): P.AnyLens => {
  let s: P.AnyLens | null = null
  const plan = P.vjpPlan(run, fast, name)
  plan.rev = () => reverseOf((s ??= structuralLens()))
  return fromPlan(plan)
}

const reverseOf = (f: P.AnyLens): P.AnyLens => {
  const plan = P.planOf(f)
  return alias(
    'reverse',
    (x) => {
      const [a, db] = asPair('reverse', 'the input', x)
      return backPropagateLens(f, () => db, a)
    },
    (x) => {
      const [a, db] = asPair('reverse', 'the input', x)
      const run = secondOrder(f, a, () => db)
      return [run.da, (u) => run.pullback(u, true)]
    },
    () => structural(plan)
  )
}

// -------------------------------------------------------------------------------------
// the reverse derivative and the gradient
// -------------------------------------------------------------------------------------

/**
 * The reverse derivative of `f` as a lens: `[a, db] ↦ da`, the cotangent that
 * `backPropagateConst(f, db, a)` gives (exactly: it runs the same first-order tape). It is a
 * lens like any other, so it can be differentiated again (`reverse(reverse(f))`), piped and
 * checked against finite differences; its own backward pass is built from the backward
 * passes of `f`'s primitives written as lenses.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const r = Lens.reverse(Scalar.sin)
 * console.log(Lens.evaluate(r, [0, 2])) // 2
 * // d/da of cos(a)·db is −sin(a)·db; d/d(db) is cos(a)
 * console.log(Lens.backPropagateConst(r, 1, [Math.PI / 2, 2])) // [ -2, 6.123233995736766e-17 ]
 *
 * @category higher order
 */
export const reverse = <A, B>(f: Lens<A, B>): Lens<readonly [A, B], A> => {
  if (typeof f !== 'function') throw new TypeError(`Lens.reverse: expected a lens, got ${describe(f)}`)
  return reverseOf(P.erase(f)) as unknown as Lens<readonly [A, B], A>
}

const unit = (op: string, b: unknown): unknown => unitCotangent(op, b, 'for other outputs use Lens.reverse with an output cotangent')

/** `b ↦ 1` for a scalar `b` (a constant: zero derivative). */
const unitOf: P.AnyLens = fromPlan(
  P.primPlan(
    (b) => unit('Lens.grad', b),
    (b) => zeroOf(b),
    'grad',
    null,
    () => P.erase(shaped<unknown, unknown, unknown>('gradᵀ', (b) => zeroOf(b), (_b, w) => zeroOf(w)))
  )
)

/**
 * The gradient of a lens with a scalar output (a number or a rank-0 tensor), as a lens
 * `a ↦ ∇f(a)`: its value at `a` is `backPropagateConst(f, 1, a)`, and it can be
 * differentiated again (`grad(grad(f))` is the second derivative).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const d2sin = Lens.grad(Lens.grad(Scalar.sin)) // −sin
 * console.log(Lens.evaluate(d2sin, Math.PI / 2)) // -1
 *
 * @category higher order
 */
export const grad = <A>(f: Lens<A, number> | Lens<A, Tensor>): Lens<A, A> => {
  if (typeof f !== 'function') throw new TypeError(`Lens.grad: expected a lens, got ${describe(f)}`)
  const lens = P.erase(f as Lens<A, number>)
  return alias(
    'grad',
    (a) => backPropagateLens(lens, (b) => unit('Lens.grad', b), a),
    (a) => {
      const run = secondOrder(lens, a, (b) => unit('Lens.grad', b))
      return [run.da, (u) => run.pullback(u, true)[0]]
    },
    () => pipeOf([P.erase(fanout(fromPlan(P.idPlan), pipeOf([lens, unitOf]))), structural(P.planOf(lens))])
  ) as unknown as Lens<A, A>
}

// -------------------------------------------------------------------------------------
// forward mode and second derivatives
// -------------------------------------------------------------------------------------

/**
 * Forward mode: the output `f(a)` and the tangent `J·da` (the directional derivative of `f`
 * at `a` along `da`). Derived by transposing the reverse derivative: `db ↦ R[f](a, db)` is
 * linear with transpose `da ↦ J·da`, so `J·da` is the cotangent of `db` that
 * `reverse(reverse(f))` gives. No tangent rules are needed beyond the backward passes as lenses.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // d/dt sin(x + t·v) at t = 0 is cos(x)·v
 * console.log(Lens.jvp(Scalar.sin, 0, 3)) // [ 0, 3 ]
 *
 * @category higher order
 */
export const jvp = <A, B>(f: Lens<A, B>, a: NoInfer<A>, da: NoInfer<A>): readonly [B, B] => {
  if (typeof f !== 'function') throw new TypeError(`Lens.jvp: expected a lens, got ${describe(f)}`)
  const lens = P.erase(f)
  const run = secondOrder(lens, a, zeroOf)
  const [, db] = run.pullback(da, false)
  return [run.output as B, db as B]
}

/**
 * The Hessian-vector product `H·v` of a lens with a scalar output at `a`: the derivative of
 * the gradient along `v`, from one reverse pass through `grad(f)`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // f(x, y) = x²·y: H = [[2y, 2x], [2x, 0]]
 * const f = Lens.pipe(Lens.first<number, number, number>(Scalar.square), Scalar.mul)
 * console.log(Lens.hvp(f, [1, 3], [1, 0])) // [ 6, 2 ]
 *
 * @category higher order
 */
export const hvp = <A>(f: Lens<A, number> | Lens<A, Tensor>, a: NoInfer<A>, v: NoInfer<A>): A => {
  if (typeof f !== 'function') throw new TypeError(`Lens.hvp: expected a lens, got ${describe(f)}`)
  return backPropagateLens(P.erase(grad(f as Lens<A, number>)), () => v, a) as A
}

/**
 * Options of {@link hessian} and {@link jacobian}.
 *
 * @category higher order
 */
export interface MatrixOptions {
  /** The largest number of entries to compute (default 10⁷): a larger result is refused. */
  readonly maxEntries?: number
}

const MAX_ENTRIES = 10_000_000

/** The shape a value counts as: `[]` for a number, a tensor's shape, `[n]` for a tuple or record of n coordinates. */
const shapeOfValue = (v: unknown, space: VS.VectorSpace<unknown>): ReadonlyArray<number> =>
  typeof v === 'number' ? [] : v instanceof Tensor ? v.shape : [space.size(v)]

/**
 * Rows of a matrix, one per coordinate of `like`'s space: `row(e_i)` for each basis vector,
 * written into a tensor of shape `[...rowsShape, ...colsShape]` (a number when both are `[]`).
 */
const matrix = (
  op: string,
  like: unknown,
  cols: unknown,
  row: (e: unknown) => unknown,
  options: MatrixOptions | undefined
): unknown => {
  const max = options?.maxEntries ?? MAX_ENTRIES
  if (typeof max !== 'number' || !(max > 0)) throw new RangeError(`${op}: maxEntries must be a positive number, got ${String(max)}`)
  const rowSpace = VS.infer(like)
  const colSpace = VS.infer(cols)
  const m = rowSpace.size(like)
  const n = colSpace.size(cols)
  const rowsShape = shapeOfValue(like, rowSpace)
  const colsShape = shapeOfValue(cols, colSpace)
  if (m * n > max) {
    throw new RangeError(
      `${op}: the result would have ${m * n} entries (shape [${[...rowsShape, ...colsShape].join(', ')}]), more than maxEntries = ${max}; pass { maxEntries } to allow it, or use ${op === 'Lens.hessian' ? 'Lens.hvp' : 'Lens.vjp or Lens.jvp'} for products with vectors`
    )
  }
  const out = zeros(m * n)
  const basis = zeros(m)
  for (let i = 0; i < m; i++) {
    basis.fill(0)
    basis[i] = 1
    colSpace.write(row(rowSpace.unflatten(like, basis)), out, i * n)
  }
  const shape = [...rowsShape, ...colsShape]
  if (shape.length === 0) return out[0] as number
  return unsafeFromData(Object.freeze(shape), out)
}

/**
 * The Hessian of a lens with a scalar output at `a` (small inputs): a number for a number
 * input; otherwise a `Tensor` of shape `[...in, ...in]`, where a tensor input counts with its
 * shape and a tuple or record as the vector of its coordinates in `VectorSpace` order (so the
 * Hessian of a function of `[x, y]` is 2×2). One forward pass, one backward pass per
 * coordinate. Results above `maxEntries` (default 10⁷) are refused.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const f = Lens.pipe(Lens.first<number, number, number>(Scalar.square), Scalar.mul) // x²·y
 * console.log(Lens.hessian(f, [1, 3])) // Tensor([[6, 2], [2, 0]])
 *
 * @category higher order
 */
export const hessian = <A>(f: Lens<A, number> | Lens<A, Tensor>, a: NoInfer<A>, options?: MatrixOptions): A extends number ? number : Tensor => {
  if (typeof f !== 'function') throw new TypeError(`Lens.hessian: expected a lens, got ${describe(f)}`)
  const [, pullback] = vjpLens(P.erase(grad(f as Lens<A, number>)), a)
  return matrix('Lens.hessian', a, a, pullback, options) as A extends number ? number : Tensor
}

/**
 * The Jacobian of a lens at `a` (small inputs and outputs): a number for number in and out;
 * otherwise a `Tensor` of shape `[...out, ...in]` (a tuple or record counts as the vector of
 * its coordinates). One forward pass, one backward pass per output coordinate. Unlike
 * `Gradcheck.jacobian`, which compares the analytic Jacobian with finite differences and
 * returns a report, this returns the Jacobian itself.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const polar = Lens.fanout(Lens.pipe(Scalar.cos, Scalar.scale(2)), Lens.pipe(Scalar.sin, Scalar.scale(2)))
 * console.log(Lens.jacobian(polar, 0)) // Tensor([0, 2])
 *
 * @category higher order
 */
export const jacobian = <A, B>(f: Lens<A, B>, a: NoInfer<A>, options?: MatrixOptions): number | Tensor => {
  if (typeof f !== 'function') throw new TypeError(`Lens.jacobian: expected a lens, got ${describe(f)}`)
  const [b, pullback] = vjpLens(P.erase(f), a)
  return matrix('Lens.jacobian', b, a, pullback, options) as number | Tensor
}
