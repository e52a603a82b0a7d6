/**
 * The Cartesian (product) structure of lenses: programs with several inputs and outputs.
 * Pairs are `readonly [A, B]`, and a pair's cotangent is the pair of the components'
 * cotangents. Their one public home is `Lens` (`Lens.split`, …), which re-exports them.
 *
 * - {@link split} (`f *** g`) runs two lenses side by side on the two halves of a pair;
 *   {@link first} and {@link second} run one lens on one half.
 * - {@link fanout} (`f &&& g`) runs two lenses on the same input; the cotangents that come
 *   back from the two branches are *added* (the input was used twice). {@link dup} is the
 *   copy `a ↦ [a, a]` on its own, whose backward pass adds.
 * - {@link fst}, {@link snd} project; the component that was dropped gets a zero
 *   cotangent. {@link swap} exchanges the halves.
 * - Constants: {@link withConst} (`a ↦ [a, c]`) and {@link withConstFirst} (`a ↦ [c, a]`)
 *   feed a fixed value beside the running one — a target into a loss
 *   (`pipe(net, withConst(target), mse)`), a fixed operand into a binary primitive
 *   (`pipe(withConst(2), Scalar.mul)` doubles). They are the ones to reach for: their backward
 *   pass just drops the constant's cotangent, so they need no vector space and add no zero.
 *   {@link constant} (`a ↦ c`, backward: a zero) exists for completeness, e.g. as a branch of
 *   {@link fanout}, but `fanout(id(), constant(c))` does the work of `withConst(c)` with an
 *   extra zero and sum.
 *
 * **Where zeros and sums come from.** {@link fanout}, {@link dup}, {@link fst}, {@link snd}
 * and {@link constant} need a zero or a sum of cotangents. Each takes the `VectorSpace` it
 * needs as an *optional last argument*; when it is omitted, the instance is inferred with
 * `VectorSpace.infer` from a value at hand when it is needed: the dropped component of
 * the input (for a zero) or the first cotangent (for a sum). Why: the structure of the
 * zero or sum is always that of a value the lens holds at that moment, so for the
 * library's own types (numbers, tuples, records, and tensors, which `infer` recognises) the
 * inferred instance is the right one and network code stays free of instance plumbing.
 * Pass the instance explicitly for cotangent types `infer` does not know (your own
 * classes), or to avoid inferring on each backward pass in a hot loop over large tuples
 * (numbers take a fast path and never infer). Cotangents of different structures (a
 * branch returning a malformed cotangent) are an error naming the combinator.
 *
 * **Efficiency and stack.** {@link split} and {@link fanout} are product nodes of the plan
 * that `pipe` flattens: the library's one tape runs their branches in line, each once
 * forward and once backward, and nothing after them runs twice (one run of `fanout(f, g)`
 * in CPS calls `next` once and its continuation once). Products nested inside each other to
 * any depth (`pipe(fanout(pipe(fanout(…), …), id()), mul)`, a million levels) run in
 * constant native stack. A hand-written CPS lens inside a branch runs as a single-shot step
 * (it must call `next` exactly once there). {@link fst}, {@link snd}, {@link dup},
 * {@link swap}, {@link constant}, {@link withConst} and {@link withConstFirst} are primitive
 * steps.
 *
 * **Type arguments.** The generic combinators (`fst`, `snd`, `swap`, `dup`, `constant`,
 * `prop`) take their types from the context where TypeScript can see one: inside a `pipe`
 * after a lens whose output they take (`pipe(fanout(f, g), snd(), h)`,
 * `pipe(model, prop('W'))`), or where the result is annotated
 * (`const f: Lens<readonly [number, number], number> = pipe(swap(), snd())`). Nothing names
 * the input when a pipe *starts* with them (`pipe(fanout(snd(), fst()), Scalar.mul)`): give
 * one of them its type arguments (`snd<number, number>()`), start with
 * `Lens.id<readonly [number, number]>()`, or annotate the result.
 *
 * Laws (checked by `backprop-lens/laws`, `fwd(L)(a) = evaluate(L, a)`,
 * `bwd(L)(a, db) = backPropagateConst(L, db, a)`):
 * - projections: `bwd(fst())([a, b], dc) = [dc, 0]`, `bwd(snd())([a, b], dc) = [0, dc]`;
 * - fan-out: `bwd(fanout(f, g))(a, [db, dc]) = bwd(f)(a, db) + bwd(g)(a, dc)` and
 *   `fanout(f, g) ≡ pipe(dup(), split(f, g))`;
 * - interchange: `pipe(split(f, g), split(h, k)) ≡ split(pipe(f, h), pipe(g, k))`,
 *   `pipe(swap(), swap()) ≡ id()`;
 * - single shot: one CPS run of `split` or `fanout` calls `next` once and the continuation once.
 *
 * @module Cartesian
 */
