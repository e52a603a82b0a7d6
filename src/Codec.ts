/**
 * Model files: io-ts codecs for tensors and parameter structures (records and tuples of
 * tensors and numbers, nested) to and from JSON, with errors that name the path.
 *
 * The format is plain JSON: a tensor is `{ "shape": [3, 5], "data": [ …15 numbers… ] }`
 * (row-major), a record an object, a tuple an array, a number a number. Decoding is driven
 * by a *template*, a value with the structure and shapes of the model the file is loaded
 * into, and validates everything before building anything: integer non-negative
 * dimensions, finite numbers, `data` length = product of `shape`, the template's fields
 * (no missing, no extra), tuple lengths and shapes. A document is either loaded completely
 * or rejected with every problem listed (`layers.1.W: data has 12 numbers, shape [3, 5]
 * needs 15`); {@link loadParams} never throws because of its text.
 *
 * Round trips are bit-for-bit: JSON numbers written by JavaScript read back as the same
 * double (subnormals included), and {@link saveParams} writes `-0` as `-0` (which
 * `JSON.stringify` would turn into `0`). Non-finite values cannot be written: saving throws
 * an error naming their path.
 *
 * Files: {@link saveParamsFile} writes atomically (a temporary file in the same folder,
 * flushed to disk, then renamed over the target), so a crash mid-write leaves the old file;
 * {@link loadParamsFile} reads and decodes, answering errors (a missing file included) as
 * a `Left`. They need Node's `fs/promises`, which they load on first use with a dynamic
 * `import()` hidden from bundlers: importing `backprop-lens` stays browser-safe, and only
 * calling the file functions outside Node fails (with a rejected promise).
 *
 * @module Codec
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import * as T from './Tensor.js'
import { unsafeFromData } from './internal/tensor.js'

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
 * not fit the template) or `'io'` (the file could not be read). `messages` lists every
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
  readonly kind: 'syntax' | 'invalid' | 'io'
  readonly messages: ReadonlyArray<string>
  readonly file?: string
}

// -------------------------------------------------------------------------------------
// paths and messages (internal)
// -------------------------------------------------------------------------------------

const ROOT = '(root)'

/** The path of a context: its keys after the root's, joined by dots. */
const pathOf = (c: t.Context): string => {
  const keys: Array<string> = []
  for (let i = 1; i < c.length; i++) keys.push((c[i] as t.ContextEntry).key)
  return keys.length === 0 ? ROOT : keys.join('.')
}

const showShape = (shape: ReadonlyArray<unknown>): string => `[${shape.map(String).join(', ')}]`

const describe = (u: unknown): string => {
  if (u === undefined) return 'nothing'
  if (u === null) return 'null'
  if (Array.isArray(u)) return `an array of length ${u.length}`
  if (typeof u === 'string') return JSON.stringify(u.length > 20 ? `${u.slice(0, 20)}…` : u)
  if (typeof u === 'object') return 'an object'
  if (typeof u === 'function') return 'a function'
  if (typeof u === 'symbol') return 'a symbol'
  if (typeof u === 'bigint') return `${u}n`
  return String(u)
}

const fail = <A>(u: unknown, c: t.Context, message: string): t.Validation<A> => t.failure(u, c, `${pathOf(c)}: ${message}`)

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
        : 'the document does not fit the model'
  const head = error.file === undefined ? `loadParams: ${what}:` : `loadParamsFile: ${what} (${error.file}):`
  const shown = error.messages.slice(0, MAX_SHOWN).map((m) => `  ${m}`)
  const rest = error.messages.length - MAX_SHOWN
  return [head, ...shown, ...(rest > 0 ? [`  … and ${plural(rest, 'more problem')}`] : [])].join('\n')
}

// -------------------------------------------------------------------------------------
// tensors
// -------------------------------------------------------------------------------------

