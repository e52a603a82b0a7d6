/**
 * Higher-order derivatives: Lens.reverse, grad, jvp, hvp, hessian, jacobian (src/Reverse.ts),
 * on numbers, pairs, compositions, products and learners; the error for first-order-only
 * primitives. The tensor ops' second derivatives are tested with the ops (test/ops/).
 */
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Cont, Lens, Para, Scalar, Tensor } from '../src/index.js'
import { GradientLaws, doubleIn, fd } from '../laws/index.js'

type L = Lens.Lens<number, number>

/** Random differentiable scalar programs: Scalar primitives under pipe, fanout + mul/add/sub, split. */
const smooth: fc.Arbitrary<L> = (() => {
  const leaf = fc.oneof(
    fc.constantFrom<L>(
      Scalar.sin,
      Scalar.cos,
      Scalar.tanh,
      Scalar.sigmoid,
      Scalar.neg,
      Lens.pipe(Scalar.tanh, Scalar.square),
      Lens.pipe(Scalar.sin, Scalar.exp),
      Lens.pipe(Scalar.square, Scalar.shift(1), Scalar.log),
      Lens.pipe(Scalar.square, Scalar.shift(1), Scalar.sqrt),
      Lens.pipe(Scalar.tanh, Scalar.pow(3)),
      Lens.pipe(Scalar.square, Scalar.shift(2), Lens.fanout(Scalar.sin, Lens.id<number>()), Scalar.div)
    ),
    fc.integer({ min: -8, max: 8 }).map((k) => Scalar.scale(k / 8)),
    fc.integer({ min: -8, max: 8 }).map((k) => Scalar.shift(k / 8))
  )
  const { tree } = fc.letrec<{ tree: L; node: L }>((tie) => ({
    tree: fc.oneof({ maxDepth: 3, depthIdentifier: 'smooth' }, leaf, tie('node')),
    node: fc.oneof(
      fc.tuple(tie('tree'), tie('tree')).map(([f, g]) => Lens.pipe(f, g)),
      fc.tuple(tie('tree'), tie('tree')).map(([f, g]) => Lens.pipe(Lens.fanout(f, g), Scalar.mul)),
      fc.tuple(tie('tree'), tie('tree')).map(([f, g]) => Lens.pipe(Lens.fanout(f, g), Scalar.add)),
      fc.tuple(tie('tree'), tie('tree')).map(([f, g]) => Lens.pipe(Lens.dup<number>(), Lens.split(f, g), Lens.swap<number, number>(), Scalar.sub))
    )
  }))
  return tree
})()

const x = doubleIn(-2, 2)

