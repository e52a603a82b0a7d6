/**
 * The laws of direct-style programs (`Direct`, LAWS.md 19–21), as predicates, arbitraries of
 * random programs, and fast-check runners shaped `checkX(eq, arbitraries, options)`:
 *
 * - **point-free twin** (19): a random straight-line program (applications of primitives to
 *   earlier variables, with reuse) equals, on values and gradients, the same program built
 *   with `pipe`/`fanout`/`fst`/`snd`. The twin passes the environment of all variables along
 *   and orders its fan-outs so that it sums each variable's cotangents in the order the
 *   program does (last use first), so the law is exact;
 * - **identity** (20): `lens(function* (x) { return yield* apply(f, x) }) ≡ f`, exact;
 * - **pipe** (20): two applies in sequence ≡ `pipe(f, g)`, exact;
 * - **gradient** (21): random programs with data-dependent `if`, `while`, trip counts and
 *   `Direct.fn` calls pass the finite-difference gradient check, at inputs whose every decision
 *   is at least `margin` away from its boundary (the program measures it as it runs);
 * - **sum of uses** (21): a variable used k times receives the sum of its k contributions,
 *   summed last use first, exact;
 * - **linearity** in the cotangent (LAWS 14), on both kinds of random programs, reassoc.
 *
 * Programs here are on numbers; the arbitraries take your own primitives.
 *
 * One file for the module's laws, as for every module of the kit; the program generators are
 * what makes it long.
 *
 * @module DirectLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Direct from '../src/Direct.js'
import * as Lens from '../src/Lens.js'
import * as Scalar from '../src/Scalar.js'
import { doubleIn, lattice, scalarLens } from './arbitraries.js'
import { exact } from './eq.js'
import { cotangentLinearity, gradientLaw } from './gradient.js'

type V = Direct.Var<number>

const fwd = <A, B>(lens: Lens.Lens<A, B>, a: A): B => Lens.evaluate(lens, a)
const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A primitive for random programs, with the name failure reports print.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import type { DirectLaws } from 'backprop-lens/laws'
 *
 * const sin: DirectLaws.Primitive<number, number> = { name: 'sin', lens: Scalar.sin }
 * console.log(sin.name) // sin
 *
 * @category model
 */
export interface Primitive<A, B> {
  readonly name: string
  readonly lens: Lens.Lens<A, B>
}

/**
 * A straight-line program: `inputs` numbers are variables `0 … inputs − 1`; step `i` applies
 * a unary or binary primitive to earlier variables and makes variable `inputs + i`; the
 * program returns the variables `outputs` (one or two, possibly the same).
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import type { DirectLaws } from 'backprop-lens/laws'
 *
 * // x0 · sin(x0), returned with x0
 * const p: DirectLaws.StraightLine = {
 *   inputs: 1,
 *   steps: [
 *     { kind: 'unary', op: { name: 'sin', lens: Scalar.sin }, args: [0] },
 *     { kind: 'binary', op: { name: 'mul', lens: Scalar.mul }, args: [0, 1] }
 *   ],
 *   outputs: [2, 0]
 * }
 * console.log(p.steps.length) // 2
 *
 * @category model
 */
export interface StraightLine {
  readonly inputs: number
  readonly steps: ReadonlyArray<LineStep>
  readonly outputs: readonly [number] | readonly [number, number]
}

/**
 * One step of a {@link StraightLine}.
 *
 * @category model
 */
export type LineStep =
  | { readonly kind: 'unary'; readonly op: Primitive<number, number>; readonly args: readonly [number] }
  | { readonly kind: 'binary'; readonly op: Primitive<readonly [number, number], number>; readonly args: readonly [number, number] }

