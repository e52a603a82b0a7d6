/**
 * Elementwise loops and sums in WebAssembly SIMD, float64, over arrays in this module's
 * memory (the host stages them; see `src/kernels/wasm/vector.ts`). Each computes exactly what
 * its JavaScript twin does, value for value: the arithmetic is IEEE-754 either way, the
 * selections (`relu`) pick the same operand, and the sums add in the same order except where
 * noted (`sumRuns`, which sums along contiguous memory in eight interleaved partial sums).
 *
 * @internal
 * @module kernels/assembly/vector
 */

/** Op codes, as in `src/kernels/elementwise.ts`. */
const ADD: i32 = 0
const SUB: i32 = 1
const MUL: i32 = 2

@inline function vop(op: i32, x: v128, y: v128): v128 {
  return op == ADD ? f64x2.add(x, y) : op == SUB ? f64x2.sub(x, y) : op == MUL ? f64x2.mul(x, y) : f64x2.div(x, y)
}

@inline function sop(op: i32, x: f64, y: f64): f64 {
  return op == ADD ? x + y : op == SUB ? x - y : op == MUL ? x * y : x / y
}

/**
 * `o[i] = a[i·sa] ∘ b[i·sb]` for `i < n`, strides 0 or 1 (an operand of stride 0 is a
 * scalar), with `op` a constant once inlined.
 */
@inline function loop(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): void {
  let i = 0
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) {
      const q = <usize>i << 3
      v128.store(o + q, vop(op, v128.load(a + q), v128.load(b + q)))
      v128.store(o + q, vop(op, v128.load(a + q, 16), v128.load(b + q, 16)), 16)
    }
  } else if (sa == 1) {
    const y = v128.load64_splat(b)
    for (; i + 4 <= n; i += 4) {
      const q = <usize>i << 3
      v128.store(o + q, vop(op, v128.load(a + q), y))
      v128.store(o + q, vop(op, v128.load(a + q, 16), y), 16)
    }
  } else if (sb == 1) {
    const x = v128.load64_splat(a)
    for (; i + 4 <= n; i += 4) {
      const q = <usize>i << 3
      v128.store(o + q, vop(op, x, v128.load(b + q)))
      v128.store(o + q, vop(op, x, v128.load(b + q, 16)), 16)
    }
  }
  for (; i < n; i++) {
    const q = <usize>i << 3
    store<f64>(o + q, sop(op, load<f64>(a + (sa == 1 ? q : 0)), load<f64>(b + (sb == 1 ? q : 0))))
  }
}

/** {@link loop} with the op chosen once, outside the loop. */
function binary1(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): void {
  if (op == ADD) loop(ADD, a, sa, b, sb, o, n)
  else if (op == SUB) loop(SUB, a, sa, b, sb, o, n)
  else if (op == MUL) loop(MUL, a, sa, b, sb, o, n)
  else loop(3, a, sa, b, sb, o, n)
}

/**
 * `o[r·w + j] = a[…] ∘ b[…]` over `rows` rows of width `w`: an operand with `row = 1` is one
 * row of `w` values repeated for every row (a bias), with `row = 0` it has `rows·w` values;
 * `rows = 1` and `w = n` is the plain elementwise case, and a width-1 row is a scalar.
 */
export function binary(op: i32, a: usize, aRow: i32, b: usize, bRow: i32, o: usize, rows: i32, w: i32): void {
  const rowBytes = <usize>w << 3
  if (w == 1 && rows > 1 && (aRow | bRow) != 0) {
    // a scalar against an array
    binary1(op, a, aRow != 0 ? 0 : 1, b, bRow != 0 ? 0 : 1, o, rows)
    return
  }
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes
    binary1(op, a + (aRow != 0 ? 0 : at), 1, b + (bRow != 0 ? 0 : at), 1, o + at, w)
  }
}

