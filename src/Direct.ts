/**
 * Direct-style differentiable programs: ordinary TypeScript generators, with `if`, loops and
 * recursion, that become lenses.
 *
 * A program receives its input as *variables* ({@link Var}) and applies lenses to them with
 * `yield* Direct.apply(lens, input)`; it decides with plain control flow on
 * {@link value}`(v)`, and returns a variable (or a tuple or record of them).
 * {@link lens} turns it into a `Lens<A, B>` like any other: it goes into `Lens.pipe`,
 * `Gradcheck`, the law kit, `Train.fit`, and other programs.
 *
 * ```ts
 * import { Direct, Lens, Scalar } from 'backprop-lens'
 *
 * // a²·b + sin(a)
 * const f = Direct.lens<readonly [number, number], number>(function* ([a, b]) {
 *   const a2 = yield* Direct.apply(Scalar.square, a)
 *   const s = yield* Direct.apply(Scalar.sin, a)
 *   return yield* Direct.add(yield* Direct.mul(a2, b), s)
 * })
 * console.log(Lens.valueAndGrad(f, [2, 3])) // [ 12.909297426825681, [ 11.583853163452858, 4 ] ]
 * ```
 *
 * **How it runs** (see the guide, `docs/direct-style.md`): each `apply` is a lens applied to
 * a `next` that resumes the program, through `Cont` — the program is the CPS composition of
 * its applies, and the code after a resumption is the backward step. Consecutive applies of
 * primitive and composite lenses run as one segment with one `Cont` step; lenses written by
 * hand as CPS functions run as CPS. The backward pass sums the cotangents of a variable used
 * several times. Calls of {@link fn} functions and applies of other programs run from the
 * driver's own stack, so loops of a million applies and recursion 100,000 deep run on the
 * default stack.
 *
 * **Cotangent sums** use the variable's value to pick the vector space (numbers directly,
 * tensors, tuples and records inferred as `Lens.fanout` does), or the program's
 * {@link Options.space}.
 *
 * **Rules of use.** Variables live for one run of one program. A lens applied in a program
 * must call its `next` exactly once (generators resume once). No gradient flows through a
 * decision on a value (as in JAX and PyTorch). Errors name the program: its
 * {@link Options.name}, or the generator function's name.
 *
 * Laws (checked by `backprop-lens/laws`, `DirectLaws`): a straight-line program equals its
 * point-free twin; `lens(function* (x) { return yield* apply(f, x) }) ≡ f`; two applies in
 * sequence are `pipe`; programs with branches and loops pass the gradient check; the
 * backward pass is linear in the cotangent; a variable used k times receives the sum of its k
 * contributions.
 *
 * One file for the public module (its length is the doc comments and their runnable
 * examples); the driver is in `internal/direct*.ts`.
 *
 * @module Direct
 */
// One piece, past 400 lines: the public namespace of direct style (the driver is in
// `internal/direct*.ts`); about four fifths of it are doc comments with runnable examples.
import { programLens } from './internal/direct.js'
import * as M from './internal/direct-model.js'
import * as W from './internal/direct-values.js'
import { reverseProgram } from './internal/direct-reverse.js'
import type { Lens } from './internal/lens.js'
import { erase, planOf, type AnyLens } from './internal/plan.js'
import { reverse } from './Reverse.js'
import { Tensor } from './internal/tensor.js'
import { scalar as tensorScalar } from './Tensor.js'
import * as ops from './ops/index.js'
import * as Scalar from './Scalar.js'
import type { VectorSpace } from './VectorSpace.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

declare const VarBrand: unique symbol
declare const RequestBrand: unique symbol

/**
 * A variable of a running program, holding a value of type `T` (a number, a tensor, or
 * another value that is not a tuple or a record). Read its value with {@link value}; apply
 * lenses to it with {@link apply}.
 *
 * @example
 * import { Direct, Lens, Scalar } from 'backprop-lens'
 *
 * const f = Direct.lens(function* (x: Direct.Var<number>) {
 *   return yield* Direct.apply(Scalar.exp, x)
 * })
 * console.log(Lens.valueAndGrad(f, 0)) // [ 1, 1 ]
 *
 * @category model
 */
export interface Var<out T> {
  /** The value's type (a phantom: read the value with `Direct.value`). */
  readonly [VarBrand]: T
}

/**
 * The values one variable holds: numbers, tensors and other values that are not tuples or
 * records (those are taken apart into variables).
 *
 * @category model
 */
export type Leaf = number | Tensor | string | boolean | bigint | symbol | null | undefined | ArrayBufferView | ((...args: never) => unknown)

