/**
 * Direct-style programs: values and gradients of programs with control flow, every kind of
 * lens applied inside them, variables used several times, constants, structures, vector
 * spaces, programs inside pipelines and products, and the errors of bad use.
 */
import { describe, expect, it } from 'vitest'
import { Cont, Direct, Gradcheck, Layer, Lens, Optimizer, Para, Scalar, Tensor, Train, VectorSpace, ops } from '../src/index.js'
import { rawLens } from '../laws/index.js'
import { classAndMessage } from './support/errors.js'

type Pair = readonly [number, number]
type V = Direct.Var<number>
type T = Direct.Var<Tensor.Tensor>

const grad = <A>(lens: Lens.Lens<A, number>, a: A): A => Lens.backPropagateConst(lens, 1, a)
const messageOf = classAndMessage

// A hand-written CPS lens (doubling), and one that records how often its next and continuation run.
const double: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(2 * x), (dy: number) => 2 * dy)
const counted = () => {
  const calls = { next: 0, back: 0 }
  const lens: Lens.Lens<number, number> = (next) => (x) => {
    calls.next += 1
    return Cont.map(next(x * x), (dy: number) => {
      calls.back += 1
      return 2 * x * dy
    })
  }
  return { lens, calls }
}

describe('straight-line programs', () => {
  const f = Direct.lens<Pair, number>(function* f([a, b]) {
    const a2 = yield* Direct.apply(Scalar.square, a)
    const s = yield* Direct.apply(Scalar.sin, a)
    return yield* Direct.add(yield* Direct.mul(a2, b), s)
  })

  it('compute a²·b + sin(a) and its gradient, with every runner', () => {
    const [a, b] = [0.7, -1.3]
    const value = a * a * b + Math.sin(a)
    const gradient = [2 * a * b + Math.cos(a), a * a]
    expect(Lens.evaluate(f, [a, b])).toBe(value)
    expect(grad(f, [a, b])).toEqual(gradient)
    expect(Lens.valueAndGrad(f, [a, b])).toEqual([value, gradient])
    expect(Lens.backPropagate(f, (y) => 2 * y, [a, b])).toEqual(gradient.map((g) => 2 * value * g))
    const [y, pullback] = Lens.vjp(f, [a, b])
    expect(y).toBe(value)
    // The pullback runs again and again (each backward pass starts from fresh cells).
    expect(pullback(1)).toEqual(gradient)
    expect(pullback(3)).toEqual(Lens.backPropagateConst(f, 3, [a, b]))
    expect(pullback(1)).toEqual(gradient)
  })

  it('equal the point-free program exactly', () => {
    const pointFree = Lens.pipe(
      Lens.fanout(Lens.fanout(Lens.pipe(Lens.fst<number, number>(), Scalar.square), Lens.snd<number, number>()), Lens.pipe(Lens.fst<number, number>(), Scalar.sin)),
      Lens.first<Pair, number, number>(Scalar.mul),
      Scalar.add
    )
    for (const x of [[0.7, -1.3], [2, 3], [-1.5, 0.25]] as const) {
      expect(Lens.evaluate(f, x)).toBe(Lens.evaluate(pointFree, x))
      expect(grad(f, x)).toEqual(grad(pointFree, x))
    }
  })

  it('pass the gradient check', () => {
    expect(Gradcheck.check(f, [0.3, 2.1]).status).toBe('pass')
  })

  it('run inside pipe, fanout and split, and under vjp and Gradcheck', () => {
    const g = Lens.pipe(Lens.fanout(Scalar.sin, Scalar.exp), f, Scalar.square)
    const twin = (x: number): number => {
      const [a, b] = [Math.sin(x), Math.exp(x)]
      return (a * a * b + Math.sin(a)) ** 2
    }
    expect(Lens.evaluate(g, 0.4)).toBe(twin(0.4))
    expect(Gradcheck.check(g, 0.4).status).toBe('pass')
    const both = Lens.split(f, Scalar.neg)
    expect(Lens.valueAndGrad(both, [[0.7, -1.3], 2], [1, 1])).toEqual([
      [Lens.evaluate(f, [0.7, -1.3]), -2],
      [grad(f, [0.7, -1.3]), -1]
    ])
  })
})