// One piece, past 400 lines: the product structure (split, fanout, projections, swaps and their
// reassociations) as one closed set of plans; more than half of it is doc comments.
import { asPair, describe } from './internal/guards.js'
import type { Lens } from './internal/lens.js'
import { fromPlan } from './internal/cps.js'
import * as I from './internal/plan.js'
import { identity, linear, shaped, zeroOf } from './internal/structure.js'
import * as VS from './VectorSpace.js'
import type { VectorSpace } from './VectorSpace.js'

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

type Pair = readonly [unknown, unknown]

const asLens = (op: string, position: string, u: unknown): I.AnyLens => {
  if (typeof u !== 'function') throw new TypeError(`Lens.${op}: the ${position} argument is not a lens (got ${describe(u)})`)
  return u as I.AnyLens
}

const asSpace = (op: string, u: unknown): VectorSpace<unknown> | undefined => {
  if (u === undefined) return undefined
  const v = u as Partial<VectorSpace<unknown>> | null
  if (v === null || typeof v !== 'object' || typeof v.add !== 'function' || typeof v.zero !== 'function') {
    throw new TypeError(`Lens.${op}: the last argument must be a VectorSpace (with zero and add), got ${describe(u)}`)
  }
  return v as VectorSpace<unknown>
}

const inferred = (op: string, role: string, value: unknown): VectorSpace<unknown> => {
  try {
    return VS.infer(value)
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause)
    throw new TypeError(`Lens.${op}: cannot infer the vector space of ${role} (${why}); pass its VectorSpace as the last argument`, {
      cause
    })
  }
}

/** The sum of two cotangents, by the given instance or one inferred from `x`. */
const summer = (op: string, space: VectorSpace<unknown> | undefined): I.Add => {
  const add = (x: unknown, y: unknown): unknown => {
    if (space === undefined && typeof x === 'number') {
      if (typeof y === 'number') return x + y
      throw new RangeError(`Lens.${op}: cannot add the cotangents of the two uses of the input (number and ${describe(y)})`)
    }
    const v = space ?? inferred(op, 'the cotangents to add', x)
    try {
      return v.add(x, y)
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause)
      throw new RangeError(`Lens.${op}: cannot add the cotangents of the two uses of the input (${why})`, { cause })
    }
  }
  return add
}

/** The zero shaped like `like`, by the given instance or one inferred from `like`. */
const zeroer = (op: string, space: VectorSpace<unknown> | undefined): ((like: unknown) => unknown) => {
  if (space !== undefined) return (like) => space.zero(like)
  return (like) => (typeof like === 'number' ? 0 : inferred(op, 'the dropped value', like).zero(like))
}

/** A structural primitive; `rev` is its backward pass as a lens (see `internal/structure.ts`). */
const prim = <A, B>(
  forward: (a: unknown) => unknown,
  backward: (a: unknown, db: unknown, b: unknown) => unknown,
  name: string,
  rev: () => Lens<readonly [A, B], A>
): Lens<A, B> => fromPlan(I.primPlan(forward, backward, name, null, rev as () => I.AnyLens))