/**
 * The variables of a value of type `A`: a {@link Var} for a number, a tensor or another leaf,
 * and the same tuple or record structure of variables for tuples and records.
 *
 * @example
 * import type { Direct, Tensor } from 'backprop-lens'
 *
 * type P = Direct.Vars<{ readonly W: Tensor.Tensor; readonly b: readonly [number, number] }>
 * // { readonly W: Direct.Var<Tensor.Tensor>; readonly b: readonly [Direct.Var<number>, Direct.Var<number>] }
 * const check = (p: P): Direct.Var<number> => p.b[0]
 * console.log(typeof check) // function
 *
 * @category model
 */
// One homomorphic mapped type covers tuples and records (a nested conditional on arrays here
// made TypeScript fix `A` too early when `apply` is given a generic call like `Lens.split(…)`).
export type Vars<A> = A extends Leaf ? Var<A> : { readonly [K in keyof A]: Vars<A[K]> }

/**
 * The values of a structure of variables: the inverse of {@link Vars}.
 *
 * @example
 * import type { Direct } from 'backprop-lens'
 *
 * type V = Direct.ValueOf<readonly [Direct.Var<number>, { readonly s: Direct.Var<string> }]> // readonly [number, { readonly s: string }]
 * const v: V = [1, { s: 'a' }]
 * console.log(v) // [ 1, { s: 'a' } ]
 *
 * @category model
 */
export type ValueOf<X> = X extends Var<infer T> ? T : { readonly [K in keyof X]: ValueOf<X[K]> }

/**
 * What a program yields to the driver (through `yield*`); opaque.
 *
 * @category model
 */
export interface Request {
  /** Opaque. */
  readonly [RequestBrand]: true
}

/**
 * The result of {@link apply}, of a {@link fn} call and of the arithmetic helpers: delegate
 * to it with `yield*`, which gives `T`.
 *
 * @category model
 */
export interface Apply<T> {
  /** Delegation protocol: yields one request, returns its answer. */
  [Symbol.iterator](): Iterator<Request, T, unknown>
}

/**
 * A program's body: a generator function of the input's variables, returning the output's.
 *
 * @category model
 */
export type Program<X, Y> = (input: X) => Generator<Request, Y, unknown>

/**
 * The input type of a program's body annotated with variables: `ValueOf` its parameter.
 *
 * @category model
 */
export type InputOf<P> = P extends (input: infer X) => unknown ? ValueOf<X> : never

/**
 * The output type of a program's body: `ValueOf` what its generator returns.
 *
 * @category model
 */
export type OutputOf<P> = P extends (input: never) => Generator<unknown, infer Y, unknown> ? ValueOf<Y> : never

/**
 * Options of {@link lens}.
 *
 * @category model
 */
export interface Options {
  /** The program's name in error messages (default: the generator function's name). */
  readonly name?: string
  /**
   * The vector space of every cotangent that is not a number, for sums and zeros (default:
   * inferred from each value: tensors, tuples and records of them; see `VectorSpace.infer`).
   * Any `VectorSpace` fits.
   */
  readonly space?: CotangentSpace
}

/**
 * What a program uses of a `VectorSpace`: `zero` and `add`. Every `VectorSpace<S>` is one.
 *
 * @category model
 */