describe('Lens.reverse', () => {
  it('evaluates to backPropagateConst exactly (it runs the same first-order tape)', () => {
    fc.assert(
      fc.property(smooth, x, x, (f, a, db) => Object.is(Lens.evaluate(Lens.reverse(f), [a, db]), Lens.backPropagateConst(f, db, a))),
      { numRuns: 300 }
    )
  })

  it('is differentiable again: reverse(f) passes the finite-difference gradient check (second order)', () => {
    fc.assert(
      fc.property(smooth, (f) => {
        GradientLaws.checkGradient(fd, { lens: fc.constant(Lens.reverse(f)), input: fc.tuple(x, x) }, { numRuns: 5 })
      }),
      { numRuns: 60 }
    )
  })

  it('its own backward pass is linear in the cotangent argument: d/d(db) of R[f](a, db) is R[f](a, ·)', () => {
    // R[R[f]]([a, db], u)[1] = J·u, and ⟨J·u, w⟩ = ⟨u, R[f](a, w)⟩ for every w.
    fc.assert(
      fc.property(smooth, x, x, x, x, (f, a, db, u, w) => {
        const [, ju] = Lens.backPropagateConst(Lens.reverse(f), u, [a, db])
        const lhs = ju * w
        const rhs = u * Lens.backPropagateConst(f, w, a)
        return Math.abs(lhs - rhs) <= 1e-12 * (1 + Math.abs(lhs) + Math.abs(rhs))
      }),
      { numRuns: 300 }
    )
  })

  it('of products: split and fanout', () => {
    const f = Lens.split(Scalar.sin, Scalar.square)
    const r = Lens.reverse(f)
    expect(Lens.evaluate(r, [[1, 2], [10, 100]])).toEqual([10 * Math.cos(1), 400])
    // d/da of R[f]([a, c], [db, dc]) = [−sin(a)·db, 2·dc]; d/d[db, dc] = [cos(a), 2c]
    const [[da, dc], [ddb, ddc]] = Lens.backPropagateConst(r, [1, 1], [[1, 2], [10, 100]])
    expect([da, dc, ddb, ddc]).toEqual([-Math.sin(1) * 10, 200, Math.cos(1), 4])
    const reversed = Lens.reverse(Lens.pipe(Lens.fanout(Scalar.sin, Scalar.exp), Scalar.mul))
    GradientLaws.checkGradient(fd, { lens: fc.constant(reversed), input: fc.tuple(x, x) })
  })

  it('names a primitive that is differentiable once only, and its place', () => {
    const cube = Lens.make<number, number>({ name: 'cube', forward: (v) => v ** 3, backward: (v, dy) => 3 * v * v * dy })
    const anonymous = Lens.make<number, number>({ forward: (v) => v ** 3, backward: (v, dy) => 3 * v * v * dy })
    const once = (f: L): (() => unknown) => () => Lens.backPropagateConst(Lens.reverse(f), 1, [1, 1])
    expect(once(cube)).toThrow(
      'Lens.reverse: the primitive cube has a backward pass written as a plain function, so it is differentiable once only; give its backward pass as a lens too: Lens.make({ forward, backward, reverse }), where reverse: Lens<[a, db], da>'
    )
    expect(once(Lens.pipe(Scalar.sin, Lens.fanout(Scalar.cos, anonymous), Scalar.mul))).toThrow(
      'Lens.reverse: a primitive (the second branch of a fanout, in step 2 of 3 of a pipe) has a backward pass written as a plain function'
    )
    const raw: L = (next) => (v) => Cont.map(next(2 * v), (dy: number) => 2 * dy)
    expect(once(raw)).toThrow('Lens.reverse: the hand-written CPS lens raw is differentiable once only; write it with Lens.make({ forward, backward, reverse }) to differentiate it again')
    expect(once(Lens.pipe(Scalar.sin, (next) => raw(next)))).toThrow('Lens.reverse: a hand-written CPS lens (step 2 of 2 of a pipe) is differentiable once only')
    // First order still works, through every runner.
    expect(Lens.evaluate(Lens.reverse(cube), [2, 1])).toBe(12)
    expect(Lens.evaluate(Lens.reverse(raw), [2, 1])).toBe(2)
  })

  it('a primitive given its backward pass as a lens is differentiable to any order', () => {
    const cube = Lens.make<number, number>({
      forward: (v) => v ** 3,
      backward: (v, dy) => 3 * v * v * dy,
      reverse: Lens.pipe(Lens.first<number, number, number>(Lens.pipe(Scalar.square, Scalar.scale(3))), Scalar.mul)
    })
    const d = (f: L): L => Lens.grad(f)
    expect([Lens.evaluate(d(cube), 2), Lens.evaluate(d(d(cube)), 2), Lens.evaluate(d(d(d(cube))), 2), Lens.evaluate(d(d(d(d(cube)))), 2)]).toEqual([12, 12, 6, 0])
  })

  it('types: R[f] is a lens from [a, db] to da', () => {
    expectTypeOf(Lens.reverse(Scalar.mul)).toEqualTypeOf<Lens.Lens<readonly [readonly [number, number], number], readonly [number, number]>>()
    // @ts-expect-error reverse takes a lens
    const notALens = (): unknown => Lens.reverse(3)
    expect(notALens).toThrow('Lens.reverse: expected a lens, got 3')
  })
})

describe('Lens.grad', () => {
  it('grad(grad(sin)) is −sin, and grad(grad(grad(sin))) is −cos', () => {
    fc.assert(
      fc.property(x, (v) => {
        const d2 = Lens.evaluate(Lens.grad(Lens.grad(Scalar.sin)), v)
        const d3 = Lens.evaluate(Lens.grad(Lens.grad(Lens.grad(Scalar.sin))), v)
        return Math.abs(d2 + Math.sin(v)) <= 1e-15 && Math.abs(d3 + Math.cos(v)) <= 1e-15
      })
    )
  })

  it('evaluates to the gradient exactly, and its derivative passes the finite-difference check', () => {
    fc.assert(fc.property(smooth, x, (f, a) => Object.is(Lens.evaluate(Lens.grad(f), a), Lens.backPropagateConst(f, 1, a))), { numRuns: 300 })
    fc.assert(
      fc.property(smooth, (f) => {
        GradientLaws.checkGradient(fd, { lens: fc.constant(Lens.grad(f)), input: x }, { numRuns: 5 })
      }),
      { numRuns: 100 }
    )
  })

  it('of a rank-0 tensor output; a non-scalar output is an error', () => {
    const f = Lens.make<Tensor.Tensor, Tensor.Tensor>({
      forward: (t) => Tensor.scalar((t.data[0] as number) ** 2),
      backward: (t, dy) => Tensor.scalar(2 * (t.data[0] as number) * (dy.data[0] as number))
    })
    expect(Lens.evaluate(Lens.grad(f), Tensor.scalar(3)).data[0]).toBe(6)
    const g = Lens.make<Tensor.Tensor, Tensor.Tensor>({ forward: (t) => t, backward: (_t, dy) => dy })
    expect(() => Lens.evaluate(Lens.grad(g), Tensor.zeros([2]))).toThrow(
      'Lens.grad: expected a scalar output (a number or a rank-0 tensor), got a Tensor of shape [2]; for other outputs use Lens.reverse with an output cotangent'
    )
  })

  it('through learners: a Para model of Scalar primitives has second derivatives in its parameters', () => {
    // y = tanh(w2 · tanh(w1 · x)): learners made of Scalar.mul and activations
    const layer = Para.seq(Scalar.mul, Para.lift(Scalar.tanh))
    const model = Para.pipe(layer, layer)
    const loss = Lens.pipe(Para.at(model, [[0.7, []], [-1.3, []]] as const), Scalar.square)
    const g = (v: number): number => Lens.evaluate(Lens.grad(loss), v)
    const h = 1e-5
    expect(Lens.evaluate(Lens.grad(Lens.grad(loss)), 0.4)).toBeCloseTo((g(0.4 + h) - g(0.4 - h)) / (2 * h), 8)
    // …and in the parameters themselves
    const inParams = Lens.pipe(Para.reparam(model, Lens.id()), Scalar.square)
    const params = fc.tuple(fc.tuple(x, fc.constant([] as const)), fc.tuple(x, fc.constant([] as const)))
    GradientLaws.checkGradient(fd, { lens: fc.constant(Lens.grad(inParams)), input: fc.tuple(params, x) })
  })
})

