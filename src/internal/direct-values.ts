/**
 * Structures of variables (taking values apart into variables, gathering them back, the
 * errors for what is not a variable) and cotangents (sums, zeros, accumulation into cells).
 *
 * @internal
 * @module internal/direct-values
 */
import * as VS from '../VectorSpace.js'
import { CONSTANT, TRACED, Var, variable, type Run } from './direct-model.js'
import { describe } from './guards.js'
import { Tensor } from './tensor.js'

// -------------------------------------------------------------------------------------
// structures of variables
// -------------------------------------------------------------------------------------

/** @internal A plain record (not an array, not a class instance): taken apart into variables. */
export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (u === null || typeof u !== 'object' || Array.isArray(u)) return false
  const proto = Object.getPrototypeOf(u) as unknown
  return proto === Object.prototype || proto === null
}

/** @internal A value as variables of `run` (`null`: constants). */
export const toVars = (run: Run | null, y: unknown): unknown => {
  if (typeof y === 'number' || y instanceof Tensor) return variable(run, y)
  if (Array.isArray(y)) {
    const out = new Array<unknown>(y.length)
    for (let i = 0; i < y.length; i++) out[i] = toVars(run, y[i])
    return out
  }
  if (isRecord(y)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(y)) out[k] = toVars(run, y[k])
    return out
  }
  return variable(run, y)
}

/** @internal A variable `run` may use (`run === null`: any run's, as `Direct.value` reads them). */
export const usable = (run: Run | null, u: Var): boolean => (u.run !== null && (run === null || u.run === run)) || u.kind === CONSTANT

/** @internal Where in a structure the first thing that is not a usable variable sits (`''`: the root; null: nowhere). */
export const badPath = (run: Run | null, u: unknown): string | null => {
  if (u instanceof Var) return usable(run, u) ? null : ''
  if (Array.isArray(u)) {
    for (let i = 0; i < u.length; i++) {
      const p = badPath(run, u[i])
      if (p !== null) return `[${i}]${p}`
    }
    return null
  }
  if (isRecord(u)) {
    for (const k of Object.keys(u)) {
      const p = badPath(run, u[k])
      if (p !== null) return `.${k}${p}`
    }
    return null
  }
  return ''
}

/** @internal The part of `u` at a path printed by `badPath` (`[1].W`). */
export const at = (path: string, u: unknown): unknown => {
  let v = u
  for (const m of path.matchAll(/\[(\d+)\]|\.([^.[]+)/g)) {
    v = m[1] !== undefined ? (v as ReadonlyArray<unknown>)[Number(m[1])] : (v as Record<string, unknown>)[m[2] as string]
  }
  return v
}

/** @internal The error for a structure that is not made of variables `run` may use. */
export const notVariables = (op: string, what: string, run: Run | null, u: unknown): TypeError => {
  const path = badPath(run, u) ?? ''
  const where = path === '' ? what : `${what} at ${path}`
  const bad = at(path, u)
  if (bad instanceof Var) {
    if (bad.kind <= TRACED) return new TypeError(`${op}: ${where} is a request that has not run (write yield* before Direct.apply)`)
    return new TypeError(`${op}: ${where} is a variable of another run (a variable lives for one run of its program; pass values in through the program's input)`)
  }
  return new TypeError(`${op}: ${where} is ${describe(bad)}, not a variable (make constants with Direct.constant)`)
}

/** @internal The values of a structure of variables `run` may use, or an error naming `op` and `what`. */
export const gather = (op: string, what: string, run: Run | null, u: unknown): unknown => {
  if (u instanceof Var && usable(run, u)) return u.primal
  return gatherSlow(op, what, run, u, u)
}

const gatherSlow = (op: string, what: string, run: Run | null, u: unknown, root: unknown): unknown => {
  if (u instanceof Var) {
    if (usable(run, u)) return u.primal
    throw notVariables(op, what, run, root)
  }
  if (Array.isArray(u)) {
    const out = new Array<unknown>(u.length)
    for (let i = 0; i < u.length; i++) out[i] = gatherSlow(op, what, run, u[i], root)
    return out
  }
  if (isRecord(u)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(u)) out[k] = gatherSlow(op, what, run, u[k], root)
    return out
  }
  throw notVariables(op, what, run, root)
}

/** @internal The same structure with every variable replaced by a constant holding its value. */
export const constants = (op: string, u: unknown): unknown => {
  if (u instanceof Var && usable(null, u)) return u.kind === CONSTANT ? u : variable(null, u.primal)
  if (Array.isArray(u)) return u.map((v) => constants(op, v))
  if (isRecord(u)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(u)) out[k] = constants(op, u[k])
    return out
  }
  throw notVariables(op, 'the argument', null, u)
}