export interface CotangentSpace {
  /** The zero with the structure of `like`. */
  readonly zero: (like: never) => unknown
  /** The sum of two cotangents of the same structure. */
  readonly add: (x: never, y: never) => unknown
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const programName = (op: string, body: unknown, name: string | undefined): string => {
  if (typeof body !== 'function') throw new TypeError(`${op}: expected a generator function (function*), got ${typeof body}`)
  const n = name ?? body.name
  const label = n === '' ? 'anonymous' : n
  if (body.constructor?.name === 'AsyncGeneratorFunction') {
    throw new TypeError(`${op}(${label}): the program is an async generator; programs run synchronously (use function*, not async function*)`)
  }
  return label
}

/**
 * A lens from a program: `body` receives the input as variables (`Vars<A>`) and returns the
 * output's variables. Give the input and output types as type arguments
 * (`Direct.lens<readonly [number, number], number>(…)`), or annotate the parameter
 * (`function* (x: Direct.Var<number>)`) and let them be inferred.
 *
 * @example
 * import { Direct, Lens, Scalar } from 'backprop-lens'
 *
 * // Halve until below 1: the gradient is the product of the halvings taken.
 * const halve = Direct.lens<number, number>(function* halve(x) {
 *   while (Direct.value(x) > 1) x = yield* Direct.mul(x, 0.5)
 *   return x
 * })
 * console.log(Lens.valueAndGrad(halve, 9)) // [ 0.5625, 0.0625 ]
 *
 * @category constructors
 */
export function lens<A, B>(body: Program<Vars<A>, Vars<B>>, options?: Options): Lens<A, B>
/**
 * A lens from a program whose parameter is annotated: the input and output types are
 * inferred from the generator (`InputOf`, `OutputOf`).
 *
 * @example
 * import { Direct, Lens, Scalar } from 'backprop-lens'
 *
 * const f = Direct.lens(function* (x: Direct.Var<number>) {
 *   return yield* Direct.apply(Scalar.sin, yield* Direct.mul(x, x))
 * })
 * console.log(Lens.evaluate(f, 1) === Math.sin(1)) // true
 *
 * @category constructors
 */
// One type parameter, so that explicit type arguments `<A, B>` never select this overload.
export function lens<P extends Program<never, unknown>>(body: P, options?: Options): Lens<InputOf<P>, OutputOf<P>>
export function lens(body: Program<never, unknown>, options: Options = {}): unknown {
  const name = programName('Direct.lens', body, options.name)
  return differentiable(programLens({ body: body as never, name, space: options.space as VectorSpace<unknown> | undefined }))
}

/** The reverse of each lens a program applies, made once per lens. */
const reversed = new WeakMap<AnyLens, AnyLens>()
const reverseOf = (f: AnyLens): AnyLens => {
  let r = reversed.get(f)
  if (r === undefined) {
    r = erase(reverse(f))
    reversed.set(f, r)
  }
  return r
}

/**
 * Gives a program its reverse derivative as a lens, for `Lens.reverse` and `Lens.grad`: the
 * program built from each run's trace by `reverseProgram`, itself a program (so it has one too).
 */
const differentiable = <L extends AnyLens>(program: L): L => {
  planOf(program).rev = () => differentiable(erase(reverseProgram(program, { reverseOf })))
  return program
}

/**
 * A reusable differentiable function for programs: `yield* f(…args)` runs `body` as part of
 * the calling program (arguments may mix variables and plain values, and so may the
 * result). Calls run from the driver's stack, so recursion runs 100,000 deep. A recursive
 * function needs its return type written out (TypeScript cannot infer it through itself), and
 * its generator a name other than the constant's: inside `function* f`, `f` is the generator
 * itself, whose calls would nest native frames.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * // xⁿ by recursion on n (a plain number argument).
 * const power = Direct.fn(function* powerStep(x: Direct.Var<number>, n: number): Generator<Direct.Request, Direct.Var<number>, unknown> {
 *   if (n === 1) return x
 *   return yield* Direct.mul(x, yield* power(x, n - 1))
 * })
 * const cube = Direct.lens(function* (x: Direct.Var<number>) {
 *   return yield* power(x, 3)
 * })
 * console.log(Lens.valueAndGrad(cube, 2)) // [ 8, 12 ]
 *
 * @category constructors
 */
export const fn = <Args extends ReadonlyArray<unknown>, R>(
  body: (...args: Args) => Generator<Request, R, unknown>,
  options: { readonly name?: string } = {}
): ((...args: Args) => Apply<R>) => {
  const name = programName('Direct.fn', body, options.name)
  return (...args) => M.request(M.CALL, body, args, name) as unknown as Apply<R>
}

/**
 * Applies any lens to variables (a tuple or record of variables for a lens on tuples or
 * records): `yield* Direct.apply(lens, input)` gives the output's variables. The lens may be
 * a primitive, a composition or product, a `Lens.make`/`fromVjp` primitive, a hand-written
 * CPS lens (run as CPS: it must call `next` once), another program, or a `Para` model with
 * its parameters as a variable (`apply(model, [params, x])`).
 *
 * @example
 * import { Direct, Lens, Scalar } from 'backprop-lens'
 *
 * const f = Direct.lens<readonly [number, number], number>(function* ([a, b]) {
 *   const [s, c] = yield* Direct.apply(Lens.fanout(Scalar.sin, Scalar.cos), a)
 *   return yield* Direct.apply(Scalar.mul, [yield* Direct.add(s, c), b])
 * })
 * console.log(Lens.valueAndGrad(f, [0, 2])) // [ 2, [ 2, 1 ] ]
 *
 * @category combinators
 */
export const apply = <A, B>(lens: Lens<A, B>, input: Vars<A>): Apply<Vars<B>> =>
  M.request(M.APPLY, lens, input, '') as unknown as Apply<Vars<B>>

/**
 * The value of a variable (or the values of a tuple or record of variables), for plain
 * `if`, `while` and recursion to decide on. No gradient flows through what is done with it.
 *
 * @example
 * import { Direct, Lens, Scalar } from 'backprop-lens'
 *
 * // |x| by a branch
 * const abs = Direct.lens(function* (x: Direct.Var<number>) {
 *   return Direct.value(x) < 0 ? yield* Direct.neg(x) : x
 * })
 * console.log(Lens.valueAndGrad(abs, -3), Lens.valueAndGrad(abs, 2)) // [ 3, -1 ] [ 2, 1 ]
 *
 * @category destructors
 */
export const value = <X>(v: X): ValueOf<X> => W.gather('Direct.value', 'the argument', null, v) as ValueOf<X>

/**
 * A constant: variables holding `a` (a tuple or record of them for tuples and records) that
 * receive no gradient. Usable in any program.
 *
 * @example
 * import { Direct, Lens, Scalar } from 'backprop-lens'
 *
 * const two = Direct.constant(2)
 * const f = Direct.lens(function* (x: Direct.Var<number>) {
 *   return yield* Direct.apply(Scalar.mul, [x, two])
 * })
 * console.log(Lens.valueAndGrad(f, 5)) // [ 10, 2 ]
 *
 * @category constructors
 */
export const constant = <A>(a: A): Vars<A> => W.toVars(null, a) as Vars<A>

/**
 * The same value without its gradient: constants holding the values of `v` (a variable, or a
 * tuple or record of them). Uses of the result contribute nothing to `v`'s cotangent.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * // x · stopGradient(x): the derivative counts only the first factor.
 * const f = Direct.lens(function* (x: Direct.Var<number>) {
 *   return yield* Direct.mul(x, Direct.stopGradient(x))
 * })
 * console.log(Lens.valueAndGrad(f, 3)) // [ 9, 3 ]
 *
 * @category combinators
 */
export const stopGradient = <X>(v: X): X => W.constants('Direct.stopGradient', v) as X

// -------------------------------------------------------------------------------------
// arithmetic
// -------------------------------------------------------------------------------------

/**
 * An operand of the arithmetic helpers on numbers: a variable, or a plain number (a constant).
 *
 * @category arithmetic
 */
export type NumberOperand = Var<number> | number

/**
 * An operand of the arithmetic helpers on tensors: a variable, or a plain tensor or number (a
 * constant, broadcast).
 *
 * @category arithmetic
 */
export type TensorOperand = Var<Tensor> | Tensor | number

/**
 * A binary arithmetic helper: of two number operands, or of two tensor operands.
 *
 * @category arithmetic
 */
export interface Binary {
  /** On numbers (`Scalar`). */
  (a: NumberOperand, b: NumberOperand): Apply<Var<number>>
  /** On tensors (`ops`, broadcasting). */
  (a: TensorOperand, b: TensorOperand): Apply<Var<Tensor>>
}

const valueOf = (u: unknown): unknown => (u instanceof M.Var ? u.primal : u)

const operand = (op: string, u: unknown, tensors: boolean): unknown => {
  if (u instanceof M.Var) {
    if (tensors && typeof u.primal === 'number') {
      throw new TypeError(`${op}: cannot mix a number variable with tensors; make the number a tensor (Tensor.scalar) or apply ops to tensors only`)
    }
    return u
  }
  if (typeof u === 'number') return M.variable(null, tensors ? tensorScalar(u) : u)
  if (u instanceof Tensor) return M.variable(null, u)
  return u
}

const binary =
  (op: string, scalar: Lens<readonly [number, number], number>, tensor: Lens<ops.TensorPair, Tensor>) =>
  (a: unknown, b: unknown): Apply<never> => {
    const tensors = valueOf(a) instanceof Tensor || valueOf(b) instanceof Tensor
    const input = [operand(op, a, tensors), operand(op, b, tensors)]
    return M.request(M.APPLY, tensors ? tensor : scalar, input, '') as unknown as Apply<never>
  }

const unary =
  (scalar: Lens<number, number>, tensor: Lens<Tensor, Tensor>) =>
  <T extends number | Tensor>(x: Var<T>): Apply<Var<T>> =>
    M.request(M.APPLY, valueOf(x) instanceof Tensor ? tensor : scalar, x, '') as unknown as Apply<Var<T>>

/**
 * `a + b`: of numbers (`Scalar.add`), or of tensors with broadcasting (`ops.add`). Plain
 * numbers and tensors are constants.
 *
 * @example
 * import { Direct, Lens, Tensor } from 'backprop-lens'
 *
 * const f = Direct.lens(function* (x: Direct.Var<Tensor.Tensor>) {
 *   return yield* Direct.add(x, 1)
 * })
 * console.log(Lens.evaluate(f, Tensor.fromNested([1, 2])).data) // Float64Array(2) [ 2, 3 ]
 *
 * @category arithmetic
 */
export const add: Binary = binary('Direct.add', Scalar.add, ops.add)

/**
 * `a − b`, of numbers or of tensors (broadcast).
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * const f = Direct.lens<readonly [number, number], number>(function* ([a, b]) {
 *   return yield* Direct.sub(a, b)
 * })
 * console.log(Lens.valueAndGrad(f, [5, 3])) // [ 2, [ 1, -1 ] ]
 *
 * @category arithmetic
 */
export const sub: Binary = binary('Direct.sub', Scalar.sub, ops.sub)

/**
 * `a · b`, of numbers or elementwise of tensors (broadcast).
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * const f = Direct.lens<readonly [number, number], number>(function* ([a, b]) {
 *   return yield* Direct.mul(a, b)
 * })
 * console.log(Lens.valueAndGrad(f, [5, 3])) // [ 15, [ 3, 5 ] ]
 *
 * @category arithmetic
 */
export const mul: Binary = binary('Direct.mul', Scalar.mul, ops.mul)

/**
 * `a / b`, of numbers or elementwise of tensors (broadcast); the denominator must not be 0.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * const f = Direct.lens<readonly [number, number], number>(function* ([a, b]) {
 *   return yield* Direct.div(a, b)
 * })
 * console.log(Lens.valueAndGrad(f, [3, 2])) // [ 1.5, [ 0.5, -0.75 ] ]
 *
 * @category arithmetic
 */
export const div: Binary = binary('Direct.div', Scalar.div, ops.div)

/**
 * `−x` (`Scalar.neg` or `ops.neg`). The unary helpers below work the same way, on a number
 * variable or a tensor variable.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.neg(x) }), 2)) // [ -2, -1 ]
 *
 * @category arithmetic
 */
export const neg = unary(Scalar.neg, ops.neg)

/**
 * `x²`.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.square(x) }), 3)) // [ 9, 6 ]
 *
 * @category arithmetic
 */
export const square = unary(Scalar.square, ops.square)

/**
 * `eˣ`.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.exp(x) }), 0)) // [ 1, 1 ]
 *
 * @category arithmetic
 */
export const exp = unary(Scalar.exp, ops.exp)

/**
 * Natural logarithm (input > 0).
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.log(x) }), 1)) // [ 0, 1 ]
 *
 * @category arithmetic
 */
export const log = unary(Scalar.log, ops.log)

/**
 * Sine.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.sin(x) }), 0)) // [ 0, 1 ]
 *
 * @category arithmetic
 */
export const sin = unary(Scalar.sin, ops.sin)

/**
 * Cosine.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.cos(x) }), 0)) // [ 1, -0 ]
 *
 * @category arithmetic
 */
export const cos = unary(Scalar.cos, ops.cos)

/**
 * Hyperbolic tangent.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.tanh(x) }), 0)) // [ 0, 1 ]
 *
 * @category arithmetic
 */
export const tanh = unary(Scalar.tanh, ops.tanh)

/**
 * The logistic function.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.sigmoid(x) }), 0)) // [ 0.5, 0.25 ]
 *
 * @category arithmetic
 */
export const sigmoid = unary(Scalar.sigmoid, ops.sigmoid)

/**
 * `max(x, 0)`.
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.relu(x) }), 2)) // [ 2, 1 ]
 *
 * @category arithmetic
 */
export const relu = unary(Scalar.relu, ops.relu)

/**
 * Square root (input ≥ 0; the derivative needs > 0).
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.sqrt(x) }), 4)) // [ 2, 0.25 ]
 *
 * @category arithmetic
 */
export const sqrt = unary(Scalar.sqrt, ops.sqrt)

/**
 * `xⁿ` for a constant exponent (`Scalar.pow(n)` or `ops.pow(n)`).
 *
 * @example
 * import { Direct, Lens } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Direct.lens(function* (x: Direct.Var<number>) { return yield* Direct.pow(x, 3) }), 2)) // [ 8, 12 ]
 *
 * @category arithmetic
 */
export const pow = <T extends number | Tensor>(x: Var<T>, n: number): Apply<Var<T>> =>
  M.request(M.APPLY, valueOf(x) instanceof Tensor ? ops.pow(n) : Scalar.pow(n), x, '') as unknown as Apply<Var<T>>