// -------------------------------------------------------------------------------------
// parallel and shared inputs
// -------------------------------------------------------------------------------------

/**
 * `f *** g`: runs `f` on the first half of a pair and `g` on the second. The backward
 * pass sends each half of the output cotangent back through its own lens.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const both = Lens.split(Scalar.square, Scalar.sin)
 * console.log(Lens.evaluate(both, [3, 0])) // [ 9, 0 ]
 * console.log(Lens.backPropagateConst(both, [1, 1], [3, 0])) // [ 6, 1 ]
 *
 * @category parallel
 */
export const split = <A, B, C, D>(f: Lens<A, B>, g: Lens<C, D>): Lens<readonly [A, C], readonly [B, D]> => {
  const left = asLens('split', 'first', f)
  const right = asLens('split', 'second', g)
  return fromPlan(I.pairPlan('split', I.planOf(left), I.planOf(right), null))
}

/**
 * `split(f, id())`: runs `f` on the first half of a pair and passes the second through.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Lens.first<number, number, string>(Scalar.square), [3, 'label'], [1, 'label'])) // [ [ 9, 'label' ], [ 6, 'label' ] ]
 *
 * @category parallel
 */
export const first = <A, B, C>(f: Lens<A, B>): Lens<readonly [A, C], readonly [B, C]> =>
  split(asLens('first', 'first', f), identity) as unknown as Lens<readonly [A, C], readonly [B, C]>

/**
 * `split(id(), f)`: passes the first half of a pair through and runs `f` on the second.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.second<number, number, number>(Scalar.exp), [5, 0])) // [ 5, 1 ]
 *
 * @category parallel
 */
export const second = <A, B, C>(f: Lens<B, C>): Lens<readonly [A, B], readonly [A, C]> =>
  split(identity, asLens('second', 'first', f)) as unknown as Lens<readonly [A, B], readonly [A, C]>

/**
 * `f &&& g`: runs `f` and `g` on the same input and pairs their outputs. The input is used
 * twice, so its cotangent is the *sum* of the two branches' cotangents, computed with
 * `space` (default: inferred from the first cotangent; see the module's notes). Each branch
 * runs forward once; the rest of the program runs once.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // x² · sin x, and its derivative 2x·sin x + x²·cos x
 * const f = Lens.pipe(Lens.fanout(Scalar.square, Scalar.sin), Scalar.mul)
 * console.log(Lens.valueAndGrad(f, 0.5)) // [ 0.11985638465105075, 0.6988211790767962 ]
 *
 * @category shared input
 */
export const fanout = <A, B, C>(f: Lens<A, B>, g: Lens<A, C>, space?: VectorSpace<A>): Lens<A, readonly [B, C]> => {
  const left = asLens('fanout', 'first', f)
  const right = asLens('fanout', 'second', g)
  return fromPlan(I.pairPlan('fanout', I.planOf(left), I.planOf(right), summer('fanout', asSpace('fanout', space))))
}

/**
 * The copy `a ↦ [a, a]`; the backward pass adds the two cotangents with `space` (default:
 * inferred). `pipe(dup(), split(f, g))` is `fanout(f, g)`.
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.dup<number>(), 2), Lens.backPropagateConst(Lens.dup<number>(), [3, 4], 2)) // [ 2, 2 ] 7
 *
 * @category shared input
 */
export const dup = <A>(space?: VectorSpace<A>): Lens<A, readonly [A, A]> => {
  const add = summer('dup', asSpace('dup', space))
  return prim(
    (a) => [a, a],
    (_a, d) => {
      const pair = asPair('dup', 'the output cotangent', d)
      return add(pair[0], pair[1])
    },
    'dup',
    () => shaped<A, readonly [A, A], A>('dupᵀ', (_a, [p, q]) => add(p, q) as A, (_a, _w, v) => [v, v])
  )
}

