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
 * The format's machinery (the walks that read, check and write it) is in `internal/json.ts`
 * and the file system's in `internal/files.ts`; this module is the public API.
 *
 * @module Codec
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import * as T from './Tensor.js'
import { DEFAULT_MAX_BYTES, nodeFs, positive, readText, writeFileAtomic, type FileOptions } from './internal/files.js'
import { describe, showShape } from './internal/guards.js'
import { checkTemplate, decodeParams, encodeParams, encodeTensor, fits, nameOf, pathOf, plural, validateTensor, write } from './internal/json.js'
import * as Tree from './internal/tree.js'

export {
  DEFAULT_MAX_BYTES,
  DEFAULT_STALE_TEMP_AGE,
  writeFileAtomic,
  type FileHandleLike,
  type FileOptions,
  type FileSystem
} from './internal/files.js'

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
// errors
// -------------------------------------------------------------------------------------

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

/** The codec of parameters shaped like a checked template. */
const codecOf = <P>(template: P): t.Type<P, ParamsJSON, unknown> =>
  new t.Type<P, ParamsJSON, unknown>(
    nameOf(template),
    (u): u is P => fits(template, u),
    (u, c) => decodeParams(template, u, c) as t.Validation<P>,
    (x) => encodeParams(template, x) as ParamsJSON
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
  let read: Awaited<ReturnType<typeof readText>>
  try {
    read = await readText(path, options.fs ?? (await nodeFs()), max)
  } catch (e) {
    return E.left({ kind: 'io', file: path, messages: [`${path}: ${e instanceof Error ? e.message : String(e)}`] })
  }
  if (!('text' in read)) {
    const messages = [`${path}: the file has ${read.size} ${read.unit}, more than the limit of ${max} bytes; pass a larger maxBytes to read it`]
    return E.left({ kind: 'size', file: path, messages })
  }
  const result = loadParamsWith(codec, read.text)
  return E.isLeft(result) ? E.left({ ...result.left, file: path }) : result
}