/**
 * A program with control flow on one number: statements transform the current variable `v`
 * (starting at the input `x`): `op` applies a unary primitive; `with` applies a binary one to
 * `[v, x]` (reusing the input); `if` branches on `value(v) > threshold`; `while` repeats its
 * body while `value(v) > threshold`, at most `max` times; `repeat` runs its body
 * `⌊|value(v)|·scale⌋` times (at most 4), a trip count that depends on `x`; `call` runs its
 * body as a `Direct.fn`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import type { DirectLaws } from 'backprop-lens/laws'
 *
 * const p: DirectLaws.ControlFlow = [{ tag: 'while', threshold: 0.5, max: 3, body: [{ tag: 'op', op: { name: 'sin', lens: Scalar.sin } }] }]
 * console.log(p[0]?.tag) // while
 *
 * @category model
 */
export type ControlFlow = ReadonlyArray<Statement>

/**
 * A statement of a {@link ControlFlow} program.
 *
 * @category model
 */
export type Statement =
  | { readonly tag: 'op'; readonly op: Primitive<number, number> }
  | { readonly tag: 'with'; readonly op: Primitive<readonly [number, number], number> }
  | { readonly tag: 'if'; readonly threshold: number; readonly then: ControlFlow; readonly else: ControlFlow }
  | { readonly tag: 'while'; readonly threshold: number; readonly max: number; readonly body: ControlFlow }
  | { readonly tag: 'repeat'; readonly scale: number; readonly body: ControlFlow }
  | { readonly tag: 'call'; readonly body: ControlFlow }

/**
 * A control-flow program as a lens, with the margin of its last run: the smallest distance
 * of a decided value to its boundary (`Infinity` when it decided nothing).
 *
 * @category model
 */
export interface Measured {
  /** The program. */
  readonly lens: Lens.Lens<number, number>
  /** The margin of the last run: how far its closest decision was from the boundary. */
  readonly margin: () => number
}

// -------------------------------------------------------------------------------------
// building programs
// -------------------------------------------------------------------------------------

/**
 * A straight-line program as a `Direct.lens`: from the input numbers to the output numbers.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * const p: DirectLaws.StraightLine = { inputs: 1, steps: [{ kind: 'unary', op: { name: 'sin', lens: Scalar.sin }, args: [0] }], outputs: [1] }
 * console.log(Lens.evaluate(DirectLaws.directProgram(p), [0])) // [ 0 ]
 *
 * @category building
 */
export const directProgram = (p: StraightLine): Lens.Lens<ReadonlyArray<number>, ReadonlyArray<number>> =>
  Direct.lens<ReadonlyArray<number>, ReadonlyArray<number>>(function* straightLine(xs) {
    const vars: Array<V> = [...xs]
    const at = (i: number): V => vars[i] as V
    for (const s of p.steps) {
      vars.push(s.kind === 'unary' ? yield* Direct.apply(s.op.lens, at(s.args[0])) : yield* Direct.apply(s.op.lens, [at(s.args[0]), at(s.args[1])]))
    }
    return p.outputs.map(at)
  })

type AnyLens = Lens.Lens<unknown, unknown>
const erase = <A, B>(l: Lens.Lens<A, B>): AnyLens => l as unknown as AnyLens
const chain = (lenses: ReadonlyArray<AnyLens>): AnyLens => Lens.pipeAll(lenses)
const fst: AnyLens = erase(Lens.fst<unknown, unknown>())
const snd: AnyLens = erase(Lens.snd<unknown, unknown>())
const id: AnyLens = Lens.id<unknown>()

/** Variable `i` of an environment of `size` variables (the newest first: `[v_{size−1}, [… [v_0, []]]]`). */
const select = (i: number, size: number): AnyLens => chain([...Array.from({ length: size - 1 - i }, () => snd), fst])

/** `[[env, xj], xi] ↦ [[xi, xj], env]`, and back. */
const regroup: AnyLens = erase(
  Lens.make<readonly [readonly [unknown, unknown], unknown], readonly [readonly [unknown, unknown], unknown]>({
    forward: ([[env, xj], xi]) => [[xi, xj], env],
    backward: (_x, [[dxi, dxj], denv]) => [[denv, dxj], dxi]
  })
)