/** Validates `{ shape, data }` (and the shape against `expected`, when given) into a tensor. */
const validateTensor = (u: unknown, c: t.Context, expected: T.Shape | null): t.Validation<T.Tensor> => {
  if (!isObject(u) || !has(u, 'shape') || !has(u, 'data')) {
    return fail(u, c, `expected a tensor { shape, data }, got ${isObject(u) ? `an object with fields ${Object.keys(u).join(', ') || '(none)'}` : describe(u)}`)
  }
  const shape = u.shape
  const data = u.data
  if (!Array.isArray(shape)) return fail(u, c, `shape is ${describe(shape)}, expected an array of integers >= 0`)
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i]
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return fail(u, c, `shape[${i}] is ${describe(d)}, expected an integer >= 0`)
  }
  const dims = shape as ReadonlyArray<number>
  if (expected !== null && (expected.length !== dims.length || expected.some((d, i) => d !== dims[i]))) {
    return fail(u, c, `expected shape ${showShape(expected)}, got ${showShape(dims)}`)
  }
  if (!Array.isArray(data)) return fail(u, c, `data is ${describe(data)}, expected an array of numbers`)
  const size = dims.reduce((a, d) => a * d, 1)
  if (data.length !== size) return fail(u, c, `data has ${plural(data.length, 'number')}, shape ${showShape(dims)} needs ${size}`)
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
    return fail(u, c, `data[${bad}] is ${describe(data[bad])}, expected a finite number${more}`)
  }
  return t.success(unsafeFromData(Object.freeze(dims.slice()), out))
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
 * if (bad._tag === 'Left') console.log(Codec.messages(bad.left)) // [ '(root): data has 2 numbers, shape [3, 5] needs 15' ]
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

const finiteNumber = new t.Type<number, number, unknown>(
  'FiniteNumber',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => (typeof u === 'number' && Number.isFinite(u) ? t.success(u) : fail(u, c, `expected a finite number, got ${describe(u)}`)),
  (x) => x
)

const isPlainRecord = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (typeof u !== 'object' || u === null) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

const defineField = (out: Record<string, unknown>, k: string, value: unknown): void => {
  Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
}

type AnyCodec = t.Type<unknown, ParamsJSON, unknown>

const tupleCodec = (items: ReadonlyArray<AnyCodec>, name: string): AnyCodec =>
  new t.Type<unknown, ParamsJSON, unknown>(
    name,
    (u): u is unknown => Array.isArray(u) && u.length === items.length && items.every((codec, i) => codec.is(u[i])),
    (u, c) => {
      if (!Array.isArray(u) || u.length !== items.length) {
        return fail(u, c, `expected a tuple of ${items.length} ${items.length === 1 ? 'entry' : 'entries'}, got ${describe(u)}`)
      }
      const errors: Array<t.ValidationError> = []
      const out: Array<unknown> = []
      items.forEach((codec, i) => {
        const r = codec.validate(u[i], t.appendContext(c, String(i), codec, u[i]))
        if (E.isLeft(r)) errors.push(...r.left)
        else out.push(r.right)
      })
      return errors.length > 0 ? t.failures(errors) : t.success(out)
    },
    (x) => (x as ReadonlyArray<unknown>).map((v, i) => (items[i] as AnyCodec).encode(v))
  )

const recordCodec = (fields: ReadonlyArray<readonly [string, AnyCodec]>, name: string): AnyCodec => {
  const keys = fields.map(([k]) => k)
  return new t.Type<unknown, ParamsJSON, unknown>(
    name,
    (u): u is unknown =>
      isPlainRecord(u) && Object.keys(u).length === keys.length && fields.every(([k, codec]) => has(u, k) && codec.is(u[k])),
    (u, c) => {
      if (!isObject(u)) return fail(u, c, `expected a record with fields ${keys.join(', ')}, got ${describe(u)}`)
      const errors: Array<t.ValidationError> = []
      const out: Record<string, unknown> = {}
      for (const [k, codec] of fields) {
        if (!has(u, k)) {
          errors.push({ value: u, context: c, message: `missing field '${k}' at ${pathOf(c)}` })
          continue
        }
        const r = codec.validate(u[k], t.appendContext(c, k, codec, u[k]))
        if (E.isLeft(r)) errors.push(...r.left)
        else defineField(out, k, r.right)
      }
      for (const k of Object.keys(u)) {
        if (!keys.includes(k)) errors.push({ value: u, context: c, message: `unexpected field '${k}' at ${pathOf(c)}` })
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out)
    },
    (x) => {
      const out: Record<string, ParamsJSON> = {}
      for (const [k, codec] of fields) defineField(out, k, codec.encode((x as Record<string, unknown>)[k]))
      return out
    }
  )
}

