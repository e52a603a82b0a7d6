/**
 * Files for `Codec`, on Node's `fs/promises` or any {@link FileSystem}: atomic writes
 * (temporary file, `fsync`, `rename`), the removal of temporary files that crashed writes
 * left (once an hour old), and the size limit of reads. `Codec` re-exports the public part.
 *
 * @internal
 * @module internal/files
 */
import { describe } from './guards.js'

// -------------------------------------------------------------------------------------
// model
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
   * Optional: without it, `Codec.loadParamsFile` checks the size after reading, and saves do
   * not clean up old temporary files.
   */
  readonly stat?: (path: string) => Promise<{ readonly size: number; readonly mtimeMs: number }>
  /** The names of the entries of a folder. Optional: without it, saves do not clean up old temporary files. */
  readonly readdir?: (path: string) => Promise<ReadonlyArray<string>>
}

/**
 * Options of the file functions:
 * - `fs`, the file system (default: Node's `fs/promises`);
 * - `maxBytes`, for `Codec.loadParamsFile`: the largest file it reads (default
 *   {@link DEFAULT_MAX_BYTES}, 64 MiB); a larger file is a `Left` of kind `'size'` before
 *   anything is read or parsed;
 * - `staleTempAge`, for {@link writeFileAtomic} and `Codec.saveParamsFile`: temporary files of
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
 * The largest file `Codec.loadParamsFile` reads unless told otherwise (`maxBytes`): 64 MiB,
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

// -------------------------------------------------------------------------------------
// writing and reading
// -------------------------------------------------------------------------------------

// The specifier is a variable so that bundlers leave this import alone: the module graph of
// `backprop-lens` never contains a Node built-in.
const FS_MODULE = 'node:fs/promises'

/** @internal Node's `fs/promises`, loaded on first use. */
export const nodeFs = async (): Promise<FileSystem> => (await import(/* @vite-ignore */ /* webpackIgnore: true */ FS_MODULE)) as FileSystem

const splitPath = (path: string): readonly [string, string] => {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return i < 0 ? ['.', path] : [i === 0 ? path.slice(0, 1) : path.slice(0, i), path.slice(i + 1)]
}

let counter = 0

/** Temporary files of `base` are named `.base.<time>-<counter>-<random>.tmp`. */
const tempPrefix = (base: string): string => `.${base}.`

const TEMP_SUFFIX = /^[0-9a-z]+-[0-9a-z]+-[0-9a-z]+\.tmp$/

/** @internal An option that must be a number >= 0 (`fallback` when absent). */
export const positive = (op: string, option: string, value: unknown, fallback: number): number => {
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
 * @internal A file's text, read after checking its size against `max` (with `stat`, before
 * reading; without it, after, as characters): `size` names what was too large.
 */
export const readText = async (
  path: string,
  fs: FileSystem,
  max: number
): Promise<{ readonly text: string } | { readonly size: number; readonly unit: 'bytes' | 'characters' }> => {
  if (fs.stat !== undefined) {
    const { size } = await fs.stat(path)
    if (size > max) return { size, unit: 'bytes' }
  }
  const text = await fs.readFile(path, 'utf8')
  // Without `stat`, or if the file grew since: a UTF-8 file has at least as many bytes as its text has characters.
  return text.length > max ? { size: text.length, unit: 'characters' } : { text }
}