/**
 * The same program point-free, with `pipe`, `fanout`, `fst` and `snd`: the environment of
 * all variables is passed along as a nested list, each step adds its output at the head,
 * and the outputs are projected out at the end. A binary step selects its second argument
 * first and its first argument second, so that each variable's cotangents are summed in the
 * order the direct program sums them (its last use first): the two agree exactly.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * const p: DirectLaws.StraightLine = { inputs: 1, steps: [{ kind: 'binary', op: { name: 'mul', lens: Scalar.mul }, args: [0, 0] }], outputs: [1] }
 * console.log(Lens.valueAndGrad(DirectLaws.pointFreeProgram(p), [3], [1])) // [ [ 9 ], [ 6 ] ]
 *
 * @category building
 */
export const pointFreeProgram = (p: StraightLine): Lens.Lens<ReadonlyArray<number>, ReadonlyArray<number>> => {
  const toEnv = erase(
    Lens.make<ReadonlyArray<number>, unknown>({
      forward: (xs) => xs.reduce<unknown>((env, x) => [x, env], []),
      backward: (xs, denv) => {
        const out = new Array<number>(xs.length)
        let node = denv as readonly [number, unknown]
        for (let i = xs.length - 1; i >= 0; i--) {
          out[i] = node[0]
          node = node[1] as readonly [number, unknown]
        }
        return out
      }
    })
  )
  const parts: Array<AnyLens> = [toEnv]
  let size = p.inputs
  for (const s of p.steps) {
    if (s.kind === 'unary') {
      parts.push(erase(Lens.fanout(chain([select(s.args[0], size), erase(s.op.lens)]), id)))
    } else {
      const [i, j] = s.args
      parts.push(erase(Lens.fanout(id, select(j, size))), erase(Lens.fanout(id, chain([fst, select(i, size)]))), regroup, erase(Lens.first(erase(s.op.lens))))
    }
    size += 1
  }
  const [o1, o2] = p.outputs
  const outputs =
    o2 === undefined
      ? chain([select(o1, size), erase(Lens.make<unknown, ReadonlyArray<number>>({ forward: (y) => [y as number], backward: (_y, [d]) => d }))])
      : chain([erase(Lens.fanout(select(o1, size), select(o2, size))), erase(Lens.make<readonly [number, number], ReadonlyArray<number>>({ forward: ([a, b]) => [a, b], backward: (_y, [da, db]) => [da as number, db as number] }))])
  parts.push(outputs)
  return chain(parts) as unknown as Lens.Lens<ReadonlyArray<number>, ReadonlyArray<number>>
}

const distance = (value: number, boundary: number): number => Math.abs(value - boundary)

/**
 * A control-flow program as a `Direct.lens` that measures, as it runs, how far each decision
 * was from its boundary.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * const sin = { name: 'sin', lens: Scalar.sin }
 * const p = DirectLaws.controlFlowProgram([{ tag: 'if', threshold: 0, then: [{ tag: 'op', op: sin }], else: [] }])
 * console.log(Lens.evaluate(p.lens, 0.25) === Math.sin(0.25), p.margin()) // true 0.25
 *
 * @category building
 */
export const controlFlowProgram = (program: ControlFlow): Measured => {
  let margin = Infinity
  const decide = (value: number, boundary: number): void => {
    margin = Math.min(margin, distance(value, boundary))
  }
  const block = Direct.fn(function* block(statements: ControlFlow, v: V, x: V): Generator<Direct.Request, V, unknown> {
    for (const s of statements) v = yield* statement(s, v, x)
    return v
  })
  const statement = function* (s: Statement, v: V, x: V): Generator<Direct.Request, V, unknown> {
    switch (s.tag) {
      case 'op':
        return yield* Direct.apply(s.op.lens, v)
      case 'with':
        return yield* Direct.apply(s.op.lens, [v, x])
      case 'if': {
        const value = Direct.value(v)
        decide(value, s.threshold)
        return yield* block(value > s.threshold ? s.then : s.else, v, x)
      }
      case 'while': {
        for (let trips = 0; trips < s.max; trips++) {
          const value = Direct.value(v)
          decide(value, s.threshold)
          if (!(value > s.threshold)) break
          v = yield* block(s.body, v, x)
        }
        return v
      }
      case 'repeat': {
        const scaled = Math.abs(Direct.value(v)) * s.scale
        // The trip count changes where |v|·scale crosses an integer (measured in units of v).
        decide(scaled / s.scale, Math.round(scaled) / s.scale)
        const trips = Math.min(4, Math.floor(scaled))
        for (let i = 0; i < trips; i++) v = yield* block(s.body, v, x)
        return v
      }
      case 'call':
        return yield* block(s.body, v, x)
    }
  }
  const lens = Direct.lens<number, number>(function* controlFlow(x) {
    margin = Infinity
    return yield* block(program, x, x)
  })
  return { lens, margin: () => margin }
}