const codecAt = (op: string, template: unknown, path: string): AnyCodec => {
  if (typeof template === 'number') return finiteNumber as AnyCodec
  if (T.isTensor(template)) return tensorOfShape(template.shape) as unknown as AnyCodec
  if (Array.isArray(template)) {
    return tupleCodec(
      template.map((v, i) => codecAt(op, v, path === '' ? String(i) : `${path}.${i}`)),
      `Tuple(${template.length})`
    )
  }
  if (isPlainRecord(template)) {
    return recordCodec(
      Object.keys(template).map((k) => [k, codecAt(op, template[k], path === '' ? k : `${path}.${k}`)] as const),
      `Record(${Object.keys(template).join(', ')})`
    )
  }
  throw new TypeError(
    `${op}: ${op === 'Codec.saveParams' ? 'the parameters hold' : 'the template holds'} ${describe(template)} at ${path === '' ? ROOT : path}; expected tensors, numbers, tuples and records`
  )
}

/**
 * The io-ts codec of parameters with the structure and shapes of `template`: records (the
 * same fields), tuples (the same lengths), tensors (the same shapes) and numbers, nested.
 * Decoding collects every problem, each naming its path, and builds fresh values only
 * when there is none. Throws a `TypeError` naming the path if the template holds anything
 * else (a function, a string, a class instance other than a tensor).
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const template = { layers: [{ W: Tensor.zeros([3, 5]), b: Tensor.zeros([5]) }] }
 * const codec = Codec.paramsCodec(template)
 * const bad = codec.decode({ layers: [{ W: { shape: [3, 5], data: new Array(12).fill(0) } }] })
 * if (bad._tag === 'Left') console.log(Codec.messages(bad.left)) // [ 'layers.0.W: data has 12 numbers, shape [3, 5] needs 15', "missing field 'b' at layers.0" ]
 *
 * @category codecs
 */
export const paramsCodec = <P>(template: P): t.Type<P, ParamsJSON, unknown> =>
  codecAt('Codec.paramsCodec', template, '') as t.Type<P, ParamsJSON, unknown>

// -------------------------------------------------------------------------------------
// text
// -------------------------------------------------------------------------------------

/** Checks that every number is finite, naming the path of the first that is not. */
const checkFinite = (value: unknown, path: string): void => {
  const at = path === '' ? ROOT : path
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`Codec.saveParams: ${at} is ${value}; only finite numbers can be saved`)
  } else if (T.isTensor(value)) {
    const d = value.data
    for (let i = 0; i < d.length; i++) {
      const x = d[i] as number
      if (x - x !== 0) throw new RangeError(`Codec.saveParams: ${at}.data[${i}] is ${x}; only finite numbers can be saved`)
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkFinite(v, path === '' ? String(i) : `${path}.${i}`))
  } else if (isPlainRecord(value)) {
    for (const k of Object.keys(value)) checkFinite(value[k], path === '' ? k : `${path}.${k}`)
  }
}

/** `JSON.stringify` of a finite number, but `-0` stays `-0`. */
const num = (x: number): string => (Object.is(x, -0) ? '-0' : JSON.stringify(x))

/** JSON text of an encoded structure: number arrays on one line, structure indented. */
const stringify = (value: unknown, indent: string): string => {
  if (typeof value === 'number') return num(value)
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return `[${(value as ReadonlyArray<number>).map(num).join(', ')}]`
    if (value.length === 0) return '[]'
    const inner = indent + '  '
    return `[\n${value.map((v) => inner + stringify(v, inner)).join(',\n')}\n${indent}]`
  }
  if (isObject(value)) {
    const keys = Object.keys(value)
    if (keys.length === 0) return '{}'
    if (keys.length === 2 && has(value, 'shape') && has(value, 'data')) {
      return `{ "shape": ${stringify(value.shape, indent)}, "data": ${stringify(value.data, indent)} }`
    }
    const inner = indent + '  '
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${stringify(value[k], inner)}`).join(',\n')}\n${indent}}`
  }
  throw new TypeError(`Codec.saveParams: cannot write ${describe(value)}`)
}