// -------------------------------------------------------------------------------------
// cotangents
// -------------------------------------------------------------------------------------

/** @internal What `cotangentOf` answers for a step whose output received nothing (the step is skipped). */
export const NONE: unique symbol = Symbol('backprop-lens/no-cotangent')

/** @internal An error's message. */
export const why = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** @internal The sum of two cotangents of one variable: numbers directly, else the program's space or the inferred one. */
export const sum = (run: Run, a: unknown, b: unknown): unknown => {
  if (typeof a === 'number' && typeof b === 'number') return a + b
  const space = run.def.space
  try {
    if (space !== undefined) return space.add(a, b)
    if (typeof a === 'number' || typeof b === 'number') throw new TypeError(`${describe(a)} and ${describe(b)}`)
    if (a instanceof Tensor) return VS.tensor.add(a, b as Tensor)
    return VS.infer(a).add(a, b)
  } catch (e) {
    throw new RangeError(`cannot add the cotangents of a variable used more than once (${why(e)}); give the program its VectorSpace with the space option`, { cause: e })
  }
}

/** @internal The zero cotangent of a variable's value: 0 for numbers, else the program's space or the inferred one. */
export const zeroOf = (run: Run, v: Var): unknown => {
  const value = v.primal
  if (typeof value === 'number') return 0
  const space = run.def.space
  try {
    if (space !== undefined) return space.zero(value)
    if (value instanceof Tensor) return VS.tensor.zero(value)
    return VS.infer(value).zero(value)
  } catch (e) {
    throw new TypeError(`cannot make a zero cotangent for a variable holding ${describe(value)} (${why(e)}); give the program its VectorSpace with the space option`, { cause: e })
  }
}

/** @internal Adds `d` to the cells of the variables `u` (a structure matching `d`); constants drop theirs. */
export const accumulate = (run: Run, u: unknown, d: unknown): void => {
  if (u instanceof Var) {
    if (u.run !== run) return
    if (u.epoch !== run.epoch) {
      u.d = d
      u.epoch = run.epoch
    } else u.d = sum(run, u.d, d)
    return
  }
  if (Array.isArray(u)) {
    if (!Array.isArray(d) || d.length !== u.length) {
      throw new TypeError(`the cotangent (${describe(d)}) does not match the structure of the input (an array of length ${u.length})`)
    }
    for (let i = 0; i < u.length; i++) accumulate(run, u[i], d[i])
    return
  }
  const record = u as Readonly<Record<string, unknown>>
  if (d === null || typeof d !== 'object') {
    throw new TypeError(`the cotangent (${describe(d)}) does not match the structure of the input (a record)`)
  }
  const dr = d as Readonly<Record<string, unknown>>
  for (const k of Object.keys(record)) {
    if (!(k in dr)) throw new TypeError(`the cotangent has no field '${k}' of the input`)
    accumulate(run, record[k], dr[k])
  }
}

/** @internal Whether some variable of `u` received a cotangent in the current backward pass. */
export const reached = (run: Run, u: unknown): boolean => {
  if (u instanceof Var) return u.epoch === run.epoch && u.run === run
  if (Array.isArray(u)) return u.some((v) => reached(run, v))
  if (isRecord(u)) return Object.keys(u).some((k) => reached(run, u[k]))
  return false
}

/** @internal The cotangent of a structure of variables, zeros where none was received. */
export const fill = (run: Run, u: unknown): unknown => {
  if (u instanceof Var) return u.epoch === run.epoch && u.run === run ? u.d : zeroOf(run, u)
  if (Array.isArray(u)) return u.map((v) => fill(run, v))
  const out: Record<string, unknown> = {}
  const record = u as Readonly<Record<string, unknown>>
  for (const k of Object.keys(record)) out[k] = fill(run, record[k])
  return out
}

/** @internal The cotangent of a step's output, or NONE when no part of it received one (the step is skipped). */
export const cotangentOf = (run: Run, u: unknown): unknown => {
  if (u instanceof Var) return u.epoch === run.epoch ? u.d : NONE
  return reached(run, u) ? fill(run, u) : NONE
}

/** @internal Rewraps an error with where it happened, keeping its class and cause. */
export const rewrap = (where: string, e: unknown): Error => {
  const message = `${where}: ${why(e)}`
  if (e instanceof RangeError) return new RangeError(message, { cause: e })
  if (e instanceof TypeError) return new TypeError(message, { cause: e })
  return new Error(message, { cause: e })
}