describe('Lens.jvp, hvp, hessian and jacobian', () => {
  it('jvp is the directional derivative: ⟨jvp(f, a, u), w⟩ = ⟨u, vjp(f, a)(w)⟩, and its value is f(a)', () => {
    fc.assert(
      fc.property(smooth, x, x, x, (f, a, u, w) => {
        const [b, ju] = Lens.jvp(f, a, u)
        const lhs = ju * w
        const rhs = u * Lens.backPropagateConst(f, w, a)
        return Object.is(b, Lens.evaluate(f, a)) && Math.abs(lhs - rhs) <= 1e-12 * (1 + Math.abs(lhs) + Math.abs(rhs))
      }),
      { numRuns: 300 }
    )
  })

  const xy: Lens.Lens<readonly [number, number], number> = Lens.pipe(
    Lens.split(Scalar.sin, Lens.pipe(Scalar.square, Scalar.exp)),
    Scalar.mul
  ) // sin(x)·exp(y²)

  it('hvp of sin(x)·exp(y²) against the closed form, and symmetry ⟨u, H·w⟩ = ⟨w, H·u⟩', () => {
    const [a, b] = [0.3, -0.4]
    const e = Math.exp(b * b)
    const H = [
      [-Math.sin(a) * e, Math.cos(a) * 2 * b * e],
      [Math.cos(a) * 2 * b * e, Math.sin(a) * (2 + 4 * b * b) * e]
    ] as const
    const [h0, h1] = Lens.hvp(xy, [a, b], [1, 0])
    expect(h0).toBeCloseTo(H[0][0], 14)
    expect(h1).toBeCloseTo(H[1][0], 14)
    fc.assert(
      fc.property(fc.tuple(x, x), fc.tuple(x, x), fc.tuple(x, x), (p, u, w) => {
        const hw = Lens.hvp(xy, p, w)
        const hu = Lens.hvp(xy, p, u)
        const l = u[0] * hw[0] + u[1] * hw[1]
        const r = w[0] * hu[0] + w[1] * hu[1]
        return Math.abs(l - r) <= 1e-12 * (1 + Math.abs(l) + Math.abs(r))
      })
    )
  })

  it('hessian: a number for a number input; an [n, n] tensor for a pair, rows the hvps of the basis vectors', () => {
    expect(Lens.hessian(Scalar.sin, 0.5)).toBe(Lens.evaluate(Lens.grad(Lens.grad(Scalar.sin)), 0.5))
    const H = Lens.hessian(xy, [0.3, -0.4])
    expect(H.shape).toEqual([2, 2])
    expect(Array.from(H.data)).toEqual([...Lens.hvp(xy, [0.3, -0.4], [1, 0]), ...Lens.hvp(xy, [0.3, -0.4], [0, 1])])
    expect(() => Lens.hessian(xy, [0.3, -0.4], { maxEntries: 3 })).toThrow(
      'Lens.hessian: the result would have 4 entries (shape [2, 2]), more than maxEntries = 3; pass { maxEntries } to allow it, or use Lens.hvp for products with vectors'
    )
  })

  it('jacobian: [...out, ...in], rows the pullbacks of the output basis', () => {
    const f = Lens.fanout(Scalar.sin, Lens.pipe(Scalar.square, Scalar.scale(3)))
    const J = Lens.jacobian(f, 2) as Tensor.Tensor
    expect(J.shape).toEqual([2])
    expect(Array.from(J.data)).toEqual([Math.cos(2), 12])
    expect(Lens.jacobian(Scalar.exp, 0)).toBe(1)
    const J2 = Lens.jacobian(Scalar.mul, [2, 5]) as Tensor.Tensor
    expect(J2.shape).toEqual([2])
    expect(Array.from(J2.data)).toEqual([5, 2])
  })
})
