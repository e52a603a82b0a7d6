/**
 * The model-file format's machinery behind `Codec`: a tensor as `{ shape, data }` read and
 * checked, parameters decoded against a template and encoded, and written as text, each as
 * one walk of `internal/tree` (any depth; cycles named). Paths in messages are the library's
 * (`layers[0].W`, `(root)`); an io-ts context's path prefixes them.
 *
 * @internal
 * @module internal/json
 */
import { zeros } from '../kernels/index.js'
import type * as t from 'io-ts'
import * as io from 'io-ts'
import { describe, showShape } from './guards.js'
import { Tensor, sameShape, unsafeFromData, type Shape } from './tensor.js'
import * as Tree from './tree.js'

// -------------------------------------------------------------------------------------
// paths and messages
// -------------------------------------------------------------------------------------

/** The keys of a context after the root's: an entry under an array is an index. */
const contextKeys = (c: t.Context): Array<Tree.Key> => {
  const keys: Array<Tree.Key> = []
  for (let i = 1; i < c.length; i++) {
    const key = (c[i] as t.ContextEntry).key
    keys.push(Array.isArray((c[i - 1] as t.ContextEntry).actual) && /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : key)
  }
  return keys
}

/** @internal The path of a context, as every message of the library prints paths: `layers[0].W`, `(root)`. */
export const pathOf = (c: t.Context): string => Tree.showPath(contextKeys(c))

/** @internal The path of a context as a prefix that paths below it continue (`''` for the root). */
export const prefixOf = (c: t.Context): string => (c.length <= 1 ? '' : pathOf(c))

/** @internal Whether `u` is an object that is not an array (what JSON records parse to). */
export const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u)

/** @internal Whether `o` has the own property `k`. */
export const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** @internal `1 number`, `2 numbers`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

// -------------------------------------------------------------------------------------
// tensors
// -------------------------------------------------------------------------------------

/** @internal A problem of a value: a message to follow its path, or a field it should not have. */
export type Problem = string | { readonly unexpected: string }

/**
 * @internal Reads `{ shape, data }` (and checks the shape against `expected`, when given) into a fresh
 * tensor, or gives its problems. A tensor has no other fields.
 */
export const readTensor = (u: unknown, expected: Shape | null): Tensor | Array<Problem> => {
  if (!isObject(u) || !has(u, 'shape') || !has(u, 'data')) {
    return [`expected a tensor { shape, data }, got ${isObject(u) ? `an object with fields ${Object.keys(u).join(', ') || '(none)'}` : describe(u)}`]
  }
  const extra = Object.keys(u).filter((k) => k !== 'shape' && k !== 'data')
  const problems: Array<Problem> = []
  const shape = u.shape
  const data = u.data
  const dims = shapeProblem(shape, expected, problems)
  if (dims !== null) {
    if (!Array.isArray(data)) problems.push(`data is ${describe(data)}, expected an array of numbers`)
    else {
      const size = dims.reduce((a, d) => a * d, 1)
      if (data.length !== size) problems.push(`data has ${plural(data.length, 'number')}, shape ${showShape(dims)} needs ${size}`)
      else {
        const out = zeros(size)
        let bad = -1
        let badCount = 0
        for (let i = 0; i < size; i++) {
          const x: unknown = data[i]
          if (typeof x === 'number' && x - x === 0) out[i] = x
          else if (badCount++ === 0) bad = i
        }
        if (bad >= 0) {
          const more = badCount > 1 ? ` (and ${plural(badCount - 1, 'more bad value')})` : ''
          problems.push(`data[${bad}] is ${describe(data[bad])}, expected a finite number${more}`)
        } else if (extra.length === 0) return unsafeFromData(Object.freeze(dims.slice()), out)
      }
    }
  }
  for (const k of extra) problems.push({ unexpected: k })
  return problems
}

/** The dimensions of a shape, or `null` after adding what is wrong with it to `problems`. */
const shapeProblem = (shape: unknown, expected: Shape | null, problems: Array<Problem>): ReadonlyArray<number> | null => {
  if (!Array.isArray(shape)) {
    problems.push(`shape is ${describe(shape)}, expected an array of integers >= 0`)
    return null
  }
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i]
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      problems.push(`shape[${i}] is ${describe(d)}, expected an integer >= 0`)
      return null
    }
  }
  const dims = shape as ReadonlyArray<number>
  if (expected !== null && !sameShape(expected, dims)) {
    problems.push(`expected shape ${showShape(expected)}, got ${showShape(dims)}`)
    return null
  }
  return dims
}