describe('control flow', () => {
  it('branches on values (|x| and max)', () => {
    const abs = Direct.lens(function* abs(x: V) {
      return Direct.value(x) < 0 ? yield* Direct.neg(x) : x
    })
    expect(Lens.valueAndGrad(abs, -3)).toEqual([3, -1])
    expect(Lens.valueAndGrad(abs, 2)).toEqual([2, 1])
    const max = Direct.lens(function* max([a, b]: readonly [V, V]) {
      return Direct.value(a) > Direct.value(b) ? a : b
    })
    expect(Lens.valueAndGrad(max, [1, 4])).toEqual([4, [0, 1]])
    expect(Lens.valueAndGrad(max, [5, 4])).toEqual([5, [1, 0]])
  })

  it('loops whose trip count depends on the input', () => {
    // Repeated sin until below 0.5 (Lantern's frs): d/dx is the product of the cosines.
    const sinUntil = Direct.lens(function* sinUntil(x: V) {
      while (Direct.value(x) > 0.5) x = yield* Direct.sin(x)
      return x
    })
    let x = 1.2
    let d = 1
    while (x > 0.5) {
      d *= Math.cos(x)
      x = Math.sin(x)
    }
    expect(Lens.valueAndGrad(sinUntil, 1.2)).toEqual([x, d])
    expect(Gradcheck.check(sinUntil, 1.2).status).toBe('pass')
  })

  it('recursion through Direct.fn, and mutual recursion (Lantern steps 3 and 5)', () => {
    const halve = Direct.fn(function* halveStep(x: V): Generator<Direct.Request, V, unknown> {
      return Direct.value(x) > 1 ? yield* halve(yield* Direct.mul(x, 0.5)) : x
    })
    expect(Lens.valueAndGrad(Direct.lens(function* (x: V) { return yield* halve(x) }), 9)).toEqual([0.5625, 0.0625])
    const byTwo: (x: V) => Direct.Apply<V> = Direct.fn(function* byTwoStep(x: V): Generator<Direct.Request, V, unknown> {
      return Direct.value(x) > 1 ? yield* byThree(yield* Direct.mul(x, 0.5)) : x
    })
    const byThree: (x: V) => Direct.Apply<V> = Direct.fn(function* byThreeStep(x: V): Generator<Direct.Request, V, unknown> {
      return Direct.value(x) > 1 ? yield* byTwo(yield* Direct.mul(x, 1 / 3)) : x
    })
    // 17 → 8.5 → 2.8333… → 1.41666… → 0.4722…: the derivative is 1/2 · 1/3 · 1/2 · 1/3.
    const [y, d] = Lens.valueAndGrad(Direct.lens(function* (x: V) { return yield* byTwo(x) }), 17)
    expect(y).toBeCloseTo(17 / 36, 15)
    expect(d).toBeCloseTo(1 / 36, 15)
  })

  it('Direct.fn takes plain arguments beside variables, and returns any value', () => {
    const powerAndCount = Direct.fn(function* powerStep(x: V, n: number): Generator<Direct.Request, readonly [V, number], unknown> {
      let y = x
      for (let i = 1; i < n; i++) y = yield* Direct.mul(y, x)
      return [y, n - 1] as const
    })
    const cube = Direct.lens(function* (x: V) {
      const [y, multiplications] = yield* powerAndCount(x, 3)
      expect(multiplications).toBe(2)
      return y
    })
    expect(Lens.valueAndGrad(cube, 2)).toEqual([8, 12])
  })
})

