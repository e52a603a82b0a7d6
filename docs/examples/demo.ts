/**
 * The demo behind `npm run demo`: the example of the Python gist the project began from
 * ("Back propagation combinators with Python"), then one whose operations do not commute,
 * so the order `pipe` runs them in shows.
 */
import { Lens, Scalar } from '../../src/index.js'

// The Python gist's example: F = pipe(Square, Exp, Square) at 0.5.
const gist = Lens.pipe(Scalar.square, Scalar.exp, Scalar.square)
console.log("the Python gist's example: pipe(square, exp, square) at 0.5")
console.log('  value    ', Lens.evaluate(gist, 0.5))
console.log('  gradient ', Lens.backPropagateConst(gist, 1, 0.5))

// Order matters: pipe(square, sin) is sin(x²), not sin(x)².
const sinOfSquare = Lens.pipe(Scalar.square, Scalar.sin)
const squareOfSin = Lens.pipe(Scalar.sin, Scalar.square)
console.log('order: pipe runs its first lens first')
console.log('  pipe(square, sin) at 1   = sin(1²) =', Lens.evaluate(sinOfSquare, 1), ' d/dx = 2x·cos(x²) =', Lens.backPropagateConst(sinOfSquare, 1, 1))
console.log('  pipe(sin, square) at 1   = sin(1)² =', Lens.evaluate(squareOfSin, 1), ' d/dx = 2·sin(x)·cos(x) =', Lens.backPropagateConst(squareOfSin, 1, 1))
