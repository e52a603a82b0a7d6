/**
 * Every example of the project runs: the `@example` blocks of `src/` and `laws/` and the
 * ```ts blocks of `README.md` and `docs/*.md` are type-checked (one TypeScript program over
 * all of them) and executed, and each `console.log(...)  // text` line must print `text`.
 * See `test/support/examples.ts` for the conventions.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { format } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanUp,
  collectExamples,
  examplesOfMarkdown,
  examplesOfSource,
  expectationsOf,
  exportsWithoutExample,
  generate,
  LOG_HOOK,
  normalizePrinted,
  ROOT,
  trailingComment,
  typeCheck,
  type Generated
} from './support/examples.js'
import { runCollected } from './support/vitest-shim.js'

const generated = generate(collectExamples())

let typeErrors = new Map<string, Array<string>>()
beforeAll(() => {
  typeErrors = typeCheck(generated)
}, 120_000)
afterAll(cleanUp)

const where = (g: Generated, line: number): string => `${g.example.file}:${g.example.line + line - 1}`

const run = async (g: Generated): Promise<void> => {
  const printed = new Map<number, Array<string>>()
  const hooks = globalThis as unknown as Record<string, unknown>
  const originalLog = console.log
  hooks[LOG_HOOK] = (line: number, ...args: Array<unknown>) => {
    const seen = printed.get(line) ?? []
    seen.push(format(...args))
    printed.set(line, seen)
  }
  // Unchecked console.log lines run too, quietly.
  console.log = () => {}
  try {
    await import(/* @vite-ignore */ g.runFile)
    if (g.isTestFile) await runCollected()
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    throw new Error(`example of ${g.example.subject} (${where(g, 1)}) threw:\n${message}`, { cause: error })
  } finally {
    console.log = originalLog
    delete hooks[LOG_HOOK]
  }
  const problems = g.expectations.flatMap(({ line, expected }) => {
    const outputs = printed.get(line)
    if (outputs === undefined) return [`${where(g, line)}: console.log never ran; expected ${expected}`]
    return outputs
      .map(normalizePrinted)
      .filter((actual) => actual !== expected)
      .map((actual) => `${where(g, line)}: printed\n    ${actual}\n  but the comment says\n    ${expected}`)
  })
  if (problems.length > 0) {
    throw new Error(`example of ${g.example.subject} drifted from the code:\n  ${problems.join('\n  ')}`)
  }
}

describe('examples', () => {
  it('finds examples in the sources and the guides', () => {
    expect(generated.some((g) => g.example.file.startsWith('src/'))).toBe(true)
    expect(generated.every((g) => g.example.code.trim() !== '')).toBe(true)
  })

  it('every exported function, constant and class has an @example', () => {
    const missing = exportsWithoutExample()
      .filter((u) => u.kind === 'value')
      .map((u) => `${u.file}:${u.line} ${u.name}`)
    expect(missing, `exports without an @example:\n  ${missing.join('\n  ')}`).toEqual([])
  })

  for (const g of generated) {
    it(`${g.example.subject} (${g.example.file}:${g.example.line})`, async () => {
      const errors = typeErrors.get(g.checkFile) ?? []
      if (errors.length > 0) {
        throw new Error(`example of ${g.example.subject} does not type-check:\n  ${errors.join('\n  ')}`)
      }
      await run(g)
    })
  }
})

describe('the README', () => {
  it('quotes benchmark ratios that docs/performance.md reports', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
    const section = /^## Performance\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? ''
    const performance = fs.readFileSync(path.join(ROOT, 'docs', 'performance.md'), 'utf8')
    const ratios = [...section.matchAll(/(\d+(?:\.\d+)?)×/g)].map((m) => m[1]!)
    expect(ratios.length).toBeGreaterThan(0)
    const missing = ratios.filter((r) => !new RegExp(`(^|[^\\d.])${r.replace('.', '\\.')}(?![\\d])`).test(performance))
    expect(missing, `README ratios not found in docs/performance.md: ${missing.join(', ')}`).toEqual([])
  })
})

describe('the example extractor', () => {
  const source = [
    '/**',
    ' * A module.',
    ' *',
    ' * @module Demo',
    ' */',
    '',
    '/**',
    ' * Doubles.',
    ' *',
    ' * @example',
    " * import { Lens } from 'backprop-lens'",
    ' *',
    ' * console.log(2 * 2) // 4',
    ' *',
    ' * @category things',
    ' */',
    'export const double = (x: number): number => 2 * x'
  ].join('\n')

  it('finds @example blocks with their export and line', () => {
    const [example, ...rest] = examplesOfSource('src/Demo.ts', source)
    expect(rest).toEqual([])
    expect(example).toMatchObject({ subject: 'Demo.double', line: 11, file: 'src/Demo.ts' })
    expect(example?.code).toBe("import { Lens } from 'backprop-lens'\n\nconsole.log(2 * 2) // 4")
  })

  it('finds ts blocks of Markdown under their heading, and skips other languages', () => {
    const md = ['# Title', '', '## Part', '```ts', 'console.log(1) // 1', '```', '```text', 'not code', '```'].join('\n')
    expect(examplesOfMarkdown('docs/x.md', md)).toEqual([
      { id: 'docs_x_md_L5', file: 'docs/x.md', subject: 'docs/x.md § Part', line: 5, code: 'console.log(1) // 1' }
    ])
  })

  it('reads the trailing comment of a line, not a // inside a string', () => {
    expect(trailingComment("console.log('a // b') // a // b")).toBe('a // b')
    expect(trailingComment("console.log('a // b')")).toBeUndefined()
    expect(expectationsOf("const x = 1\nconsole.log(x) // 1\nconsole.log(x)")).toEqual([{ line: 2, expected: '1' }])
  })

  it('joins multi-line output with single spaces', () => {
    expect(normalizePrinted('{\n  a: 1,\n  b: 2\n}')).toBe('{ a: 1, b: 2 }')
    expect(normalizePrinted('  x  ')).toBe('  x  ')
  })
})