describe('any lens, applied in a program', () => {
  const check = <A>(name: string, inner: Lens.Lens<A, number>, program: Lens.Lens<A, number>, x: A): void => {
    expect(Lens.evaluate(program, x), name).toBe(Lens.evaluate(inner, x))
    expect(grad(program, x), name).toEqual(grad(inner, x))
  }
  const wrap = <A, B>(f: Lens.Lens<A, B>): Lens.Lens<A, B> =>
    Direct.lens<A, B>(function* wrapped(x) {
      return yield* Direct.apply(f, x)
    })

  it('primitives, make and fromVjp, compositions and products', () => {
    const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
    const softplus = Lens.fromVjp((x: number) => {
      const e = Math.exp(x)
      return [Math.log1p(e), (dy: number) => (dy * e) / (1 + e)]
    })
    check('sin', Scalar.sin, wrap(Scalar.sin), 0.3)
    check('mul', Scalar.mul, wrap(Scalar.mul), [2, -3] as Pair)
    check('make', cube, wrap(cube), 1.5)
    check('fromVjp', softplus, wrap(softplus), 0.2)
    const composite = Lens.pipe(Lens.fanout(Scalar.sin, Lens.pipe(Scalar.square, Scalar.exp)), Scalar.mul, Scalar.tanh)
    check('composition with a product', composite, wrap(composite), 0.4)
  })

  it('hand-written CPS lenses, run as CPS: next once, continuation once', () => {
    check('double', double, wrap(double), 1.25)
    const { lens, calls } = counted()
    const program = Direct.lens(function* program(x: V) {
      const y = yield* Direct.sin(x)
      const z = yield* Direct.apply(lens, y)
      return yield* Direct.mul(z, x)
    })
    const [value, d] = Lens.valueAndGrad(program, 0.8)
    expect(calls).toEqual({ next: 1, back: 1 })
    const s = Math.sin(0.8)
    expect(value).toBe(s * s * 0.8)
    expect(d).toBe(2 * s * 0.8 * Math.cos(0.8) + s * s)
    const raw = rawLens('scale2', (x) => 2 * x, () => 2)
    check('rawLens', Lens.pipe(raw, Scalar.sin), wrap(Lens.pipe(raw, Scalar.sin)), 0.5)
  })

  it('other programs (run inline) and programs with their own vector space (run as their own run)', () => {
    const inner = Direct.lens(function* inner(x: V) {
      return yield* Direct.mul(x, yield* Direct.sin(x))
    })
    const outer = Direct.lens(function* outer(x: V) {
      const y = yield* Direct.apply(inner, x)
      return yield* Direct.apply(inner, y)
    })
    check('inline', Lens.pipe(inner, inner), outer, 0.9)
    const own = Direct.lens(function* own(x: V) { return yield* Direct.apply(inner, x) }, { space: VectorSpace.number })
    check('own space', inner, wrap(own), 0.9)
  })

  it('Para and Layer models, with the parameters as a variable', () => {
    const { model, init } = Layer.mlp([3, 4, 2], { activation: 'tanh' })
    const params = init(7)
    const x = Tensor.fromNested([[0.1, -0.2, 0.3], [0.5, 0.4, -0.6]])
    const loss = Lens.pipe(model, ops.sum())
    const program = Direct.lens<readonly [Layer.MlpParams, Tensor.Tensor], Tensor.Tensor>(function* mlpLoss([p, batch]) {
      const logits = yield* Direct.apply(model, [p, batch])
      return yield* Direct.apply(ops.sum(), logits)
    })
    const one = Tensor.scalar(1)
    expect(Lens.valueAndGrad(program, [params, x], one)).toEqual(Lens.valueAndGrad(loss, [params, x], one))
    const weight: Para.Para<number, number, number> = Lens.make({ forward: ([w, v]) => w * v, backward: ([w, v], dy) => [v * dy, w * dy] })
    const scaled = Direct.lens<Pair, number>(function* scaled([w, v]) {
      return yield* Direct.apply(Para.seq(weight, weight), [[w, w], v])
    })
    expect(Lens.valueAndGrad(scaled, [3, 2])).toEqual([18, [12, 9]])
  })
})