/**
 * The program `x ↦ [f_1(x), …, f_k(x)]`: one variable used k times.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * console.log(Lens.backPropagateConst(DirectLaws.usedTimes([Scalar.sin, Scalar.square]), [1, 1], 0)) // 1
 *
 * @category building
 */
export const usedTimes = (lenses: ReadonlyArray<Lens.Lens<number, number>>): Lens.Lens<number, ReadonlyArray<number>> =>
  Direct.lens<number, ReadonlyArray<number>>(function* usedTimes(x) {
    const ys: Array<V> = []
    for (const f of lenses) ys.push(yield* Direct.apply(f, x))
    return ys
  })

// -------------------------------------------------------------------------------------
// arbitraries
// -------------------------------------------------------------------------------------

const named = <A, B>(name: string, lens: Lens.Lens<A, B>): Primitive<A, B> => {
  const p = { name, lens }
  Object.defineProperty(p, fc.toStringMethod, { value: () => name })
  return p
}

/**
 * The default unary primitives of random programs: `sin`, `cos`, `tanh`, `sigmoid`,
 * `square`, `neg` (smooth, finite on every input a program of a few steps reaches).
 *
 * @example
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.unaryPrimitives.map((p) => p.name)) // [ 'sin', 'cos', 'tanh', 'sigmoid', 'square', 'neg' ]
 *
 * @category arbitraries
 */
export const unaryPrimitives: ReadonlyArray<Primitive<number, number>> = [
  named('sin', Scalar.sin),
  named('cos', Scalar.cos),
  named('tanh', Scalar.tanh),
  named('sigmoid', Scalar.sigmoid),
  named('square', Scalar.square),
  named('neg', Scalar.neg)
]

/**
 * The default binary primitives of random programs: `add`, `sub`, `mul`, and `a·sin(b)`
 * (a composite whose two partial derivatives differ even when `a = b`, so that the order in
 * which a variable's cotangents are summed shows in the last bits).
 *
 * @example
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.binaryPrimitives.map((p) => p.name)) // [ 'add', 'sub', 'mul', 'a·sin(b)' ]
 *
 * @category arbitraries
 */
export const binaryPrimitives: ReadonlyArray<Primitive<readonly [number, number], number>> = [
  named('add', Scalar.add),
  named('sub', Scalar.sub),
  named('mul', Scalar.mul),
  named('a·sin(b)', Lens.pipe(Lens.second<number, number, number>(Scalar.sin), Scalar.mul))
]

/**
 * The default primitives of random control-flow programs: the bounded ones (`sin`, `cos`,
 * `tanh`, `sigmoid`, `neg`; `add`, `sub`, `a·sin(b)` with the input), so that loops of loops
 * keep values moderate (squares of squares overflow, or make the gradient too steep for finite
 * differences).
 *
 * @example
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.boundedPrimitives.unary.map((p) => p.name), DirectLaws.boundedPrimitives.binary.map((p) => p.name)) // [ 'sin', 'cos', 'tanh', 'sigmoid', 'neg' ] [ 'add', 'sub', 'a·sin(b)' ]
 *
 * @category arbitraries
 */
export const boundedPrimitives: {
  readonly unary: ReadonlyArray<Primitive<number, number>>
  readonly binary: ReadonlyArray<Primitive<readonly [number, number], number>>
} = {
  unary: unaryPrimitives.filter((p) => p.name !== 'square'),
  binary: binaryPrimitives.filter((p) => p.name !== 'mul')
}