/** @internal A problem as a message naming the path (as records name an unexpected field). */
export const message = (path: string, problem: Problem): string =>
  typeof problem === 'string' ? `${path}: ${problem}` : `unexpected field '${problem.unexpected}' at ${path}`

/** @internal Validates `{ shape, data }` into a tensor, as an io-ts validation. */
export const validateTensor = (u: unknown, c: t.Context, expected: Shape | null): t.Validation<Tensor> => {
  const path = pathOf(c)
  const r = readTensor(u, expected)
  return r instanceof Tensor ? io.success(r) : io.failures(r.map((p) => ({ value: u, context: c, message: message(path, p) })))
}

/** @internal A tensor as JSON: its shape and its data as arrays. */
export const encodeTensor = (x: Tensor): { readonly shape: Array<number>; readonly data: Array<number> } => ({ shape: x.shape.slice(), data: Array.from(x.data) })

// -------------------------------------------------------------------------------------
// parameter structures
// -------------------------------------------------------------------------------------

type Container = Array<unknown> | Record<string, unknown>

/** @internal Checks a template (or parameters to save): numbers, tensors, arrays and plain records, a tree. */
export const checkTemplate = (op: string, template: unknown): void => {
  const what = op === 'Codec.saveParams' ? 'the parameters hold' : 'the template holds'
  Tree.forEach(
    template,
    (u, kind, cursor) => {
      if (kind === Tree.OTHER) throw new TypeError(`${op}: ${what} ${describe(u)} at ${cursor.show()}; expected tensors, numbers, tuples and records`)
    },
    (path) =>
      new TypeError(`${op}: ${op === 'Codec.saveParams' ? 'the parameters contain' : 'the template contains'} itself at ${path} (a cycle); expected a tree`)
  )
}

const unreachable = (): Error => new Error('Codec: a checked template has no cycle')

/** @internal The parameters as JSON values: tensors as `{ shape, data }` (a walk of the template). */
export const encodeParams = (template: unknown, x: unknown): unknown => {
  const result: Array<unknown> = [undefined]
  Tree.walk(template, x, result, undefined, {
    enter: (tp, u, out, _d, cursor) => {
      const key = cursor.key ?? 0
      const kind = Tree.kindOf(tp)
      if (kind === Tree.NUMBER) Tree.put(out as Container, key, u)
      else if (kind === Tree.TENSOR) Tree.put(out as Container, key, encodeTensor(u as Tensor))
      else {
        const made = Tree.emptyLike(tp, kind as typeof Tree.ARRAY | typeof Tree.RECORD)
        Tree.put(out as Container, key, made)
        pushBoth(tp, kind, u, made, cursor)
        return tp as object
      }
      return undefined
    },
    cycle: unreachable
  })
  return result[0]
}

/** Pushes the children of a template container with those of `u` beside them (and `out`). */
const pushBoth = (tp: unknown, kind: Tree.Kind, u: unknown, out: unknown, cursor: Tree.Cursor): void => {
  if (kind === Tree.ARRAY) {
    const xs = tp as ReadonlyArray<unknown>
    const us = u as ReadonlyArray<unknown>
    for (let i = xs.length - 1; i >= 0; i--) cursor.push(i, xs[i], us[i], out)
  } else {
    const r = tp as Readonly<Record<string, unknown>>
    const keys = Object.keys(r)
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string
      cursor.push(k, r[k], (u as Record<string, unknown>)[k], out)
    }
  }
}