describe('variables, constants and structures', () => {
  it('a variable used k times receives the sum of its k contributions', () => {
    const k = 5
    const program = Direct.lens(function* useMany(x: V) {
      let acc = yield* Direct.sin(x)
      for (let i = 1; i < k; i++) acc = yield* Direct.add(acc, yield* Direct.apply(Scalar.scale(i + 1), x))
      return acc
    })
    // d/dx (sin x + 2x + 3x + 4x + 5x), summed last use first
    expect(grad(program, 0.5)).toBe(5 + (4 + (3 + (2 + Math.cos(0.5)))))
  })

  it('unused inputs and dropped outputs get zero cotangents of their shape', () => {
    const program = Direct.lens<readonly [number, Tensor.Tensor, Tensor.Tensor], number>(function* dropped([a]) {
      const [s] = yield* Direct.apply(Lens.fanout(Scalar.sin, Scalar.cos), a)
      return s
    })
    const [da, dt, du] = grad(program, [0.5, Tensor.zeros([2, 3]), Tensor.ones([4])])
    expect(da).toBe(Math.cos(0.5))
    expect([dt.shape, Array.from(dt.data)]).toEqual([[2, 3], [0, 0, 0, 0, 0, 0]])
    expect([du.shape, Array.from(du.data)]).toEqual([[4], [0, 0, 0, 0]])
  })

  it('constants and stopGradient receive no gradient', () => {
    const c = Direct.constant(3)
    const program = Direct.lens(function* consts(x: V) {
      const y = yield* Direct.mul(x, c)
      return yield* Direct.mul(y, Direct.stopGradient(x))
    })
    expect(Lens.valueAndGrad(program, 2)).toEqual([12, 6])
    const both = Direct.constant([1, { w: 2 }] as const)
    expect(Direct.value(both)).toEqual([1, { w: 2 }])
    expect(Direct.value(Direct.stopGradient(both))).toEqual([1, { w: 2 }])
  })

  it('records and tuples in and out', () => {
    type P = { readonly w: number; readonly b: number }
    const affine = Direct.lens<readonly [P, number], { readonly y: number; readonly both: Pair }>(function* affine([{ w, b }, x]) {
      const y = yield* Direct.add(yield* Direct.mul(w, x), b)
      return { y, both: [y, w] as const }
    })
    expect(Lens.valueAndGrad(affine, [{ w: 2, b: 1 }, 3], { y: 1, both: [10, 100] })).toEqual([
      { y: 7, both: [7, 2] },
      [{ w: 3 + 30 + 100, b: 11 }, 2 + 20]
    ])
  })

  it('tensors broadcast in the arithmetic helpers; numbers are constants there', () => {
    const program = Direct.lens<readonly [Tensor.Tensor, Tensor.Tensor], Tensor.Tensor>(function* affineT([x, b]) {
      const y = yield* Direct.add(yield* Direct.mul(x, 2), b)
      return yield* Direct.apply(ops.sum(), yield* Direct.square(y))
    })
    const x = Tensor.fromNested([[1, 2], [3, 4]])
    const b = Tensor.fromNested([0.5, -0.5])
    const [value, [dx, db]] = Lens.valueAndGrad(program, [x, b], Tensor.scalar(1))
    expect(value.data[0]).toBe(2.5 ** 2 + 3.5 ** 2 + 6.5 ** 2 + 7.5 ** 2)
    expect(Array.from(dx.data)).toEqual([10, 14, 26, 30])
    expect(Array.from(db.data)).toEqual([5 + 13, 7 + 15])
  })

  it('a vector space given as an option sums cotangents of values infer does not know', () => {
    class Complex {
      constructor(readonly re: number, readonly im: number) {}
    }
    const C: VectorSpace.VectorSpace<unknown> = VectorSpace.fromCoordinates<unknown>({
      zero: () => new Complex(0, 0),
      add: (x, y) => new Complex((x as Complex).re + (y as Complex).re, (x as Complex).im + (y as Complex).im),
      scale: (s, x) => new Complex(s * (x as Complex).re, s * (x as Complex).im),
      dot: (x, y) => (x as Complex).re * (y as Complex).re + (x as Complex).im * (y as Complex).im,
      size: () => 2,
      write: () => undefined,
      read: () => new Complex(0, 0)
    })
    const conj = Lens.make<Complex, Complex>({ forward: (z) => new Complex(z.re, -z.im), backward: (_z, d) => new Complex(d.re, -d.im) })
    const twice = (space?: VectorSpace.VectorSpace<unknown>) =>
      Direct.lens<Complex, readonly [Complex, Complex]>(
        function* twice(z) {
          return [yield* Direct.apply(conj, z), yield* Direct.apply(conj, z)] as const
        },
        space === undefined ? {} : { space }
      )
    const z = new Complex(1, 2)
    expect(Lens.backPropagateConst(twice(C), [new Complex(1, 1), new Complex(2, 3)], z)).toEqual(new Complex(3, -4))
    expect(messageOf(() => Lens.backPropagateConst(twice(), [new Complex(1, 1), new Complex(2, 3)], z))).toBe(
      'RangeError: Direct.lens(twice): backward pass of step 0: cannot add the cotangents of a variable used more than once (VectorSpace.infer: no vector space for a Complex at (root)); give the program its VectorSpace with the space option'
    )
  })

  it('runners nested inside a program work on values', () => {
    const inner = Direct.lens(function* inner(x: V) { return yield* Direct.exp(x) })
    const program = Direct.lens(function* nestedRunners(x: V) {
      const slope = Lens.backPropagateConst(inner, 1, Direct.value(x))
      const y = yield* Direct.apply(inner, x)
      return yield* Direct.mul(y, Lens.evaluate(inner, slope))
    })
    expect(Lens.valueAndGrad(program, 0.5)).toEqual([Math.exp(0.5) * Math.exp(Math.exp(0.5)), Math.exp(0.5) * Math.exp(Math.exp(0.5))])
  })
})