const describeLine = (p: StraightLine): string => {
  const names = (i: number): string => (i < p.inputs ? `x${i}` : `v${i}`)
  const steps = p.steps.map((s, k) => `v${p.inputs + k} = ${s.op.name}(${s.args.map(names).join(', ')})`)
  return `{ inputs: ${p.inputs}; ${steps.join('; ')}; return [${p.outputs.map(names).join(', ')}] }`
}

/**
 * Random straight-line programs of 1–3 inputs and up to `maxSteps` steps (default 8) over
 * the given primitives, with reuse of variables (also twice in one step). Each prints as its
 * listing.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * const [p] = fc.sample(DirectLaws.straightLine(), { numRuns: 1, seed: 5 })
 * const xs = Array.from({ length: p!.inputs }, () => 0.5)
 * console.log(Lens.evaluate(DirectLaws.directProgram(p!), xs).length > 0) // true
 *
 * @category arbitraries
 */
export const straightLine = (
  unary: ReadonlyArray<Primitive<number, number>> = unaryPrimitives,
  binary: ReadonlyArray<Primitive<readonly [number, number], number>> = binaryPrimitives,
  maxSteps = 8
): fc.Arbitrary<StraightLine> =>
  fc
    .record({
      inputs: fc.integer({ min: 1, max: 3 }),
      raw: fc.array(fc.record({ binary: fc.boolean(), op: fc.nat(), a: fc.nat(), b: fc.nat(), recent: fc.boolean(), same: fc.nat({ max: 3 }) }), { maxLength: maxSteps }),
      outputs: fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined }))
    })
    .map(({ inputs, raw, outputs }) => {
      const steps = raw.map((r, i): LineStep => {
        const size = inputs + i
        // Half the arguments are among the three newest variables, so most steps feed the
        // output; some binary steps use one variable twice.
        const a = r.recent ? size - 1 - (r.a % Math.min(size, 3)) : r.a % size
        const b = r.same === 0 ? a : r.b % size
        return r.binary && binary.length > 0
          ? { kind: 'binary', op: binary[r.op % binary.length] as Primitive<readonly [number, number], number>, args: [a, b] }
          : { kind: 'unary', op: unary[r.op % unary.length] as Primitive<number, number>, args: [a] }
      })
      const size = inputs + steps.length
      // The last variable is always an output, so most steps matter.
      const out: StraightLine['outputs'] = outputs[1] === undefined ? [size - 1] : [size - 1, outputs[1] % size]
      const p: StraightLine = { inputs, steps, outputs: out }
      Object.defineProperty(p, fc.toStringMethod, { value: () => describeLine(p) })
      return p
    })

const describeFlow = (p: ControlFlow): string =>
  `[${p
    .map((s) => {
      switch (s.tag) {
        case 'op':
        case 'with':
          return `${s.tag} ${s.op.name}`
        case 'if':
          return `if > ${s.threshold} ${describeFlow(s.then)} else ${describeFlow(s.else)}`
        case 'while':
          return `while > ${s.threshold} (≤ ${s.max}) ${describeFlow(s.body)}`
        case 'repeat':
          return `repeat |v|·${s.scale} ${describeFlow(s.body)}`
        case 'call':
          return `call ${describeFlow(s.body)}`
      }
    })
    .join('; ')}]`

/**
 * Random control-flow programs (see {@link ControlFlow}) of nested `if`, `while`, `repeat` and
 * `call` over the given primitives (default {@link boundedPrimitives}), up to `maxDepth`
 * levels deep (default 3). Each prints as its listing.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * const [p] = fc.sample(DirectLaws.controlFlow(), { numRuns: 1, seed: 3 })
 * console.log(Number.isFinite(Lens.evaluate(DirectLaws.controlFlowProgram(p!).lens, 0.5))) // true
 *
 * @category arbitraries
 */
