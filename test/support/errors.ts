/**
 * Errors in tests: the message of the error a call throws, to compare exactly.
 */

/** The message of the error `f` throws; fails the test if it throws nothing. */
export const message = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected an error')
}

/** `Class: message` of the error `f` throws (to compare the class too); fails the test if it throws nothing. */
export const classAndMessage = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`
  }
  throw new Error('expected an error')
}