describe('higher order: Lens.reverse and Lens.grad of programs, built from each run trace', () => {
  // A loop whose trip count depends on x, with reuse of x in every trip.
  const loop = Direct.lens(function* loop(x: V) {
    let y = x
    while (Direct.value(y) > 0.5) y = yield* Direct.mul(yield* Direct.sin(y), x)
    return yield* Direct.add(yield* Direct.square(y), yield* Direct.tanh(x))
  })
  const fdOf = (f: (x: number) => number, x: number, h = 1e-5): number => (f(x + h) - f(x - h)) / (2 * h)

  it('Lens.reverse(program) evaluates to the first-order backward pass', () => {
    for (const [x, db] of [[0.9, 1], [0.7, -2]] as const) {
      expect(Lens.evaluate(Lens.reverse(loop), [x, db])).toBe(Lens.backPropagateConst(loop, db, x))
    }
  })

  it('Lens.grad(Lens.grad(program)) is the second derivative, on each piece of constant trip count', () => {
    const d1 = Lens.grad(loop)
    const d2 = Lens.grad(d1)
    for (const x of [0.9, 0.95, 0.7, 0.3]) {
      expect(Lens.evaluate(d1, x)).toBe(Lens.backPropagateConst(loop, 1, x))
      const fd = fdOf((t) => Lens.backPropagateConst(loop, 1, t), x)
      expect(Math.abs(Lens.evaluate(d2, x) - fd)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd)))
    }
    // Third order too: the reverse of a reverse program is a program.
    const d3 = Lens.grad(d2)
    const fd3 = fdOf((t) => Lens.evaluate(d2, t), 0.9)
    expect(Math.abs(Lens.evaluate(d3, 0.9) - fd3)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(fd3)))
  })

  it('recursion through Direct.fn', () => {
    const halveSin = Direct.fn(function* halveSinStep(x: V): Generator<Direct.Request, V, unknown> {
      return Direct.value(x) > 1 ? yield* halveSin(yield* Direct.sin(yield* Direct.mul(x, 0.5))) : yield* Direct.exp(x)
    })
    const program = Direct.lens(function* (x: V) { return yield* halveSin(x) })
    const d2 = Lens.grad(Lens.grad(program))
    const fd = fdOf((t) => Lens.backPropagateConst(program, 1, t), 3)
    expect(Math.abs(Lens.evaluate(d2, 3) - fd)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd)))
  })

  it('a primitive without a backward pass as a lens is differentiable once only, and says so', () => {
    const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
    const program = Direct.lens(function* usesCube(x: V) { return yield* Direct.apply(cube, x) })
    expect(Lens.evaluate(Lens.grad(program), 2)).toBe(12)
    expect(messageOf(() => Lens.evaluate(Lens.grad(Lens.grad(program)), 2))).toBe(
      'TypeError: Direct.lens(reverse(usesCube)): Lens.reverse: a primitive has a backward pass written as a plain function, so it is differentiable once only; give its backward pass as a lens too: Lens.make({ forward, backward, reverse }), where reverse: Lens<[a, db], da>'
    )
  })
})

describe('programs as learners', () => {
  it('a direct-style MLP trains with Train.fit exactly as Layer.mlp does', () => {
    const xs = Tensor.randomUniform([64, 2], { seed: 1, low: -1, high: 1 })
    const ys = Tensor.make([64], Array.from({ length: 64 }, (_, i) => ((xs.data[2 * i] as number) * (xs.data[2 * i + 1] as number) > 0 ? 1 : 0)))
    const { model, init } = Layer.mlp([2, 16, 2], { activation: 'tanh' })
    const direct = Direct.lens<readonly [Layer.MlpParams, Tensor.Tensor], Tensor.Tensor>(function* mlp([{ layers }, x]) {
      let h = x
      for (let i = 0; i < layers.length; i++) {
        const { W, b } = layers[i] as { readonly W: T; readonly b: T }
        h = yield* Direct.add(yield* Direct.apply(ops.matmul, [h, W]), b)
        if (i < layers.length - 1) h = yield* Direct.tanh(h)
      }
      return h
    })
    const run = (m: typeof model) =>
      Train.fit({ model: m, loss: ops.softmaxCrossEntropy, optimizer: Optimizer.adam({ lr: 0.03 }), params: init(3), data: { inputs: xs, targets: ys }, batchSize: 16, seed: 4, epochs: 3 })
    const a = run(model)
    const b = run(direct)
    expect(b.history.map((r) => r.loss)).toEqual(a.history.map((r) => r.loss))
    expect(b.params.layers[0]?.W.data).toEqual(a.params.layers[0]?.W.data)
    expect((b.history[2]?.loss as number) < (b.history[0]?.loss as number)).toBe(true)
  })
})