// -------------------------------------------------------------------------------------
// structure
// -------------------------------------------------------------------------------------

const fstDefault = (op: string, zero: (like: unknown) => unknown): I.AnyLens =>
  I.erase(
    prim(
      (ab) => asPair(op, 'the input', ab)[0],
      (ab, dc) => [dc, zero(asPair(op, 'the input', ab)[1])],
      op,
      () => shaped<Pair, unknown, Pair>(`${op}ᵀ`, ([, b], dc) => [dc, zero(b)], (_ab, _dc, [va]) => va)
    )
  )
const sndDefault = (op: string, zero: (like: unknown) => unknown): I.AnyLens =>
  I.erase(
    prim(
      (ab) => asPair(op, 'the input', ab)[1],
      (ab, dc) => [zero(asPair(op, 'the input', ab)[0]), dc],
      op,
      () => shaped<Pair, unknown, Pair>(`${op}ᵀ`, ([a], dc) => [zero(a), dc], (_ab, _dc, [, vb]) => vb)
    )
  )
const fstInferred = fstDefault('fst', zeroer('fst', undefined))
const sndInferred = sndDefault('snd', zeroer('snd', undefined))

/**
 * The first projection `[a, b] ↦ a`. The backward pass gives `b` a zero cotangent, built
 * with `space` (the vector space of `B`; default: inferred from `b`). Throws a
 * `TypeError` naming `Lens.fst` on an input that is not a pair.
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * const f = Lens.fst<number, readonly [number, number]>()
 * console.log(Lens.evaluate(f, [1, [2, 3]]), Lens.backPropagateConst(f, 5, [1, [2, 3]])) // 1 [ 5, [ 0, 0 ] ]
 *
 * @category structure
 */
export const fst = <A, B>(space?: VectorSpace<B>): Lens<readonly [A, B], A> => {
  const v = asSpace('fst', space)
  return (v === undefined ? fstInferred : fstDefault('fst', zeroer('fst', v))) as unknown as Lens<readonly [A, B], A>
}

/**
 * The second projection `[a, b] ↦ b`. The backward pass gives `a` a zero cotangent, built
 * with `space` (the vector space of `A`; default: inferred from `a`). Throws a
 * `TypeError` naming `Lens.snd` on an input that is not a pair.
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * const f = Lens.snd<number, number>()
 * console.log(Lens.evaluate(f, [1, 2]), Lens.backPropagateConst(f, 5, [1, 2])) // 2 [ 0, 5 ]
 *
 * @category structure
 */
export const snd = <A, B>(space?: VectorSpace<A>): Lens<readonly [A, B], B> => {
  const v = asSpace('snd', space)
  return (v === undefined ? sndInferred : sndDefault('snd', zeroer('snd', v))) as unknown as Lens<readonly [A, B], B>
}

const swapLens: I.AnyLens = I.erase(
  prim(
    (ab) => {
      const pair = asPair('swap', 'the input', ab)
      return [pair[1], pair[0]]
    },
    (_ab, d) => {
      const pair = asPair('swap', 'the output cotangent', d)
      return [pair[1], pair[0]]
    },
    'swap',
    () => shaped<Pair, Pair, Pair>('swapᵀ', (_ab, [p, q]) => [q, p], (_ab, _w, [p, q]) => [q, p])
  )
)

/**
 * Exchanges the halves of a pair, `[a, b] ↦ [b, a]` (and the cotangent's back).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // b − a
 * const flipSub = Lens.pipe(Lens.swap<number, number>(), Scalar.sub)
 * console.log(Lens.valueAndGrad(flipSub, [1, 5])) // [ 4, [ -1, 1 ] ]
 *
 * @category structure
 */
