/**
 * The one walk over parameter structures: numbers, tensors, arrays (tuples) and plain
 * records, nested. `VectorSpace`, `Optimizer`, `Codec`, `Gradcheck` and the law kit's
 * equality all go through {@link walk}, which keeps its own stack: a structure nested
 * 1,000,000 deep (the parameters of a `Para` model nested that deep) is walked on the
 * default call stack.
 *
 * Conventions every caller shares:
 * - **Kinds** ({@link kindOf}): a number; a tensor (`instanceof Tensor`, the only test for a
 *   tensor); an array; a plain record (prototype `Object.prototype` or `null`); anything
 *   else is *other*, which each caller accepts or rejects.
 * - **Order**: arrays by index, records by `Object.keys` — the order of `VectorSpace.flatten`,
 *   of optimiser states and of model files.
 * - **Paths** ({@link showPath}): `(root)` for the whole value; an array index as `[0]`; a
 *   record key that is an identifier as `.W` (no dot at the start), any other key quoted as
 *   `["a b"]`; so `layers[0].W`, `[1].s`, `["a b"][0]`. A coordinate inside a tensor adds its
 *   multi-index (`W[1, 2]`; see {@link coordinatePath}). Paths deeper than 32 keys are
 *   shortened in the middle (`[0][0]…(999984 more)…[0][1]`), so a message stays readable.
 * - **Cycles**: a container that contains itself (on the path from the root) stops the walk
 *   with the caller's error; a container shared by two branches is not a cycle.
 *
 * @internal
 * @module internal/tree
 */
import { showIndex } from './guards.js'
import { Tensor, unravel } from './tensor.js'

// -------------------------------------------------------------------------------------
// kinds
// -------------------------------------------------------------------------------------

/** @internal A number. */
export const NUMBER = 0
/** @internal A tensor. */
export const TENSOR = 1
/** @internal An array (a tuple). */
export const ARRAY = 2
/** @internal A plain record. */
export const RECORD = 3
/** @internal Anything else. */
export const OTHER = 4
/** @internal What a node of a parameter structure is. */
export type Kind = typeof NUMBER | typeof TENSOR | typeof ARRAY | typeof RECORD | typeof OTHER

/** @internal Whether `u` is a plain record: an object whose prototype is `Object.prototype` or `null`. */
export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (typeof u !== 'object' || u === null) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/** @internal The kind of a node. */
export const kindOf = (u: unknown): Kind =>
  typeof u === 'number' ? NUMBER : u instanceof Tensor ? TENSOR : Array.isArray(u) ? ARRAY : isRecord(u) ? RECORD : OTHER

// -------------------------------------------------------------------------------------
// paths
// -------------------------------------------------------------------------------------

/** @internal A key: an array index (a number) or a record key. */
export type Key = string | number

/** @internal The marker of the whole value in messages. */
export const ROOT = '(root)'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** @internal One key as a path segment: `[0]`, `.W` (`W` at the start), `["a b"]`. */
export const showKey = (key: Key, first: boolean): string =>
  typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? (first ? key : `.${key}`) : `[${JSON.stringify(key)}]`

const MAX_SHOWN_KEYS = 32
const KEPT_KEYS = 12

/**
 * @internal A path given by its number of keys and a function reading them (outermost
 * first), as messages print it. `prefix` is a path already printed for an enclosing value
 * (an io-ts context), which the keys continue. Only the keys shown are read.
 */
export const showKeysWith = (length: number, keyAt: (i: number) => Key, prefix = ''): string => {
  if (length === 0) return prefix === '' ? ROOT : prefix
  let out = prefix
  const add = (i: number): void => {
    out += showKey(keyAt(i), out === '')
  }
  if (length <= MAX_SHOWN_KEYS) {
    for (let i = 0; i < length; i++) add(i)
    return out
  }
  for (let i = 0; i < KEPT_KEYS; i++) add(i)
  out += `…(${length - 2 * KEPT_KEYS} more)…`
  for (let i = length - KEPT_KEYS; i < length; i++) add(i)
  return out
}

/** @internal A path (its keys, outermost first) as messages print it: `layers[0].W`, `(root)`. */
export const showPath = (keys: ReadonlyArray<Key>, prefix = ''): string => showKeysWith(keys.length, (i) => keys[i] as Key, prefix)

// -------------------------------------------------------------------------------------
// the walk
// -------------------------------------------------------------------------------------

/**
 * @internal Where the walk is, during a visit: the depth of the node (0 for the root) and
 * its path. Valid only during the call it is given to.
 */
export interface Cursor {
  readonly depth: number
  /** The node's key in its parent (`undefined` for the root). */
  readonly key: Key | undefined
  /** The path of the node, as messages print it (see {@link showKeysWith} for `prefix`). */
  readonly show: (prefix?: string) => string
  /** The path of the node's child `key` (for children handled without a visit of their own). */
  readonly showChild: (key: Key, prefix?: string) => string
  /** The path of the node as keys, outermost first. */
  readonly keys: () => Array<Key>
  /**
   * Adds a child of the node being entered, to be visited after it. It is a stack: the child
   * pushed last is visited first, so push children from the last to the first. A node is up to
   * four values walked side by side (`a` to `d`: a template and a document, parameters and a
   * gradient, and where a result goes).
   */
  readonly push: (key: Key, a: unknown, b?: unknown, c?: unknown, d?: unknown) => void
}

