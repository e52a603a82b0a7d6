/**
 * The errors of direct-style programs: bad use (what is not a variable, a variable of another
 * run, a bad return, async generators), lenses that call next twice or never, errors of user
 * code and of primitives passing through with the program's name, and the named-generator
 * pitfall. Messages are asserted exactly.
 */
import { describe, expect, it } from 'vitest'
import { Cont, Direct, Lens, Scalar, Tensor, ops } from '../src/index.js'
import { classAndMessage } from './support/errors.js'

type V = Direct.Var<number>
type T = Direct.Var<Tensor.Tensor>

const messageOf = classAndMessage

describe('errors name the program', () => {
  it('applying to something that is not a variable, or a variable of another run', () => {
    const notVar = Direct.lens<number, number>(function* notVar(x) {
      return yield* Direct.apply(Scalar.add, [x, 3 as unknown as V])
    })
    expect(messageOf(() => Lens.evaluate(notVar, 1))).toBe(
      'TypeError: Direct.lens(notVar): Direct.apply: the input at [1] is 3, not a variable (make constants with Direct.constant)'
    )
    let kept: V | undefined
    const keep = Direct.lens(function* keep(x: V) {
      kept ??= x
      return yield* Direct.add(x, kept)
    })
    expect(Lens.evaluate(keep, 1)).toBe(2)
    expect(messageOf(() => Lens.evaluate(keep, 1))).toBe(
      "TypeError: Direct.lens(keep): Direct.apply: the input at [1] is a variable of another run (a variable lives for one run of its program; pass values in through the program's input)"
    )
    const forgot = Direct.lens(function* forgot(x: V) {
      return yield* Direct.apply(Scalar.sin, Direct.sin(x) as unknown as V)
    })
    expect(messageOf(() => Lens.evaluate(forgot, 1))).toBe(
      'TypeError: Direct.lens(forgot): Direct.apply: the input is a request that has not run (write yield* before Direct.apply)'
    )
    const notLens = Direct.lens(function* notLens(x: V) {
      return yield* Direct.apply(42 as unknown as Lens.Lens<number, number>, x)
    })
    expect(messageOf(() => Lens.evaluate(notLens, 1))).toBe('TypeError: Direct.lens(notLens): Direct.apply: expected a lens, got 42')
  })

  it('returning something that is neither a variable nor a structure of them', () => {
    const badReturn = Direct.lens(function* badReturn(x: V) {
      return [x, 3] as unknown as V
    })
    expect(messageOf(() => Lens.evaluate(badReturn, 1))).toBe(
      'TypeError: Direct.lens(badReturn): returned an array of length 2 (with 3 at [1]), which is neither a variable nor a tuple or record of variables'
    )
    const request = Direct.lens(function* returnsRequest(x: V) {
      return Direct.sin(x) as unknown as V
    })
    expect(messageOf(() => Lens.evaluate(request, 1))).toBe(
      'TypeError: Direct.lens(returnsRequest): returned a request that has not run; write return yield* … to return its result'
    )
    const yielded = Direct.lens(function* yielded(x: V) {
      yield 3 as unknown as Direct.Request
      return x
    })
    expect(messageOf(() => Lens.evaluate(yielded, 1))).toBe(
      'TypeError: Direct.lens(yielded): yielded 3; apply lenses with yield* Direct.apply(lens, input)'
    )
  })

  it('async generators and plain functions are refused', () => {
    expect(messageOf(() => Direct.lens((async function* asyncProgram(x: V) { return x }) as unknown as Direct.Program<V, V>))).toBe(
      'TypeError: Direct.lens(asyncProgram): the program is an async generator; programs run synchronously (use function*, not async function*)'
    )
    expect(messageOf(() => Direct.fn((async function* asyncFn() { return 1 }) as unknown as () => Generator<Direct.Request, number>))).toBe(
      'TypeError: Direct.fn(asyncFn): the program is an async generator; programs run synchronously (use function*, not async function*)'
    )
    const plain = Direct.lens(((x: V) => x) as unknown as Direct.Program<V, V>, { name: 'plain' })
    expect(messageOf(() => Lens.evaluate(plain, 1))).toBe(
      'TypeError: Direct.lens(plain): the program must be a generator function (function*); calling it returned a Var'
    )
  })

  it('a lens calling next twice, or never, inside a program', () => {
    const twice: Lens.Lens<number, number> = (next) => (x) => Cont.flatMap(next(x), (d1: number) => Cont.map(next(x + 1), (d2: number) => d1 + d2))
    const multi = Direct.lens(function* multi(x: V) { return yield* Direct.apply(twice, x) })
    expect(messageOf(() => Lens.backPropagateConst(multi, 1, 1))).toBe(
      "Error: Direct.lens(multi): the lens applied at step 0 ('twice') called next more than once; a program resumes once (generators are one-shot), so a lens applied in it must call next exactly once"
    )
    const aborts: Lens.Lens<number, number> = () => () => Cont.of(0)
    const aborting = Direct.lens(function* aborting(x: V) { return yield* Direct.apply(aborts, x) })
    const message =
      "Error: Direct.lens(aborting): the lens applied at step 0 ('aborts') answered without calling next (it aborts), so the program has no output; a lens applied in a program must call next exactly once"
    expect(messageOf(() => Lens.backPropagateConst(aborting, 1, 1))).toBe(message)
    expect(messageOf(() => Lens.evaluate(aborting, 1))).toBe(message)
  })

  it('errors of user code and of primitives pass through with the program (and function) name', () => {
    const user = Direct.lens(function* user(x: V) {
      if (Direct.value(x) > 0) throw new RangeError('too big')
      return x
    })
    expect(messageOf(() => Lens.evaluate(user, 1))).toBe('RangeError: Direct.lens(user): too big')
    const log = Direct.lens(function* logOf(x: V) { return yield* Direct.log(x) })
    expect(messageOf(() => Lens.evaluate(log, -1))).toBe('RangeError: Direct.lens(logOf): Scalar.log: input must be > 0, got -1')
    const sqrt = Direct.lens(function* sqrtOf(x: V) { return yield* Direct.sqrt(x) })
    expect(messageOf(() => Lens.valueAndGrad(sqrt, 0))).toBe(
      'RangeError: Direct.lens(sqrtOf): backward pass of step 0: Scalar.sqrt: the derivative is infinite at 0, got 0'
    )
    const cell = Direct.fn(function* cell(x: T) {
      return yield* Direct.apply(ops.matmul, [x, Direct.constant(Tensor.zeros([3, 2]))])
    })
    const train = Direct.lens(function* train(x: T) { return yield* cell(x) })
    expect(messageOf(() => Lens.evaluate(train, Tensor.zeros([2, 2])))).toBe(
      'RangeError: Direct.lens(train), in Direct.fn(cell): ops.matmul: shapes [2,2] and [3,2]: inner dimensions 2 and 3 differ'
    )
    const anonymous = Direct.lens(function* (x: V) { return yield* Direct.log(x) })
    expect(messageOf(() => Lens.evaluate(anonymous, -1))).toBe('RangeError: Direct.lens(anonymous): Scalar.log: input must be > 0, got -1')
    const named = Direct.lens(function* (x: V) { return yield* Direct.log(x) }, { name: 'loss' })
    expect(messageOf(() => Lens.evaluate(named, -1))).toBe('RangeError: Direct.lens(loss): Scalar.log: input must be > 0, got -1')
  })

  it('a program may catch the error of an apply at its yield*, as at a call', () => {
    const safeLog = Direct.lens(function* safeLog(x: V) {
      try {
        return yield* Direct.log(x)
      } catch {
        return yield* Direct.neg(x)
      }
    })
    expect(Lens.valueAndGrad(safeLog, -2)).toEqual([2, -1])
    expect(Lens.valueAndGrad(safeLog, Math.E)).toEqual([1, 1 / Math.E])
  })

  it('mixing a number variable with tensors in the helpers', () => {
    const mixed = Direct.lens(function* mixed([n, t]: readonly [V, T]) {
      return yield* Direct.mul(n as unknown as T, t)
    })
    expect(messageOf(() => Lens.evaluate(mixed, [2, Tensor.zeros([2])]))).toBe(
      'TypeError: Direct.lens(mixed): Direct.mul: cannot mix a number variable with tensors; make the number a tensor (Tensor.scalar) or apply ops to tensors only'
    )
  })

  it('a request delegated to twice, and yield* of a variable', () => {
    const again = Direct.lens(function* again(x: V) {
      const r = Direct.sin(x)
      yield* r
      return yield* r
    })
    expect(messageOf(() => Lens.evaluate(again, 1))).toBe(
      'TypeError: Direct.lens(again): yield* of a variable, or of a request that has already run: write yield* Direct.apply(lens, input), a new request for each apply'
    )
    const ofVar = Direct.lens(function* ofVar(x: V) {
      return yield* (x as unknown as Direct.Apply<V>)
    })
    expect(messageOf(() => Lens.evaluate(ofVar, 1))).toBe(
      'TypeError: Direct.lens(ofVar): yield* of a variable, or of a request that has already run: write yield* Direct.apply(lens, input), a new request for each apply'
    )
  })
})