export const swap = <A, B>(): Lens<readonly [A, B], readonly [B, A]> =>
  swapLens as unknown as Lens<readonly [A, B], readonly [B, A]>

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * Pairs the input with a constant, `a ↦ [a, c]`: feeds a fixed target into a loss, or a
 * fixed second operand into a binary primitive. The constant's cotangent is dropped (it
 * has nowhere to go), so no vector space is needed.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // squared error against the target 3: (x − 3)²
 * const loss = Lens.pipe(Lens.withConst(3), Scalar.sub, Scalar.square)
 * console.log(Lens.valueAndGrad(loss, 5)) // [ 4, 4 ]
 *
 * @category constants
 */
export const withConst = <A, C>(c: C): Lens<A, readonly [A, C]> =>
  prim(
    (a) => [a, c],
    (_a, d) => asPair('withConst', 'the output cotangent', d)[0],
    'withConst',
    () => shaped<A, readonly [A, C], A>('withConstᵀ', (_a, [da]) => da, (_a, [, dc], w) => [w, zeroOf(dc) as C])
  )

/**
 * Pairs a constant with the input, `a ↦ [c, a]`: a fixed first operand for a binary
 * primitive. The constant's cotangent is dropped, so no vector space is needed.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // 1 − x
 * const oneMinus = Lens.pipe(Lens.withConstFirst(1), Scalar.sub)
 * console.log(Lens.valueAndGrad(oneMinus, 0.25)) // [ 0.75, -1 ]
 *
 * @category constants
 */
export const withConstFirst = <A, C>(c: C): Lens<A, readonly [C, A]> =>
  prim(
    (a) => [c, a],
    (_a, d) => asPair('withConstFirst', 'the output cotangent', d)[1],
    'withConstFirst',
    () => shaped<A, readonly [C, A], A>('withConstFirstᵀ', (_a, [, da]) => da, (_a, [dc], w) => [zeroOf(dc) as C, w])
  )

/**
 * The constant lens `a ↦ c`: its output does not depend on its input, whose cotangent is
 * a zero built with `space` (the vector space of `A`; default: inferred from `a`). To feed
 * a constant *beside* the input, {@link withConst} is cheaper than
 * `fanout(id(), constant(c))`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // x · 10, with 10 from a constant branch
 * const times10 = Lens.pipe(Lens.fanout(Lens.id<number>(), Lens.constant<number, number>(10)), Scalar.mul)
 * console.log(Lens.valueAndGrad(times10, 2)) // [ 20, 10 ]
 *
 * @category constants
 */
export const constant = <A, C>(c: C, space?: VectorSpace<A>): Lens<A, C> => {
  const zero = zeroer('constant', asSpace('constant', space))
  return prim(
    () => c,
    (a) => zero(a),
    'constant',
    () => shaped<A, C, A>('constantᵀ', (a) => zero(a) as A, (_a, dc) => zeroOf(dc) as C)
  )
}

// -------------------------------------------------------------------------------------
// records
// -------------------------------------------------------------------------------------

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u)

/**
 * The input type of a lens type.
 *
 * @category records
 */
export type InputOf<L> = L extends Lens<infer A, infer _B> ? A : never

/**
 * The output type of a lens type.
 *
 * @category records
 */
export type OutputOf<L> = L extends Lens<infer _A, infer B> ? B : never

/**
 * The field lens `s ↦ s[key]` of a record: the backward pass puts the cotangent at `key`
 * and zeros (inferred from the other fields' values) everywhere else. The record type `S`
 * is taken from the context inside a `pipe` (`pipe(model, Lens.prop('W'))`); on its own, give
 * it: `Lens.prop<Params, 'W'>('W')`. A value without the field is a `TypeError` naming it.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * type P = { readonly w: number; readonly b: number }
 * const w = Lens.prop<P, 'w'>('w')
 * console.log(Lens.valueAndGrad(Lens.pipe(w, Scalar.square), { w: 3, b: 1 })) // [ 9, { w: 6, b: 0 } ]
 *
 * @category records
 */