/** @internal What {@link walk} does at each node (whose values are `a` to `d`). */
export interface Visitor {
  /**
   * Visits a node, parents before children: pushes its children (`cursor.push`), and
   * returns the container to guard against cycles (`undefined` for a leaf), or {@link STOP}
   * to end the walk.
   */
  readonly enter: (a: unknown, b: unknown, c: unknown, d: unknown, cursor: Cursor) => object | undefined | void
  /** Called after the children of a node whose `enter` returned a container. */
  readonly leave?: (a: unknown, b: unknown, c: unknown, d: unknown, cursor: Cursor) => void
  /** The error for a container met again below itself, given the path where it is met. */
  readonly cycle: (path: string) => Error
}

/** @internal What `enter` returns to end a walk early. */
export const STOP: object = Object.freeze({})

const VISIT = 0
const LEAVE = 1

/** The ancestor a node at depth `d` ≥ 1 is compared with: the one at the largest power of two ≤ d − 1 (0 for d = 1). */
const markDepth = (d: number): number => (d <= 1 ? 0 : 1 << (31 - Math.clz32(d - 1)))

/** Walks whose stack stayed this small keep it for the next walk (emptied); bigger ones let it go. */
const POOLED = 4096

/** The state of one walk: the stack (parallel arrays with a top index) and the open containers. */
class Walk implements Cursor {
  // Arrays of any values from the start (`[undefined]`, not `[]`): every walk's arrays then have
  // the same elements kind, and `push` stays monomorphic.
  readonly tags: Array<number> = [VISIT]
  readonly keyStack: Array<Key | undefined> = [undefined]
  readonly as: Array<unknown> = [undefined]
  readonly bs: Array<unknown> = [undefined]
  readonly cs: Array<unknown> = [undefined]
  readonly ds: Array<unknown> = [undefined]
  top = 0
  high = 0
  /** The open containers (the ancestors of the node visited) and their keys. */
  readonly open: Array<object | undefined> = [undefined]
  readonly openKeys: Array<Key | undefined> = [undefined]
  depth = 0
  key: Key | undefined = undefined

  keyAt(i: number): Key {
    return i < this.depth - 1 ? (this.openKeys[i + 1] as Key) : (this.key as Key)
  }

  show(prefix = ''): string {
    return showKeysWith(this.depth, (i) => this.keyAt(i), prefix)
  }

  showChild(key: Key, prefix = ''): string {
    const depth = this.depth
    return showKeysWith(depth + 1, (i) => (i < depth ? this.keyAt(i) : key), prefix)
  }

  keys(): Array<Key> {
    const out = new Array<Key>(this.depth)
    for (let i = 0; i < this.depth; i++) out[i] = this.keyAt(i)
    return out
  }