/** @internal Whether `u` has the structure and shapes of the template (and only finite numbers). */
export const fits = (template: unknown, u: unknown): boolean => {
  let ok = true
  Tree.walk(template, u, undefined, undefined, {
    enter: (tp, x, _c, _d, cursor) => {
      const kind = Tree.kindOf(tp)
      if (kind === Tree.NUMBER) ok = typeof x === 'number' && Number.isFinite(x)
      else if (kind === Tree.TENSOR) ok = x instanceof Tensor && sameShape(x.shape, (tp as Tensor).shape)
      else if (kind === Tree.ARRAY) ok = Array.isArray(x) && x.length === (tp as ReadonlyArray<unknown>).length
      else {
        const keys = Object.keys(tp as object)
        ok = Tree.isRecord(x) && Object.keys(x).length === keys.length && keys.every((k) => has(x, k))
      }
      if (!ok) return Tree.STOP
      if (kind !== Tree.ARRAY && kind !== Tree.RECORD) return undefined
      pushBoth(tp, kind, x, undefined, cursor)
      return tp as object
    },
    cycle: unreachable
  })
  return ok
}

/** Marks a field a document lacks, in the walk of a record (its error comes at its turn). */
const MISSING: object = Object.freeze({})

/**
 * @internal Decodes a JSON value against a template, with one walk of both: every problem is collected
 * (each naming its path; `prefix` is the path of an enclosing io-ts context), and the fresh
 * value is built on the way.
 */
export const decodeParams = (template: unknown, u: unknown, c: t.Context): t.Validation<unknown> => {
  const prefix = prefixOf(c)
  const errors: Array<t.ValidationError> = []
  const problem = (value: unknown, text: string): void => {
    errors.push({ value, context: c, message: text })
  }
  const result: Array<unknown> = [undefined]
  Tree.walk(template, u, result, undefined, {
    enter: (tp, x, out, _d, cursor) => {
      const key = cursor.key ?? 0
      if (tp === MISSING) {
        // `x` is the record that lacks the field; the path is the record's.
        problem(x, `missing field '${String(key)}' at ${showParent(cursor, prefix)}`)
        return undefined
      }
      const kind = Tree.kindOf(tp)
      if (kind === Tree.NUMBER) {
        if (typeof x === 'number' && Number.isFinite(x)) Tree.put(out as Container, key, x)
        else problem(x, `${cursor.show(prefix)}: expected a finite number, got ${describe(x)}`)
        return undefined
      }
      if (kind === Tree.TENSOR) {
        const r = readTensor(x, (tp as Tensor).shape)
        if (r instanceof Tensor) Tree.put(out as Container, key, r)
        else for (const p of r) problem(x, message(cursor.show(prefix), p))
        return undefined
      }
      if (kind === Tree.ARRAY) {
        const items = tp as ReadonlyArray<unknown>
        if (!Array.isArray(x) || x.length !== items.length) {
          problem(x, `${cursor.show(prefix)}: expected a tuple of ${items.length} ${items.length === 1 ? 'entry' : 'entries'}, got ${describe(x)}`)
          return undefined
        }
        const made = new Array<unknown>(items.length)
        Tree.put(out as Container, key, made)
        for (let i = items.length - 1; i >= 0; i--) cursor.push(i, items[i], x[i], made)
        return items
      }
      const fields = tp as Readonly<Record<string, unknown>>
      const keys = Object.keys(fields)
      if (!isObject(x)) {
        problem(x, `${cursor.show(prefix)}: expected a record with fields ${keys.join(', ')}, got ${describe(x)}`)
        return undefined
      }
      const made = Tree.emptyLike(fields, Tree.RECORD, keys)
      Tree.put(out as Container, key, made)
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string
        if (has(x, k)) cursor.push(k, fields[k], x[k], made)
        else cursor.push(k, MISSING, x, made)
      }
      return fields
    },
    leave: (tp, x, _out, _d, cursor) => {
      // Fields the template does not have, after the problems of the fields it has.
      if (Tree.kindOf(tp) !== Tree.RECORD) return
      for (const k of Object.keys(x as object)) {
        if (!has(tp as object, k)) problem(x, `unexpected field '${k}' at ${cursor.show(prefix)}`)
      }
    },
    cycle: unreachable
  })
  return errors.length > 0 ? io.failures(errors) : io.success(result[0])
}

/** The path of the parent of the node at `cursor`. */
const showParent = (cursor: Tree.Cursor, prefix: string): string => {
  const keys = cursor.keys()
  keys.pop()
  return Tree.showPath(keys, prefix)
}

