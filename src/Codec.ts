/**
 * Model files: io-ts codecs for tensors and parameter structures (records and tuples of
 * tensors and numbers, nested) to and from JSON, with errors that name the path.
 *
 * The format is plain JSON: a tensor is `{ "shape": [3, 5], "data": [ …15 numbers… ] }`
 * (row-major, and no other field), a record an object, a tuple an array, a number a number.
 * Decoding is driven by a *template*, a value with the structure and shapes of the model the
 * file is loaded into, and validates everything before building anything: integer
 * non-negative dimensions, finite numbers, `data` length = product of `shape`, the
 * template's fields (no missing, no extra, in records and tensors alike), tuple lengths and
 * shapes. A document is either loaded completely or rejected with every problem listed, each
 * naming its path as every message of the library does (`layers[1].W: data has 12 numbers,
 * shape [3,5] needs 15`; `(root)` is the whole document); {@link loadParams} never throws
 * because of its text.
 *
 * Depth: templates, parameters and documents nested to any depth are handled (every walk
 * keeps its own stack, and `JSON.parse` is not recursive in Node), so the parameters of a
 * `Para` model nested a million deep save and load like any others; containers below depth
 * 20 are written on one line. A template or parameters that contain themselves (a cycle) are
 * a `TypeError` naming the path where the cycle closes.
 *
 * Round trips are bit-for-bit: JSON numbers written by JavaScript read back as the same
 * double (subnormals included), and {@link saveParams} writes `-0` as `-0` (which
 * `JSON.stringify` would turn into `0`). Non-finite values cannot be written: saving throws
 * an error naming their path.
 *
 * Files: {@link saveParamsFile} writes atomically (a temporary file in the same folder,
 * flushed to disk, then renamed over the target), so a crash mid-write leaves the old file,
 * and the next save of the path removes such leftovers once they are an hour old
 * ({@link DEFAULT_STALE_TEMP_AGE}); {@link loadParamsFile} checks the file's size against a
 * limit (64 MiB, {@link DEFAULT_MAX_BYTES}; option `maxBytes`) before reading it, then reads
 * and decodes, answering errors (a missing file included) as a `Left`. They need Node's
 * `fs/promises`, which they load on first use with a dynamic `import()` hidden from
 * bundlers: importing `backprop-lens` stays browser-safe, and only calling the file
 * functions outside Node fails (with a rejected promise).
 *
 * @module Codec
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import * as T from './Tensor.js'
import { describe, showShape } from './internal/guards.js'
import { unsafeFromData } from './internal/tensor.js'
import * as Tree from './internal/tree.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A tensor as JSON: its shape and its row-major data.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const json: Codec.TensorJSON = Codec.TensorJSON.encode(Tensor.fromNested([[1, 2, 3]]))
 * console.log(json) // { shape: [ 1, 3 ], data: [ 1, 2, 3 ] }
 *
 * @category model
 */
export interface TensorJSON {
  readonly shape: ReadonlyArray<number>
  readonly data: ReadonlyArray<number>
}

/**
 * A parameter structure as JSON: tensors, numbers, tuples (arrays) and records, nested.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const json: Codec.ParamsJSON = Codec.paramsCodec({ W: Tensor.zeros([1]), b: [0] }).encode({ W: Tensor.fromNested([2]), b: [3] })
 * console.log(JSON.stringify(json)) // {"W":{"shape":[1],"data":[2]},"b":[3]}
 *
 * @category model
 */
export type ParamsJSON = number | TensorJSON | ReadonlyArray<ParamsJSON> | { readonly [key: string]: ParamsJSON }