  push(k: Key, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void {
    const top = this.top++
    this.tags[top] = VISIT
    this.keyStack[top] = k
    this.as[top] = a
    this.bs[top] = b
    this.cs[top] = c
    this.ds[top] = d
  }

  /** Forgets every value the stack held, so that a pooled walk keeps nothing alive. */
  clear(): void {
    const n = Math.max(this.high, this.top)
    this.as.fill(undefined, 0, n)
    this.bs.fill(undefined, 0, n)
    this.cs.fill(undefined, 0, n)
    this.ds.fill(undefined, 0, n)
    this.keyStack.fill(undefined, 0, n)
    this.open.fill(undefined)
    this.openKeys.fill(undefined)
    this.top = this.high = this.depth = 0
    this.key = undefined
  }
}

const pool: Array<Walk> = []

/**
 * @internal Visits `a` (with `b`, `c`, `d` beside it) and everything below it, depth first,
 * parents before children, with an explicit stack: any depth, and nothing allocated per node
 * (a path is only built when asked for, from the stack of open containers). Re-entrant: a
 * visitor may walk something else.
 *
 * Cycles are found as Brent's algorithm finds them in a list, without hashing (a set of a
 * million containers costs seconds): a container is compared with one ancestor, the one at
 * the largest power of two at most its depth − 1. A cycle of length L entered at depth d is
 * found by depth 4·max(d, L), and then located exactly (where the path first meets itself).
 */
export const walk = (a: unknown, b: unknown, c: unknown, d: unknown, visitor: Visitor): void => {
  const w = pool.pop() ?? new Walk()
  try {
    run(w, a, b, c, d, visitor)
  } finally {
    if (Math.max(w.high, w.top) <= POOLED) {
      w.clear()
      pool.push(w)
    }
  }
}

const run = (w: Walk, a: unknown, b: unknown, c: unknown, d: unknown, visitor: Visitor): void => {
  const { enter, leave, cycle } = visitor
  const { tags, keyStack, as, bs, cs, ds, open, openKeys } = w
  w.push(0, a, b, c, d)
  keyStack[0] = undefined
  while (w.top > 0) {
    const at = --w.top
    const key = (w.key = keyStack[at])
    if (tags[at] === LEAVE) {
      w.depth--
      if (leave !== undefined) leave(as[at], bs[at], cs[at], ds[at], w)
      continue
    }
    // The entry stays as the container's end; its children go above it.
    tags[at] = LEAVE
    w.top++
    const container = enter(as[at], bs[at], cs[at], ds[at], w)
    if (container === undefined || container === null) {
      w.top = at
      continue
    }
    if (container === STOP) return
    const depth = w.depth
    if (depth > 0 && container === open[markDepth(depth)]) throw cycle(firstRepeat(open, openKeys, depth, container, key as Key))
    open[depth] = container
    openKeys[depth] = key
    w.depth = depth + 1
    if (w.top > w.high) w.high = w.top
  }
}

/** The path where the path to `container` (at `depth`) first meets a container it passed through. */
const firstRepeat = (open: ReadonlyArray<object | undefined>, openKeys: ReadonlyArray<Key | undefined>, depth: number, container: object, key: Key): string => {
  const seen = new Set<object>()
  const keyAt = (i: number): Key => (i < depth - 1 ? (openKeys[i + 1] as Key) : key)
  for (let i = 0; i <= depth; i++) {
    const c = i < depth ? (open[i] as object) : container
    if (seen.has(c)) return showKeysWith(i, keyAt)
    seen.add(c)
  }
  return showKeysWith(depth, keyAt)
}

/** @internal Pushes the children of an array or a record (in the walk's order); returns it, or `undefined` for a leaf. */
export const pushChildren = (u: unknown, kind: Kind, cursor: Cursor): object | undefined => {
  if (kind === ARRAY) {
    const xs = u as ReadonlyArray<unknown>
    for (let i = xs.length - 1; i >= 0; i--) cursor.push(i, xs[i])
    return xs
  }
  if (kind === RECORD) {
    const r = u as Readonly<Record<string, unknown>>
    const keys = Object.keys(r)
    for (let i = keys.length - 1; i >= 0; i--) cursor.push(keys[i] as string, r[keys[i] as string])
    return r
  }
  return undefined
}

/**
 * @internal Visits every node of one value (`visit` gets its kind); arrays and records are
 * entered unless `visit` returns `false`; `STOP` ends the walk.
 */
export const forEach = (
  root: unknown,
  visit: (node: unknown, kind: Kind, cursor: Cursor) => boolean | object | void,
  cycle: (path: string) => Error
): void =>
  walk(root, undefined, undefined, undefined, {
    enter: (node, _b, _c, _d, cursor) => {
      const kind = kindOf(node)
      const r = visit(node, kind, cursor)
      return r === STOP ? STOP : r === false ? undefined : pushChildren(node, kind, cursor)
    },
    cycle
  })

// -------------------------------------------------------------------------------------
// building
// -------------------------------------------------------------------------------------

/**
 * @internal Sets field `key` of a record being built, as an own property even for keys such
 * as `__proto__`.
 */
export const setField = (out: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

/** @internal A fresh container shaped like `u` (an array of its length, or a record with its keys, in order). */
export const emptyLike = (u: unknown, kind: typeof ARRAY | typeof RECORD, keys?: ReadonlyArray<string>): Array<unknown> | Record<string, unknown> => {
  if (kind === ARRAY) return new Array<unknown>((u as ReadonlyArray<unknown>).length)
  const out: Record<string, unknown> = {}
  // The keys are created now, in order, so that filling them in any order keeps it.
  for (const k of keys ?? Object.keys(u as object)) setField(out, k, undefined)
  return out
}

/** @internal Writes `value` at `key` of a container being built (`out` is `null` for the root). */
export const put = (out: Array<unknown> | Record<string, unknown> | null, key: Key, value: unknown): void => {
  if (out === null) return
  if (typeof key === 'number') (out as Array<unknown>)[key] = value
  else setField(out as Record<string, unknown>, key, value)
}

// -------------------------------------------------------------------------------------
// descriptions
// -------------------------------------------------------------------------------------

/**
 * @internal The path of flat coordinate `index` of a structure laid out in the walk's order
 * (a number is one coordinate, a tensor its row-major data): `w[1]`, `W[1, 2]` (a tensor's
 * multi-index), `(root)`. `null` if the structure has fewer coordinates or holds other values.
 */
export const coordinatePath = (value: unknown, index: number): string | null => {
  let found: string | null = null
  let left = index
  try {
    forEach(
      value,
      (node, kind, cursor) => {
        if (kind === NUMBER) {
          if (left === 0) found = cursor.show()
          left--
        } else if (kind === TENSOR) {
          const t = node as Tensor
          if (left < t.size) found = `${cursor.show()}${t.shape.length === 0 ? '' : showIndex(unravel(left, t.shape))}`
          left -= t.size
        } else if (kind === OTHER) left = -1
        return left < 0 ? STOP : true
      },
      () => new Error('cycle')
    )
  } catch {
    return null
  }
  return found
}