export const prop = <S, K extends keyof S & string>(key: K): Lens<S, S[K]> => {
  if (typeof key !== 'string') throw new TypeError(`Lens.prop: expected a field name, got ${describe(key)}`)
  const op = `prop('${key}')`
  const field = (s: unknown): Readonly<Record<string, unknown>> => {
    if (!isRecord(s) || !Object.prototype.hasOwnProperty.call(s, key)) {
      throw new TypeError(`Lens.${op}: expected a record with the field '${key}', got ${describe(s)}`)
    }
    return s
  }
  const embed = (s: unknown, dv: unknown): unknown => {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(field(s))) out[k] = k === key ? dv : zeroOf((s as Record<string, unknown>)[k])
    return out
  }
  return prim(
    (s) => field(s)[key],
    embed,
    `prop('${key}')`,
    () => shaped<S, S[K], S>(`${op}ᵀ`, (s, dv) => embed(s, dv) as S, (_s, _dv, w) => (w as Record<string, unknown>)[key] as S[K])
  )
}

/**
 * The record form of {@link fanout}: `a ↦ { k: f_k(a) }` for a record of lenses on the same
 * input. The input is used once per field, so its cotangent is the sum of the fields'
 * (inferred, as {@link fanout} does). Built from `fanout` and a re-pairing step, so it is a
 * product like any other (one forward pass per field; laws as `fanout`'s).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const f = Lens.fanoutRecord({ s: Scalar.sin, q: Scalar.square })
 * console.log(Lens.valueAndGrad(f, 0, { s: 1, q: 1 })) // [ { s: 0, q: 0 }, 1 ]
 *
 * @typeParam Ls - the record of lenses (inferred); they must share their input type
 * @category records
 */
export const fanoutRecord = <Ls extends Readonly<Record<string, (next: never) => unknown>>>(
  lenses: Ls & { readonly [K in keyof Ls]: Lens<InputOf<Ls[keyof Ls]>, OutputOf<Ls[K]>> }
): Lens<InputOf<Ls[keyof Ls]>, { readonly [K in keyof Ls]: OutputOf<Ls[K]> }> => {
  type A = InputOf<Ls[keyof Ls]>
  type Out = { readonly [K in keyof Ls]: OutputOf<Ls[K]> }
  if (!isRecord(lenses)) throw new TypeError(`Lens.fanoutRecord: expected a record of lenses, got ${describe(lenses)}`)
  const keys = Object.keys(lenses)
  const branches = keys.map((k) => asLens('fanoutRecord', `'${k}'`, (lenses as Record<string, unknown>)[k]))
  const n = keys.length
  if (n === 0) return constant<A, Out>({} as Out)
  // f_1 &&& (f_2 &&& (… &&& f_n)) gives [y_1, [y_2, … y_n]]; then that nest as a record
  let nest = branches[n - 1] as I.AnyLens
  for (let i = n - 2; i >= 0; i--) nest = I.erase(fanout(branches[i] as I.AnyLens, nest))
  const toRecord = (v: unknown): unknown => {
    const out: Record<string, unknown> = {}
    let rest = v
    for (let i = 0; i < n - 1; i++) {
      const [y, more] = rest as Pair
      out[keys[i] as string] = y
      rest = more
    }
    out[keys[n - 1] as string] = rest
    return out
  }
  const fromRecord = (r: unknown): unknown => {
    const get = (k: string): unknown => {
      if (!isRecord(r) || !Object.prototype.hasOwnProperty.call(r, k)) throw new TypeError(`Lens.fanoutRecord: expected the output cotangent to be a record with the field '${k}', got ${describe(r)}`)
      return r[k]
    }
    let v = get(keys[n - 1] as string)
    for (let i = n - 2; i >= 0; i--) v = [get(keys[i] as string), v]
    return v
  }
  const gather = linear<unknown, unknown>('fanoutRecord', toRecord, (_v, w) => fromRecord(w))
  return fromPlan(I.seqPlan([I.planOf(nest), I.planOf(I.erase(gather))]))
}
