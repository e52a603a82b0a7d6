/**
 * Random direct-style programs for the law kit (`DirectLaws`): straight-line programs with
 * their point-free twins, and programs with control flow that measure how far their decisions
 * are from the boundaries; the models, the builders and the arbitraries. The laws that use
 * them are `Direct.ts`.
 *
 * @module direct-programs
 */
// One piece, past 400 lines: the program model, its builders and its arbitraries are one
// generator of random direct-style programs; each half is meaningless without the other.
import fc from 'fast-check'
import * as Direct from '../../src/Direct.js'
import * as Lens from '../../src/Lens.js'
import * as Scalar from '../../src/Scalar.js'

type V = Direct.Var<number>

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