describe('the named-generator pitfall gets a hint', () => {
  it('applying the generator instead of the lens', () => {
    const f: Lens.Lens<number, number> = Direct.lens(function* f(x: V): Generator<Direct.Request, V, unknown> {
      return Direct.value(x) > 1 ? yield* Direct.apply(f as unknown as Lens.Lens<number, number>, yield* Direct.mul(x, 0.5)) : x
    })
    expect(messageOf(() => Lens.evaluate(f, 3))).toBe(
      'TypeError: Direct.lens(f): Direct.apply: expected a lens, got the generator function f (inside function* f, the name f is the generator itself, not the Direct.fn or Direct.lens it was given to: name the generator differently from the constant)'
    )
  })

  it('a Direct.fn recursing through its generator nests native frames until the stack overflows', () => {
    const down = Direct.fn(function* down(x: V, n: number): Generator<Direct.Request, V, unknown> {
      return n === 0 ? x : yield* down(yield* Direct.sin(x), n - 1)
    })
    const program = Direct.lens(function* deep(x: V) { return yield* down(x, 100_000) })
    expect(messageOf(() => Lens.evaluate(program, 0.5))).toBe(
      'RangeError: Direct.lens(deep), in Direct.fn(down): Maximum call stack size exceeded (inside function* f, the name f is the generator itself, not the Direct.fn or Direct.lens it was given to: name the generator differently from the constant)'
    )
  })
})