/** `o[i] = c·x[i] + d`, with the JavaScript twin's special cases (`d = 0`: `c·x`; `c = 1`: `x + d`). */
export function affine(x: usize, c: f64, d: f64, o: usize, n: i32): void {
  const vc = f64x2.splat(c)
  const vd = f64x2.splat(d)
  let i = 0
  if (d == 0) {
    for (; i + 2 <= n; i += 2) v128.store(o + (<usize>i << 3), f64x2.mul(vc, v128.load(x + (<usize>i << 3))))
    for (; i < n; i++) store<f64>(o + (<usize>i << 3), c * load<f64>(x + (<usize>i << 3)))
  } else if (c == 1) {
    for (; i + 2 <= n; i += 2) v128.store(o + (<usize>i << 3), f64x2.add(v128.load(x + (<usize>i << 3)), vd))
    for (; i < n; i++) store<f64>(o + (<usize>i << 3), load<f64>(x + (<usize>i << 3)) + d)
  } else {
    for (; i + 2 <= n; i += 2) v128.store(o + (<usize>i << 3), f64x2.add(f64x2.mul(vc, v128.load(x + (<usize>i << 3))), vd))
    for (; i < n; i++) store<f64>(o + (<usize>i << 3), c * load<f64>(x + (<usize>i << 3)) + d)
  }
}

/**
 * `o[i] = x[i] > 0 ? y[i] : 0`: `relu` with `y = x`, its backward pass with `y = dy`. (NaN and
 * −0 are not greater than 0, so they give +0, as in JavaScript.)
 */
export function relu(x: usize, y: usize, o: usize, n: i32): void {
  const zero = f64x2.splat(0)
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i << 3
    v128.store(o + q, v128.and(v128.load(y + q), f64x2.gt(v128.load(x + q), zero)))
    v128.store(o + q, v128.and(v128.load(y + q, 16), f64x2.gt(v128.load(x + q, 16), zero)), 16)
  }
  for (; i < n; i++) {
    const q = <usize>i << 3
    store<f64>(o + q, load<f64>(x + q) > 0 ? load<f64>(y + q) : 0)
  }
}

/**
 * Column sums: `o[g·w + j] = Σ_r x[(g·rows + r)·w + j]` over `rows` rows of width `w`, for each
 * of `outer` groups, from +0 adding row after row as the JavaScript loops do (so the results
 * are the same bit for bit), two f64x2 columns at a time.
 */
export function sumRows(x: usize, outer: i32, rows: i32, w: i32, o: usize): void {
  const zero = f64x2.splat(0)
  const rowBytes = <usize>w << 3
  for (let g = 0; g < outer; g++) {
    const og = o + <usize>g * rowBytes
    const xg = x + <usize>g * <usize>rows * rowBytes
    let j = 0
    for (; j + 4 <= w; j += 4) {
      const q = <usize>j << 3
      let s0 = zero
      let s1 = zero
      for (let r = 0; r < rows; r++) {
        const p = xg + <usize>r * rowBytes + q
        s0 = f64x2.add(s0, v128.load(p))
        s1 = f64x2.add(s1, v128.load(p, 16))
      }
      v128.store(og + q, s0)
      v128.store(og + q, s1, 16)
    }
    for (; j < w; j++) {
      const q = <usize>j << 3
      let s = 0.0
      for (let r = 0; r < rows; r++) s += load<f64>(xg + <usize>r * rowBytes + q)
      store<f64>(og + q, s)
    }
  }
}

/**
 * Sums of `runs` contiguous runs of `len` values: `o[r] = Σ_i x[r·len + i]`. Eight partial
 * sums (four f64x2 accumulators) hide the latency of the adds, so the order differs from the
 * JavaScript loop's left-to-right sum: the results agree to rounding, not bit for bit.
 */
export function sumRuns(x: usize, runs: i32, len: i32, o: usize): void {
  const zero = f64x2.splat(0)
  for (let r = 0; r < runs; r++) {
    const p = x + ((<usize>r * <usize>len) << 3)
    let s0 = zero
    let s1 = zero
    let s2 = zero
    let s3 = zero
    let i = 0
    for (; i + 8 <= len; i += 8) {
      const q = p + (<usize>i << 3)
      s0 = f64x2.add(s0, v128.load(q))
      s1 = f64x2.add(s1, v128.load(q, 16))
      s2 = f64x2.add(s2, v128.load(q, 32))
      s3 = f64x2.add(s3, v128.load(q, 48))
    }
    const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3))
    let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1)
    for (; i < len; i++) t += load<f64>(p + (<usize>i << 3))
    store<f64>(o + (<usize>r << 3), t)
  }
}