/** @internal The io-ts name of a template's codec: `Record(W, b)`, `Tuple(2)`, `Tensor[3]`, `FiniteNumber`. */
export const nameOf = (template: unknown): string => {
  const kind = Tree.kindOf(template)
  if (kind === Tree.NUMBER) return 'FiniteNumber'
  if (kind === Tree.TENSOR) return `Tensor${showShape((template as Tensor).shape)}`
  if (kind === Tree.ARRAY) return `Tuple(${(template as ReadonlyArray<unknown>).length})`
  return `Record(${Object.keys(template as object).join(', ')})`
}

// -------------------------------------------------------------------------------------
// text
// -------------------------------------------------------------------------------------

/** `JSON.stringify` of a finite number, but `-0` stays `-0`. */
const num = (x: number): string => (Object.is(x, -0) ? '-0' : JSON.stringify(x))

/** Numbers as a JSON array on one line. */
const numbers = (xs: ArrayLike<number>): string => {
  const parts = new Array<string>(xs.length)
  for (let i = 0; i < xs.length; i++) parts[i] = num(xs[i] as number)
  return `[${parts.join(', ')}]`
}

/**
 * Containers are indented down to this depth; deeper ones are written on one line (indenting
 * a structure nested a million deep would take a million² spaces).
 */
const MAX_INDENT = 20

const notFinite = (path: string, x: number): RangeError => new RangeError(`Codec.saveParams: ${path} is ${x}; only finite numbers can be saved`)

/**
 * @internal The JSON text of parameters, in one walk that also checks them: arrays of numbers and
 * tensors (`{ "shape": …, "data": … }`) on one line, other containers one entry per line,
 * indented by two spaces a level down to depth {@link MAX_INDENT}.
 */
export const write = (params: unknown): string => {
  const out: Array<string> = []
  const what = 'Codec.saveParams: the parameters'
  // Lane b: whether the node is its parent's first entry.
  Tree.walk(params, true, undefined, undefined, {
    enter: (u, first, _c, _d, cursor) => {
      const depth = cursor.depth
      if (depth > 0) {
        const key = cursor.key as Tree.Key
        const compact = depth > MAX_INDENT
        out.push(first === true ? (compact ? '' : `\n${'  '.repeat(depth)}`) : compact ? ', ' : `,\n${'  '.repeat(depth)}`)
        if (typeof key === 'string') out.push(`${JSON.stringify(key)}: `)
      }
      const kind = Tree.kindOf(u)
      if (kind === Tree.NUMBER) {
        if (!Number.isFinite(u)) throw notFinite(cursor.show(), u as number)
        out.push(num(u as number))
        return undefined
      }
      if (kind === Tree.TENSOR) {
        const x = u as Tensor
        for (let i = 0; i < x.size; i++) {
          const v = x.data[i] as number
          if (v - v !== 0) throw notFinite(`${cursor.show()}.data[${i}]`, v)
        }
        out.push(`{ "shape": ${numbers(x.shape)}, "data": ${numbers(x.data)} }`)
        return undefined
      }
      if (kind === Tree.ARRAY) {
        const xs = u as ReadonlyArray<unknown>
        if (xs.every((x) => typeof x === 'number')) {
          for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) throw notFinite(cursor.showChild(i), xs[i] as number)
          out.push(numbers(xs as ReadonlyArray<number>))
          return undefined
        }
        out.push('[')
        for (let i = xs.length - 1; i >= 0; i--) cursor.push(i, xs[i], i === 0)
        return xs
      }
      if (kind === Tree.RECORD) {
        const r = u as Readonly<Record<string, unknown>>
        const keys = Object.keys(r)
        if (keys.length === 0) {
          out.push('{}')
          return undefined
        }
        out.push('{')
        for (let i = keys.length - 1; i >= 0; i--) cursor.push(keys[i] as string, r[keys[i] as string], i === 0)
        return r
      }
      throw new TypeError(`${what} hold ${describe(u)} at ${cursor.show()}; expected tensors, numbers, tuples and records`)
    },
    leave: (u, _first, _c, _d, cursor) => {
      const close = Array.isArray(u) ? ']' : '}'
      out.push(cursor.depth >= MAX_INDENT ? close : `\n${'  '.repeat(cursor.depth)}${close}`)
    },
    cycle: (path) => new TypeError(`${what} contain themselves at ${path} (a cycle); only trees can be saved`)
  })
  return out.join('')
}
