/**
 * The one seeded generator of the library: xoshiro128** (Blackman and Vigna, 2018), a small,
 * fast generator of 32-bit words with a period of 2¹²⁸ − 1, seeded from a 32-bit integer
 * through SplitMix32 (so nearby seeds give unrelated streams). Not cryptographic. Tensor's
 * random constructors and Gradcheck's random directions draw from it: the same seed always
 * gives the same numbers, on every platform.
 *
 * @internal
 * @module internal/random
 */
import { describe } from './guards.js'

/** @internal The 32-bit words of the generator for `seed` (its low 32 bits). */
export const words = (seed: number): (() => number) => {
  let x = seed | 0
  const splitmix = (): number => {
    x = (x + 0x9e3779b9) | 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let s0 = splitmix()
  let s1 = splitmix()
  let s2 = splitmix()
  let s3 = splitmix()
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1
  return () => {
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9)
    const t = s1 << 9
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 11)
    return r >>> 0
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k))

/** @internal Uniform doubles in [0, 1) with 53 random bits (two words each), for `seed`. */
export const uniforms = (seed: number): (() => number) => {
  const next = words(seed)
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992
}

/**
 * @internal Fills `out` with normal values of mean `mean` and standard deviation `std`, by
 * the Box–Muller transform: each pair of uniforms gives two values (cos and sin).
 */
export const fillNormal = (uniform: () => number, out: Float64Array, mean = 0, std = 1): Float64Array => {
  const n = out.length
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform())) // 1 − u ∈ (0, 1]: log is finite
    const theta = 2 * Math.PI * uniform()
    out[i] = mean + std * r * Math.cos(theta)
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(theta)
  }
  return out
}

/** @internal A seed given by a caller: any integer, or a `TypeError` naming `op`. */
export const checkSeed = (op: string, seed: unknown): number => {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(`${op}: expected an integer seed, got ${describe(seed)}`)
  return seed
}