export const controlFlow = (
  unary: ReadonlyArray<Primitive<number, number>> = boundedPrimitives.unary,
  binary: ReadonlyArray<Primitive<readonly [number, number], number>> = boundedPrimitives.binary,
  maxDepth = 3
): fc.Arbitrary<ControlFlow> => {
  const threshold = fc.integer({ min: -8, max: 8 }).map((k) => k / 8)
  const op = fc.constantFrom(...unary).map((o): Statement => ({ tag: 'op', op: o }))
  const leaves = binary.length > 0 ? fc.oneof(op, fc.constantFrom(...binary).map((o): Statement => ({ tag: 'with', op: o }))) : op
  const { program } = fc.letrec<{ program: ControlFlow; statement: Statement }>((tie) => ({
    program: fc.array(tie('statement'), { minLength: 1, maxLength: 3 }),
    statement: fc.oneof(
      { maxDepth, depthIdentifier: 'controlFlow' },
      leaves,
      fc.record({ tag: fc.constant('if' as const), threshold, then: tie('program'), else: tie('program') }),
      fc.record({ tag: fc.constant('while' as const), threshold, max: fc.integer({ min: 1, max: 4 }), body: tie('program') }),
      fc.record({ tag: fc.constant('repeat' as const), scale: fc.integer({ min: 1, max: 4 }), body: tie('program') }),
      fc.record({ tag: fc.constant('call' as const), body: tie('program') })
    )
  }))
  return program.map((p) => {
    Object.defineProperty(p, fc.toStringMethod, { value: () => describeFlow(p) })
    return p
  })
}

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law 19: the straight-line program and its point-free twin agree at `(xs, dys)` on values
 * and input cotangents, by `eq` (exact: the twin sums in the program's order).
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * const mul = { name: 'mul', lens: Scalar.mul }
 * const p: DirectLaws.StraightLine = { inputs: 2, steps: [{ kind: 'binary', op: mul, args: [0, 1] }, { kind: 'binary', op: mul, args: [2, 0] }], outputs: [3, 2] }
 * console.log(DirectLaws.pointFree(exact)(p, [1.5, -2], [1, 0.25])) // true
 *
 * @category predicates
 */
export const pointFree =
  (eq: Eq<unknown>) =>
  (p: StraightLine, xs: ReadonlyArray<number>, dys: ReadonlyArray<number>): boolean => {
    const direct = directProgram(p)
    const twin = pointFreeProgram(p)
    return eq.equals(fwd(direct, xs), fwd(twin, xs)) && eq.equals(bwd(direct, xs, dys), bwd(twin, xs, dys))
  }

/**
 * Law 20: the program that applies `f` once is `f`, on values and cotangents, by `eq`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.identity(exact)(Scalar.tanh, 0.5, 2)) // true
 *
 * @category predicates
 */
export const identity =
  (eq: Eq<unknown>) =>
  <A, B>(f: Lens.Lens<A, B>, a: A, db: B): boolean => {
    const once = Direct.lens<A, B>(function* once(x) {
      return yield* Direct.apply(f, x)
    })
    return eq.equals(fwd(once, a), fwd(f, a)) && eq.equals(bwd(once, a, db), bwd(f, a, db))
  }

/**
 * Law 20: applying `f` then `g` in a program is `pipe(f, g)`, on values and cotangents, by `eq`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.sequence(exact)(Scalar.square, Scalar.sin, 1, 1)) // true
 *
 * @category predicates
 */
export const sequence =
  (eq: Eq<unknown>) =>
  <A, B, C>(f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, a: A, dc: C): boolean => {
    const twice = Direct.lens<A, C>(function* twice(x) {
      const y = yield* Direct.apply(f, x)
      return yield* Direct.apply(g, y)
    })
    const piped = Lens.pipe(f, g)
    return eq.equals(fwd(twice, a), fwd(piped, a)) && eq.equals(bwd(twice, a, dc), bwd(piped, a, dc))
  }

/**
 * Law 21: `x` used by `f_1 … f_k` receives `Σ bwd(f_i)(x, dy_i)`, summed last use first, by
 * `eq` (exact).
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.sumOfUses(exact)([Scalar.sin, Scalar.exp, Scalar.square], 0.5, [1, 2, 3])) // true
 *
 * @category predicates
 */
export const sumOfUses =
  (eq: Eq<unknown>) =>
  (lenses: ReadonlyArray<Lens.Lens<number, number>>, x: number, dys: ReadonlyArray<number>): boolean => {
    let expected: number | undefined
    for (let i = lenses.length - 1; i >= 0; i--) {
      const d = bwd(lenses[i] as Lens.Lens<number, number>, x, dys[i] as number)
      expected = expected === undefined ? d : expected + d
    }
    return eq.equals(bwd(usedTimes(lenses), x, dys), expected ?? 0)
  }

/**
 * Law 21: a control-flow program passes the gradient check at `x` (`Gradcheck.check`, a kink
 * counts as holding). Runners draw `x` with every decision at least a margin from its boundary.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * const p = DirectLaws.controlFlowProgram([{ tag: 'while', threshold: 0.5, max: 4, body: [{ tag: 'op', op: { name: 'sin', lens: Scalar.sin } }] }])
 * console.log(DirectLaws.gradient(p.lens, 1.3)) // true
 *
 * @category predicates
 */
export const gradient = (lens: Lens.Lens<number, number>, x: number): boolean => gradientLaw(lens, x)

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw (every field has a default): `lens` for the identity, sequence and
 * sum-of-uses laws (default `scalarLens()`, hand-written CPS lenses included); `input` and
 * `cotangent` numbers (defaults `lattice(-2, 2)` and `doubleIn(-3, 3)`); and the `unary` and
 * `binary` primitives random programs are made of (defaults: {@link unaryPrimitives} and
 * {@link binaryPrimitives} for straight-line programs, {@link boundedPrimitives} for
 * control-flow programs).
 *
 * @example
 * import { DirectLaws, doubleIn } from 'backprop-lens/laws'
 *
 * const arbitraries: DirectLaws.DirectArbitraries = { cotangent: doubleIn(-1, 1) }
 * console.log(Object.keys(arbitraries)) // [ 'cotangent' ]
 *
 * @category runners
 */
export interface DirectArbitraries {
  readonly lens?: fc.Arbitrary<Lens.Lens<number, number>>
  readonly input?: fc.Arbitrary<number>
  readonly cotangent?: fc.Arbitrary<number>
  readonly unary?: ReadonlyArray<Primitive<number, number>>
  readonly binary?: ReadonlyArray<Primitive<readonly [number, number], number>>
}

/**
 * How runners run: cases per law (default 200), a fast-check seed to replay a failure, and
 * the margin the gradient law keeps from every decision boundary (default `0.01`).
 *
 * @example
 * import type { DirectLaws } from 'backprop-lens/laws'
 *
 * const options: DirectLaws.RunOptions = { numRuns: 500, seed: 7 }
 * console.log(options.numRuns) // 500
 *
 * @category runners
 */
export interface RunOptions {
  readonly numRuns?: number
  readonly seed?: number
  readonly margin?: number
}

/**
 * The value of a random program at `x`, or NaN where its values overflow (squares of squares
 * of a few loop trips can): such cases are discarded, any other error is a failure.
 */
const finiteValue = (lens: Lens.Lens<number, number>, x: number): number => {
  try {
    return fwd(lens, x)
  } catch (e) {
    if (e instanceof RangeError && /not finite/.test(e.message)) return NaN
    throw e
  }
}

const parameters = <Ts>(options: RunOptions): fc.Parameters<Ts> => {
  const numRuns = options.numRuns ?? 200
  return options.seed === undefined ? { numRuns } : { numRuns, seed: options.seed }
}

const inputOf = (a: DirectArbitraries): fc.Arbitrary<number> => a.input ?? lattice(-2, 2)
const cotangentOf = (a: DirectArbitraries): fc.Arbitrary<number> => a.cotangent ?? doubleIn(-3, 3)
const lensOf = (a: DirectArbitraries): fc.Arbitrary<Lens.Lens<number, number>> => a.lens ?? scalarLens()

const lineCases = (a: DirectArbitraries) =>
  straightLine(a.unary, a.binary).chain((p) =>
    fc.tuple(fc.constant(p), fc.array(inputOf(a), { minLength: p.inputs, maxLength: p.inputs }), fc.array(cotangentOf(a), { minLength: p.outputs.length, maxLength: p.outputs.length }))
  )

/**
 * Checks law 19 (point-free twin) on random straight-line programs.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkPointFree(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkPointFree = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = pointFree(eq)
  fc.assert(
    fc.property(lineCases(arbitraries), ([p, xs, dys]) => law(p, xs, dys)),
    parameters(options)
  )
}

/**
 * Checks law 20 (a program applying `f` once is `f`) on the drawn lenses.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkIdentity(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkIdentity = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = identity(eq)
  fc.assert(
    fc.property(lensOf(arbitraries), inputOf(arbitraries), cotangentOf(arbitraries), (f, a, db) => law(f, a, db)),
    parameters(options)
  )
}

/**
 * Checks law 20 (two applies in sequence are `pipe`) on pairs of drawn lenses.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkSequence(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkSequence = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = sequence(eq)
  const lens = lensOf(arbitraries)
  fc.assert(
    fc.property(lens, lens, inputOf(arbitraries), cotangentOf(arbitraries), (f, g, a, dc) => law(f, g, a, dc)),
    parameters(options)
  )
}

/**
 * Checks law 21 (a variable used k times, k = 1…6, receives the sum of its contributions).
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkSumOfUses(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkSumOfUses = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = sumOfUses(eq)
  const cases = fc
    .array(lensOf(arbitraries), { minLength: 1, maxLength: 6 })
    .chain((ls) => fc.tuple(fc.constant(ls), inputOf(arbitraries), fc.array(cotangentOf(arbitraries), { minLength: ls.length, maxLength: ls.length })))
  fc.assert(
    fc.property(cases, ([ls, x, dys]) => law(ls, x, dys)),
    parameters(options)
  )
}

/**
 * Checks law 21 (gradient) on random control-flow programs, at inputs whose every decision is
 * at least `options.margin` from its boundary (others are discarded). `eq` is unused: the law
 * compares with finite differences.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkGradient(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkGradient = (_eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const margin = options.margin ?? 0.01
  fc.assert(
    fc.property(controlFlow(arbitraries.unary, arbitraries.binary), inputOf(arbitraries), (p, x) => {
      const program = controlFlowProgram(p)
      fc.pre(Number.isFinite(finiteValue(program.lens, x)) && program.margin() >= margin)
      return gradient(program.lens, x)
    }),
    parameters(options)
  )
}

/**
 * Checks linearity in the cotangent (LAWS 14, reassoc) on random straight-line and
 * control-flow programs. `eq` is unused: the law compares up to re-association.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkLinearity(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkLinearity = (_eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const scalar = doubleIn(-3, 3)
  fc.assert(
    fc.property(lineCases(arbitraries), scalar, ([p, xs, u], s) => {
      const v = u.map((d, i) => (i % 2 === 0 ? -d : d / 2))
      return cotangentLinearity(directProgram(p), xs, s, u, v)
    }),
    parameters(options)
  )
  fc.assert(
    fc.property(controlFlow(arbitraries.unary, arbitraries.binary), inputOf(arbitraries), scalar, cotangentOf(arbitraries), cotangentOf(arbitraries), (p, x, s, u, v) => {
      const program = controlFlowProgram(p).lens
      fc.pre(Number.isFinite(finiteValue(program, x)))
      return cotangentLinearity(program, x, s, u, v)
    }),
    parameters(options)
  )
}

/**
 * Checks every law of this module: point-free twin, identity, sequence, sum of uses,
 * gradient and linearity.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkAll(exact, {}, { numRuns: 30 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  checkPointFree(eq, arbitraries, options)
  checkIdentity(eq, arbitraries, options)
  checkSequence(eq, arbitraries, options)
  checkSumOfUses(eq, arbitraries, options)
  checkGradient(eq, arbitraries, options)
  checkLinearity(eq, arbitraries, options)
}
