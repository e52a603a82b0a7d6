/**
 * The array type kernels read: a `Float64Array` seen without its writing methods (what a
 * tensor's `data` is in the public type). A `Float64Array` is one, so kernels take their
 * inputs as this type and their outputs as `Float64Array`.
 *
 * @internal
 * @module kernels/data
 */

/**
 * A `Float64Array` that cannot be written through: no index assignment, no `set`, `fill`,
 * `copyWithin`, `reverse` or `sort`, and `subarray` gives a read-only view too. Methods that
 * return new arrays (`slice`, `map`, `filter`, `Array.from`) return ordinary, writable copies.
 */
export type ReadonlyFloat64Array = Omit<Float64Array, number | 'set' | 'fill' | 'copyWithin' | 'reverse' | 'sort' | 'subarray'> & {
  readonly [index: number]: number
  /** A read-only view of the elements from `begin` to `end` (not a copy). */
  subarray(begin?: number, end?: number): ReadonlyFloat64Array
}