/**
 * The parameters as JSON text (tensors as `{ "shape", "data" }`). Doubles are written
 * losslessly, `-0` included, so {@link loadParams} gives them back bit-for-bit. Throws an
 * error naming the path of a non-finite number, or of a value that is not a tensor, a
 * number, a tuple or a record.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * console.log(Codec.saveParams({ W: Tensor.fromNested([[1, -0], [0.1, 2]]), b: 3 })) // { "W": { "shape": [2, 2], "data": [1, -0, 0.1, 2] }, "b": 3 }
 * try { Codec.saveParams({ b: [1, NaN] }) } catch (e) { console.log((e as Error).message) } // Codec.saveParams: b.1 is NaN; only finite numbers can be saved
 *
 * @category text
 */
export const saveParams = <P>(params: P): string => {
  const codec = codecAt('Codec.saveParams', params, '')
  checkFinite(params, '')
  return stringify(codec.encode(params), '')
}

const loadParamsWith = <P>(codec: t.Type<P, ParamsJSON, unknown>, text: string): E.Either<LoadError, P> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return E.left({ kind: 'syntax', messages: [`${ROOT}: ${e instanceof Error ? e.message : String(e)}`] })
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
  const codec = codecAt('Codec.loadParams', template, '') as t.Type<P, ParamsJSON, unknown>
  if (typeof text !== 'string') return E.left({ kind: 'syntax', messages: [`${ROOT}: expected JSON text, got ${describe(text)}`] })
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
}

/**
 * Options of the file functions: `fs`, the file system (default: Node's `fs/promises`).
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
}

// The specifier is a variable so that bundlers leave this import alone: the module graph of
// `backprop-lens` never contains a Node built-in.
const FS_MODULE = 'node:fs/promises'

const nodeFs = async (): Promise<FileSystem> => (await import(/* @vite-ignore */ /* webpackIgnore: true */ FS_MODULE)) as FileSystem

const splitPath = (path: string): readonly [string, string] => {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return i < 0 ? ['.', path] : [i === 0 ? path.slice(0, 1) : path.slice(0, i), path.slice(i + 1)]
}

let counter = 0

/**
 * Writes `text` to `path` atomically: into a new temporary file in the same folder, flushed
 * to disk (`fsync`), then renamed over `path`, and the folder flushed. Readers see the old
 * file or the new one, never a mix; if anything fails the temporary file is removed, the
 * old file is untouched and the promise rejects with an error naming `path`.
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
  const tmp = `${dir}/.${base}.${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}.tmp`
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
 * error mid-write leaves the previous file as it was. Rejects, before touching the disk,
 * if the parameters hold a non-finite number (naming its path).
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
 * rejects: a file that cannot be read is a `Left` of kind `'io'`; every error carries the
 * file's path.
 *
 * @example
 * import { Codec, Tensor } from 'backprop-lens'
 *
 * const missing = await Codec.loadParamsFile('/no/such/model.json', { W: Tensor.zeros([2]) })
 * if (missing._tag === 'Left') console.log(missing.left.kind, missing.left.file) // io /no/such/model.json
 *
 * @category files
 */
export const loadParamsFile = async <P>(path: string, template: P, options: FileOptions = {}): Promise<E.Either<LoadError, P>> => {
  const codec = codecAt('Codec.loadParamsFile', template, '') as t.Type<P, ParamsJSON, unknown>
  let text: string
  try {
    const fs = options.fs ?? (await nodeFs())
    text = await fs.readFile(path, 'utf8')
  } catch (e) {
    return E.left({ kind: 'io', file: path, messages: [`${path}: ${e instanceof Error ? e.message : String(e)}`] })
  }
  const result = loadParamsWith(codec, text)
  return E.isLeft(result) ? E.left({ ...result.left, file: path }) : result
}