/**
 * Why a document could not be loaded: `'syntax'` (not JSON), `'invalid'` (JSON that does
 * not fit the template), `'io'` (the file could not be read) or `'size'` (the file is larger
 * than the limit {@link loadParamsFile} was given, and was not read). `messages` lists every
 * problem, each naming its path; `file` is set by {@link loadParamsFile}.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const result = Codec.loadParams('{"b": {"shape": [2], "data": [1]}}', { b: Tensor.zeros([2]) })
 * if (result._tag === 'Left') console.log(result.left.kind, result.left.messages) // invalid [ 'b: data has 1 number, shape [2] needs 2' ]
 *
 * @category model
 */
export interface LoadError {
  readonly kind: 'syntax' | 'invalid' | 'io' | 'size'
  readonly messages: ReadonlyArray<string>
  readonly file?: string
}

// -------------------------------------------------------------------------------------
// paths and messages (internal)
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

/** The path of a context, as every message of the library prints paths: `layers[0].W`, `(root)`. */
const pathOf = (c: t.Context): string => Tree.showPath(contextKeys(c))

/** The path of a context as a prefix that paths below it continue (`''` for the root). */
const prefixOf = (c: t.Context): string => (c.length <= 1 ? '' : pathOf(c))

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u)

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * The messages of io-ts validation errors, each naming its path: the codecs of this module
 * write complete messages; for other io-ts codecs the message says what was expected.
 *
 * @example
 * import { Codec } from 'backprop-lens'
 *
 * const result = Codec.TensorJSON.decode({ shape: [2, -1], data: [] })
 * if (result._tag === 'Left') console.log(Codec.messages(result.left)) // [ '(root): shape[1] is -1, expected an integer >= 0' ]
 *
 * @category errors
 */
export const messages = (errors: t.Errors): ReadonlyArray<string> =>
  errors.map((e) => e.message ?? `${pathOf(e.context)}: expected ${e.context[e.context.length - 1]?.type.name ?? 'a value'}, got ${describe(e.value)}`)

const MAX_SHOWN = 20

/**
 * A load error as text: what failed (and in which file), then one line per problem (at
 * most 20, then a count of the rest).
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const result = Codec.loadParams('{"W": {"shape": [2], "data": [1, 2]}}', { W: Tensor.zeros([2]), b: 0 })
 * if (result._tag === 'Left') console.log(Codec.formatError(result.left)) // loadParams: the document does not fit the model: missing field 'b' at (root)
 *
 * @category errors
 */
export const formatError = (error: LoadError): string => {
  const what =
    error.kind === 'syntax'
      ? 'the document is not valid JSON'
      : error.kind === 'io'
        ? 'the file could not be read'
        : error.kind === 'size'
          ? 'the file is too large'
          : 'the document does not fit the model'
  const head = error.file === undefined ? `loadParams: ${what}:` : `loadParamsFile: ${what} (${error.file}):`
  const shown = error.messages.slice(0, MAX_SHOWN).map((m) => `  ${m}`)
  const rest = error.messages.length - MAX_SHOWN
  return [head, ...shown, ...(rest > 0 ? [`  … and ${plural(rest, 'more problem')}`] : [])].join('\n')
}

// -------------------------------------------------------------------------------------
// tensors
// -------------------------------------------------------------------------------------

/** A problem of a value: a message to follow its path, or a field it should not have. */
type Problem = string | { readonly unexpected: string }

/**
 * Reads `{ shape, data }` (and checks the shape against `expected`, when given) into a fresh
 * tensor, or gives its problems. A tensor has no other fields.
 */
