/**
 * A stand-in for vitest's test collector, used when `test/examples.test.ts` executes a
 * guide's code block that is itself a vitest test file: vitest does not allow `describe` and
 * `it` inside a running test, so the generated copy imports this module instead. `describe`
 * runs its body at once; `it`/`test` queue their bodies, which {@link runCollected} awaits in
 * order. Assertions are vitest's own `expect`. (The type checker sees the real `'vitest'`.)
 */
import { expect, expectTypeOf } from 'vitest'

export { expect, expectTypeOf }

type Body = () => unknown

const queue: Array<{ readonly name: string; readonly body: Body }> = []
const prefix: Array<string> = []

/** Runs the body now, so its tests are queued under its name. */
export const describe = (name: string, body: () => void): void => {
  prefix.push(name)
  try {
    body()
  } finally {
    prefix.pop()
  }
}

/** Queues a test body. */
export const it = (name: string, body: Body, _timeout?: number): void => {
  queue.push({ name: [...prefix, name].join(' > '), body })
}

/** The same as {@link it}. */
export const test = it

/** Runs the queued tests in order, then empties the queue; returns their names. */
export const runCollected = async (): Promise<Array<string>> => {
  const names: Array<string> = []
  while (queue.length > 0) {
    const next = queue.shift()!
    try {
      await next.body()
    } catch (error) {
      throw new Error(`test "${next.name}" failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error
      })
    }
    names.push(next.name)
  }
  return names
}