const readTensor = (u: unknown, expected: T.Shape | null): T.Tensor | Array<Problem> => {
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
        const out = new Float64Array(size)
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
const shapeProblem = (shape: unknown, expected: T.Shape | null, problems: Array<Problem>): ReadonlyArray<number> | null => {
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
  if (expected !== null && !T.sameShape(expected, dims)) {
    problems.push(`expected shape ${showShape(expected)}, got ${showShape(dims)}`)
    return null
  }
  return dims
}

/** A problem as a message naming the path (as records name an unexpected field). */
const message = (path: string, problem: Problem): string =>
  typeof problem === 'string' ? `${path}: ${problem}` : `unexpected field '${problem.unexpected}' at ${path}`

/** Validates `{ shape, data }` into a tensor, as an io-ts validation. */
const validateTensor = (u: unknown, c: t.Context, expected: T.Shape | null): t.Validation<T.Tensor> => {
  const path = pathOf(c)
  const r = readTensor(u, expected)
  return r instanceof T.Tensor ? t.success(r) : t.failures(r.map((p) => ({ value: u, context: c, message: message(path, p) })))
}

const encodeTensor = (x: T.Tensor): TensorJSON => ({ shape: x.shape.slice(), data: Array.from(x.data) })

/**
 * The io-ts codec of a tensor as JSON, `{ shape, data }` ↔ `Tensor`: decoding checks that
 * the dimensions are integers ≥ 0, that there are as many numbers as the shape needs and
 * that they are finite, and copies them into a fresh tensor.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const t = Codec.TensorJSON.decode({ shape: [2, 2], data: [1, 2, 3, 4] })
 * if (t._tag === 'Right') console.log(Tensor.toNested(t.right)) // [ [ 1, 2 ], [ 3, 4 ] ]
 * console.log(Codec.TensorJSON.encode(Tensor.fromNested([1, 2]))) // { shape: [ 2 ], data: [ 1, 2 ] }
 * const bad = Codec.TensorJSON.decode({ shape: [3, 5], data: [1, 2] })
 * if (bad._tag === 'Left') console.log(Codec.messages(bad.left)) // [ '(root): data has 2 numbers, shape [3,5] needs 15' ]
 *
 * @category codecs
 */
export const TensorJSON: t.Type<T.Tensor, TensorJSON, unknown> = new t.Type<T.Tensor, TensorJSON, unknown>(
  'TensorJSON',
  T.isTensor,
  (u, c) => validateTensor(u, c, null),
  encodeTensor
)

/**
 * The codec of a tensor of one given shape: {@link TensorJSON} that also rejects other
 * shapes.
 *
 * @example
 * import { Codec } from 'backprop-lens'
 *
 * const bad = Codec.tensorOfShape([64]).decode({ shape: [32], data: new Array(32).fill(0) })
 * if (bad._tag === 'Left') console.log(Codec.messages(bad.left)) // [ '(root): expected shape [64], got [32]' ]
 *
 * @category codecs
 */
export const tensorOfShape = (shape: T.Shape): t.Type<T.Tensor, TensorJSON, unknown> => {
  const expected = T.checkShape('Codec.tensorOfShape', shape)
  return new t.Type<T.Tensor, TensorJSON, unknown>(
    `Tensor${showShape(expected)}`,
    (u): u is T.Tensor => T.isTensor(u) && T.sameShape(u.shape, expected),
    (u, c) => validateTensor(u, c, expected),
    encodeTensor
  )
}

// -------------------------------------------------------------------------------------
// parameter structures
// -------------------------------------------------------------------------------------

type Container = Array<unknown> | Record<string, unknown>

/** Checks a template (or parameters to save): numbers, tensors, arrays and plain records, a tree. */
const checkTemplate = (op: string, template: unknown): void => {
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

/** The parameters as JSON values: tensors as `{ shape, data }` (a walk of the template). */
const encodeParams = (template: unknown, x: unknown): ParamsJSON => {
  const result: Array<unknown> = [undefined]
  Tree.walk(template, x, result, undefined, {
    enter: (tp, u, out, _d, cursor) => {
      const key = cursor.key ?? 0
      const kind = Tree.kindOf(tp)
      if (kind === Tree.NUMBER) Tree.put(out as Container, key, u)
      else if (kind === Tree.TENSOR) Tree.put(out as Container, key, encodeTensor(u as T.Tensor))
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
  return result[0] as ParamsJSON
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

/** Whether `u` has the structure and shapes of the template (and only finite numbers). */
const fits = (template: unknown, u: unknown): boolean => {
  let ok = true
  Tree.walk(template, u, undefined, undefined, {
    enter: (tp, x, _c, _d, cursor) => {
      const kind = Tree.kindOf(tp)
      if (kind === Tree.NUMBER) ok = typeof x === 'number' && Number.isFinite(x)
      else if (kind === Tree.TENSOR) ok = x instanceof T.Tensor && T.sameShape(x.shape, (tp as T.Tensor).shape)
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
 * Decodes a JSON value against a template, with one walk of both: every problem is collected
 * (each naming its path; `prefix` is the path of an enclosing io-ts context), and the fresh
 * value is built on the way.
 */
const decodeParams = (template: unknown, u: unknown, c: t.Context): t.Validation<unknown> => {
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
        const r = readTensor(x, (tp as T.Tensor).shape)
        if (r instanceof T.Tensor) Tree.put(out as Container, key, r)
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
  return errors.length > 0 ? t.failures(errors) : t.success(result[0])
}

/** The path of the parent of the node at `cursor`. */
const showParent = (cursor: Tree.Cursor, prefix: string): string => {
  const keys = cursor.keys()
  keys.pop()
  return Tree.showPath(keys, prefix)
}

const nameOf = (template: unknown): string => {
  const kind = Tree.kindOf(template)
  if (kind === Tree.NUMBER) return 'FiniteNumber'
  if (kind === Tree.TENSOR) return `Tensor${showShape((template as T.Tensor).shape)}`
  if (kind === Tree.ARRAY) return `Tuple(${(template as ReadonlyArray<unknown>).length})`
  return `Record(${Object.keys(template as object).join(', ')})`
}

/** The codec of parameters shaped like a checked template. */
const codecOf = <P>(template: P): t.Type<P, ParamsJSON, unknown> =>
  new t.Type<P, ParamsJSON, unknown>(
    nameOf(template),
    (u): u is P => fits(template, u),
    (u, c) => decodeParams(template, u, c) as t.Validation<P>,
    (x) => encodeParams(template, x)
  )

/**
 * The io-ts codec of parameters with the structure and shapes of `template`: records (the
 * same fields), tuples (the same lengths), tensors (the same shapes) and numbers, nested to
 * any depth (one walk with its own stack, so a template nested a million deep is fine).
 * Decoding collects every problem, each naming its path (`layers[0].W`, as every message of
 * the library writes paths), and builds fresh values only when there is none. Throws a
 * `TypeError` naming the path if the template holds anything else (a function, a string, a
 * class instance other than a tensor) or contains itself.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const template = { layers: [{ W: Tensor.zeros([3, 5]), b: Tensor.zeros([5]) }] }
 * const codec = Codec.paramsCodec(template)
 * const bad = codec.decode({ layers: [{ W: { shape: [3, 5], data: new Array(12).fill(0) } }] })
 * if (bad._tag === 'Left') console.log(Codec.messages(bad.left)) // [ 'layers[0].W: data has 12 numbers, shape [3,5] needs 15', "missing field 'b' at layers[0]" ]
 *
 * @category codecs
 */
export const paramsCodec = <P>(template: P): t.Type<P, ParamsJSON, unknown> => {
  checkTemplate('Codec.paramsCodec', template)
  return codecOf(template)
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
 * The JSON text of parameters, in one walk that also checks them: arrays of numbers and
 * tensors (`{ "shape": …, "data": … }`) on one line, other containers one entry per line,
 * indented by two spaces a level down to depth {@link MAX_INDENT}.
 */
const write = (params: unknown): string => {
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
        const x = u as T.Tensor
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

/**
 * The parameters as JSON text (tensors as `{ "shape", "data" }`). Doubles are written
 * losslessly, `-0` included, so {@link loadParams} gives them back bit-for-bit. Structures
 * of any depth are written (with an explicit stack; below depth 20 on one line). Throws an
 * error naming the path of a non-finite number, of a value that is not a tensor, a number, a
 * tuple or a record, or of an array or record that contains itself.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * console.log(Codec.saveParams({ W: Tensor.fromNested([[1, -0], [0.1, 2]]), b: 3 })) // { "W": { "shape": [2, 2], "data": [1, -0, 0.1, 2] }, "b": 3 }
 * try { Codec.saveParams({ b: [1, NaN] }) } catch (e) { console.log((e as Error).message) } // Codec.saveParams: b[1] is NaN; only finite numbers can be saved
 *
 * @category text
 */
export const saveParams = <P>(params: P): string => write(params)

const loadParamsWith = <P>(codec: t.Type<P, ParamsJSON, unknown>, text: string): E.Either<LoadError, P> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return E.left({ kind: 'syntax', messages: [`${Tree.ROOT}: ${e instanceof Error ? e.message : String(e)}`] })
  }
  const result = codec.decode(json)
  return E.isLeft(result) ? E.left({ kind: 'invalid', messages: messages(result.left) }) : E.right(result.right)
}

/**
 * Parameters from JSON text, decoded against a template (the structure and shapes of the
 * model they are loaded into). Never throws because of the text: invalid JSON and every
 * mismatch are a `Left` whose messages name the paths; a `Right` holds fresh tensors,
 * never a partly loaded model.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const template = { W: Tensor.zeros([2]), b: 0 }
 * const loaded = Codec.loadParams(Codec.saveParams({ W: Tensor.fromNested([1, 2]), b: -0 }), template)
 * if (loaded._tag === 'Right') console.log(loaded.right.W.data, Object.is(loaded.right.b, -0)) // Float64Array(2) [ 1, 2 ] true
 * const truncated = Codec.loadParams('{"W": {"shape": [2], "da', template)
 * if (truncated._tag === 'Left') console.log(truncated.left.kind) // syntax
 *
 * @category text
 */
export const loadParams = <P>(text: string, template: P): E.Either<LoadError, P> => {
  checkTemplate('Codec.loadParams', template)
  const codec = codecOf(template)
  if (typeof text !== 'string') return E.left({ kind: 'syntax', messages: [`${Tree.ROOT}: expected JSON text, got ${describe(text)}`] })
  return loadParamsWith(codec, text)
}

// -------------------------------------------------------------------------------------
// files (Node)
// -------------------------------------------------------------------------------------

/**
 * An open file, as much of Node's `FileHandle` as {@link writeFileAtomic} uses.
 *
 * @example
 * import { Codec } from 'backprop-lens'
 * import { mkdtempSync, readFileSync } from 'node:fs'
 * import { open } from 'node:fs/promises'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 *
 * const file = join(mkdtempSync(join(tmpdir(), 'codec-')), 'note.txt')
 * const handle: Codec.FileHandleLike = await open(file, 'w')
 * await handle.writeFile('hi', 'utf8')
 * await handle.close()
 * console.log(readFileSync(file, 'utf8')) // hi
 *
 * @category files
 */
export interface FileHandleLike {
  /** Writes the whole text. */
  readonly writeFile: (data: string, encoding: 'utf8') => Promise<void>
  /** Flushes the file's data to the disk (`fsync`). */
  readonly sync: () => Promise<void>
  /** Closes the handle. */
  readonly close: () => Promise<void>
}

/**
 * The file operations the file functions use: Node's `fs/promises` has them (the default);
 * pass another implementation to use a virtual file system or to inject failures.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * // An in-memory file system.
 * const files = new Map<string, string>()
 * const memory: Codec.FileSystem = {
 *   open: async (path) => ({ writeFile: async (data) => void files.set(path, data), sync: async () => {}, close: async () => {} }),
 *   rename: async (from, to) => void (files.set(to, files.get(from) ?? ''), files.delete(from)),
 *   unlink: async (path) => void files.delete(path),
 *   readFile: async (path) => files.get(path) ?? Promise.reject(new Error(`ENOENT: ${path}`))
 * }
 * await Codec.saveParamsFile('/models/m.json', { b: Tensor.fromNested([1, 2]) }, { fs: memory })
 * console.log([...files.keys()], (await Codec.loadParamsFile('/models/m.json', { b: Tensor.zeros([2]) }, { fs: memory }))._tag) // [ '/models/m.json' ] Right
 *
 * @category files
 */
export interface FileSystem {
  /** Opens a file (`'wx'`: create, failing if it exists; `'r'`: read, also used on the folder). */
  readonly open: (path: string, flags: string) => Promise<FileHandleLike>
  /** Renames a file, replacing the target atomically. */
  readonly rename: (from: string, to: string) => Promise<void>
  /** Removes a file. */
  readonly unlink: (path: string) => Promise<void>
  /** Reads a whole file as text. */
  readonly readFile: (path: string, encoding: 'utf8') => Promise<string>
  /**
   * The size in bytes and the time of the last change (in ms since the epoch) of a file.
   * Optional: without it, {@link loadParamsFile} checks the size after reading, and saves do
   * not clean up old temporary files.
   */
  readonly stat?: (path: string) => Promise<{ readonly size: number; readonly mtimeMs: number }>
  /** The names of the entries of a folder. Optional: without it, saves do not clean up old temporary files. */
  readonly readdir?: (path: string) => Promise<ReadonlyArray<string>>
}

/**
 * Options of the file functions:
 * - `fs`, the file system (default: Node's `fs/promises`);
 * - `maxBytes`, for {@link loadParamsFile}: the largest file it reads (default
 *   {@link DEFAULT_MAX_BYTES}, 64 MiB); a larger file is a `Left` of kind `'size'` before
 *   anything is read or parsed;
 * - `staleTempAge`, for {@link writeFileAtomic} and {@link saveParamsFile}: temporary files of
 *   the same path older than this many milliseconds are removed (default
 *   {@link DEFAULT_STALE_TEMP_AGE}, one hour).
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const broken: Codec.FileOptions = {
 *   fs: {
 *     open: () => Promise.reject(new Error('EROFS: read-only file system')),
 *     rename: () => Promise.reject(new Error('EROFS')),
 *     unlink: () => Promise.reject(new Error('EROFS')),
 *     readFile: () => Promise.reject(new Error('EIO: i/o error'))
 *   }
 * }
 * const loaded = await Codec.loadParamsFile('m.json', { b: Tensor.zeros([2]) }, broken)
 * if (loaded._tag === 'Left') console.log(loaded.left.messages) // [ 'm.json: EIO: i/o error' ]
 * await Codec.saveParamsFile('m.json', { b: Tensor.zeros([2]) }, broken).catch((e: Error) => console.log(e.message)) // Codec.writeFileAtomic: could not write m.json: EROFS: read-only file system
 *
 * @category files
 */
export interface FileOptions {
  readonly fs?: FileSystem
  readonly maxBytes?: number
  readonly staleTempAge?: number
}

/**
 * The largest file {@link loadParamsFile} reads unless told otherwise (`maxBytes`): 64 MiB,
 * about three million parameters. Parsing is done by `JSON.parse`, whose time and memory grow
 * with the text (and more than tenfold for pathological text such as 200 MB of `[`), so the
 * size is checked before reading.
 *
 * @example
 * import { Codec } from 'backprop-lens'
 *
 * console.log(Codec.DEFAULT_MAX_BYTES) // 67108864
 *
 * @category files
 */
export const DEFAULT_MAX_BYTES = 64 * 2 ** 20

/**
 * The age (in milliseconds, one hour) past which a save removes a temporary file that an
 * earlier save of the same path left behind (a crash between creating and renaming it).
 * Younger ones are left alone: they may belong to a save in flight in another process. A
 * save stalled for longer than this loses its temporary file; its rename then fails, so it
 * rejects and the target is untouched.
 *
 * @example
 * import { Codec } from 'backprop-lens'
 *
 * console.log(Codec.DEFAULT_STALE_TEMP_AGE) // 3600000
 *
 * @category files
 */
export const DEFAULT_STALE_TEMP_AGE = 60 * 60 * 1000

// The specifier is a variable so that bundlers leave this import alone: the module graph of
// `backprop-lens` never contains a Node built-in.
const FS_MODULE = 'node:fs/promises'

const nodeFs = async (): Promise<FileSystem> => (await import(/* @vite-ignore */ /* webpackIgnore: true */ FS_MODULE)) as FileSystem

const splitPath = (path: string): readonly [string, string] => {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return i < 0 ? ['.', path] : [i === 0 ? path.slice(0, 1) : path.slice(0, i), path.slice(i + 1)]
}

let counter = 0

/** Temporary files of `base` are named `.base.<time>-<counter>-<random>.tmp`. */
const tempPrefix = (base: string): string => `.${base}.`

const TEMP_SUFFIX = /^[0-9a-z]+-[0-9a-z]+-[0-9a-z]+\.tmp$/

const positive = (op: string, option: string, value: unknown, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`${op}: option ${option} must be a number >= 0, got ${describe(value)}`)
  return value
}

/**
 * Removes the temporary files of `base` in `dir` that have not changed for `age` ms: what
 * crashed saves left. Best effort, and only with a file system that can list and stat.
 */
const removeStaleTemps = async (fs: FileSystem, dir: string, base: string, age: number): Promise<void> => {
  if (fs.readdir === undefined || fs.stat === undefined) return
  const prefix = tempPrefix(base)
  let names: ReadonlyArray<string>
  try {
    names = await fs.readdir(dir)
  } catch {
    return
  }
  const now = Date.now()
  for (const name of names) {
    if (!name.startsWith(prefix) || !TEMP_SUFFIX.test(name.slice(prefix.length))) continue
    const file = `${dir}/${name}`
    try {
      const { mtimeMs } = await fs.stat(file)
      if (now - mtimeMs > age) await fs.unlink(file)
    } catch {
      // gone already (another save cleaned it), or not ours to remove
    }
  }
}

/**
 * Writes `text` to `path` atomically: into a new temporary file in the same folder
 * (`.name.<time>-<counter>-<random>.tmp`), flushed to disk (`fsync`), then renamed over
 * `path`, and the folder flushed. Readers see the old file or the new one, never a mix; if
 * anything fails the temporary file is removed, the old file is untouched and the promise
 * rejects with an error naming `path`. A process killed mid-write cannot remove its
 * temporary file: the next write to the same path removes those unchanged for `staleTempAge`
 * ms (default {@link DEFAULT_STALE_TEMP_AGE}, one hour), never a younger one, which may be a
 * concurrent write in flight (this needs a file system with `readdir` and `stat`, as Node's).
 *
 * @example
 * import { Codec } from 'backprop-lens'
 * import { mkdtempSync, readFileSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 *
 * const file = join(mkdtempSync(join(tmpdir(), 'codec-')), 'note.txt')
 * await Codec.writeFileAtomic(file, 'hello')
 * console.log(readFileSync(file, 'utf8')) // hello
 *
 * @category files
 */
export const writeFileAtomic = async (path: string, text: string, options: FileOptions = {}): Promise<void> => {
  const fs = options.fs ?? (await nodeFs())
  const [dir, base] = splitPath(path)
  await removeStaleTemps(fs, dir, base, positive('Codec.writeFileAtomic', 'staleTempAge', options.staleTempAge, DEFAULT_STALE_TEMP_AGE))
  const tmp = `${dir}/${tempPrefix(base)}${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}.tmp`
  let created = false
  try {
    const handle = await fs.open(tmp, 'wx')
    created = true
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(tmp, path)
    created = false
  } catch (e) {
    if (created) await fs.unlink(tmp).catch(() => undefined)
    throw new Error(`Codec.writeFileAtomic: could not write ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  // Make the rename itself durable; not every platform can open a folder, and the file is
  // complete either way.
  try {
    const dirHandle = await fs.open(dir, 'r')
    try {
      await dirHandle.sync()
    } finally {
      await dirHandle.close()
    }
  } catch {
    // best effort
  }
}

/**
 * Saves the parameters to a JSON file, atomically ({@link writeFileAtomic}): a crash or an
 * error mid-write leaves the previous file as it was, and the temporary files of crashed
 * saves of the same path are removed once they are an hour old. Rejects, before touching
 * the disk, if the parameters hold a non-finite number (naming its path).
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 * import { mkdtempSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 *
 * const file = join(mkdtempSync(join(tmpdir(), 'codec-')), 'model.json')
 * await Codec.saveParamsFile(file, { W: Tensor.fromNested([[1, 2]]) })
 * const loaded = await Codec.loadParamsFile(file, { W: Tensor.zeros([1, 2]) })
 * console.log(loaded._tag) // Right
 *
 * @category files
 */
export const saveParamsFile = async <P>(path: string, params: P, options: FileOptions = {}): Promise<void> => {
  const text = saveParams(params)
  await writeFileAtomic(path, `${text}\n`, options)
}

/**
 * Loads parameters from a JSON file against a template, as {@link loadParams}. Never
 * rejects: a file that cannot be read is a `Left` of kind `'io'`, and a file larger than
 * `maxBytes` (default {@link DEFAULT_MAX_BYTES}, 64 MiB) one of kind `'size'`, found before
 * the file is read (with `stat`) or parsed; every error carries the file's path.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 * import { mkdtempSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 *
 * const missing = await Codec.loadParamsFile('/no/such/model.json', { W: Tensor.zeros([2]) })
 * if (missing._tag === 'Left') console.log(missing.left.kind, missing.left.file) // io /no/such/model.json
 * const file = join(mkdtempSync(join(tmpdir(), 'codec-')), 'model.json')
 * await Codec.saveParamsFile(file, { W: Tensor.fromNested([1, 2]) })
 * const big = await Codec.loadParamsFile(file, { W: Tensor.zeros([2]) }, { maxBytes: 10 })
 * if (big._tag === 'Left') console.log(big.left.kind) // size
 * console.log((await Codec.loadParamsFile(file, { W: Tensor.zeros([2]) }, { maxBytes: 1000 }))._tag) // Right
 *
 * @category files
 */
export const loadParamsFile = async <P>(path: string, template: P, options: FileOptions = {}): Promise<E.Either<LoadError, P>> => {
  checkTemplate('Codec.loadParamsFile', template)
  const codec = codecOf(template)
  const max = positive('Codec.loadParamsFile', 'maxBytes', options.maxBytes, DEFAULT_MAX_BYTES)
  const tooLarge = (size: number, unit: string): E.Either<LoadError, P> =>
    E.left({
      kind: 'size',
      file: path,
      messages: [`${path}: the file has ${size} ${unit}, more than the limit of ${max} bytes; pass a larger maxBytes to read it`]
    })
  let text: string
  try {
    const fs = options.fs ?? (await nodeFs())
    if (fs.stat !== undefined) {
      const { size } = await fs.stat(path)
      if (size > max) return tooLarge(size, 'bytes')
    }
    text = await fs.readFile(path, 'utf8')
  } catch (e) {
    return E.left({ kind: 'io', file: path, messages: [`${path}: ${e instanceof Error ? e.message : String(e)}`] })
  }
  // Without `stat`, or if the file grew since: a UTF-8 file has at least as many bytes as its text has characters.
  if (text.length > max) return tooLarge(text.length, 'characters')
  const result = loadParamsWith(codec, text)
  return E.isLeft(result) ? E.left({ ...result.left, file: path }) : result
}
