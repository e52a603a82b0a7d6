/**
 * Finds every runnable example of the project and writes it out twice, so that
 * `test/examples.test.ts` can type-check one copy and execute the other:
 *
 * - every `@example` block of a doc comment in `src/**\/*.ts` and `laws/**\/*.ts`
 *   (a fenced block inside the tag, or the whole tag body when it has no fence);
 * - every ```` ```ts ```` / ```` ```typescript ```` block of `README.md` and `docs/*.md`.
 *
 * The modules and the guides are discovered by walking the folders, so new modules need no
 * registration here.
 *
 * Conventions (the same for every author):
 * - examples import the package by its public names, `'backprop-lens'`,
 *   `'backprop-lens/laws'` or `'backprop-lens/<Module>'`; here they resolve to the sources;
 * - a `console.log(...)` call written on one line and ending with a comment `// text` must
 *   print exactly `text` (node's `util.format`); if node prints several lines, the comment
 *   holds them joined by one space, each line's indentation dropped. Lines without a
 *   trailing comment are run but not compared;
 * - a guide's code block that imports from `'vitest'` is a test file: its `describe`/`it`
 *   bodies run (through a small stand-in for vitest's collector) and must not throw.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** The project root (this file lives in `test/support/`). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
/**
 * Where the generated files go (`test/.generated/`, gitignored): one folder per process, so
 * that two test runs at the same time do not overwrite each other's files.
 */
export const GENERATED = path.join(ROOT, 'test', '.generated', `p${process.pid}`)
const CHECK_DIR = path.join(GENERATED, 'check')
const RUN_DIR = path.join(GENERATED, 'run')

/** One example, located in its source. */
export interface Example {
  /** Stable identifier, also the generated file's base name. */
  readonly id: string
  /** Source file, relative to the project root (`src/Lens.ts`, `docs/laws.md`). */
  readonly file: string
  /** What it documents: `Lens.make`, `module Lens`, `docs/laws.md § Running the kit`. */
  readonly subject: string
  /** 1-based line in `file` of the example's first code line. */
  readonly line: number
  /** The code, as written. */
  readonly code: string
}

/** A checked `console.log` line of an example. */
export interface Expectation {
  /** 1-based line inside the example. */
  readonly line: number
  /** What node must print. */
  readonly expected: string
}

/** The files written for one example. */
export interface Generated {
  readonly example: Example
  /** The faithful copy (imports rewritten to the sources only), for the type checker. */
  readonly checkFile: string
  /** The instrumented copy, for execution. */
  readonly runFile: string
  readonly expectations: ReadonlyArray<Expectation>
  /** True if it is a vitest test file (imports `'vitest'`). */
  readonly isTestFile: boolean
}

// -------------------------------------------------------------------------------------
// discovery
// -------------------------------------------------------------------------------------

const walk = (dir: string, keep: (file: string) => boolean): Array<string> => {
  const abs = path.join(ROOT, dir)
  if (!fs.existsSync(abs)) return []
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f).split(path.sep).join('/'))
    .filter((f) => keep(f) && fs.statSync(path.join(ROOT, f)).isFile())
    .sort()
}

/** The TypeScript sources whose doc comments are scanned, relative to the root. */
export const sourceFiles = (): Array<string> =>
  [...walk('src', isTs), ...walk('laws', isTs)]

const isTs = (f: string): boolean => f.endsWith('.ts') && !f.endsWith('.d.ts')

/** The Markdown files whose code blocks are checked, relative to the root. */
export const markdownFiles = (): Array<string> => [
  ...(fs.existsSync(path.join(ROOT, 'README.md')) ? ['README.md'] : []),
  ...walk('docs', (f) => f.endsWith('.md') && !f.includes('/', 'docs/'.length))
]

// -------------------------------------------------------------------------------------
// extraction
// -------------------------------------------------------------------------------------

const lineAt = (text: string, index: number): number => {
  let line = 1
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

const trimBlankEdges = (lines: ReadonlyArray<{ text: string; line: number }>) => {
  let start = 0
  let end = lines.length
  while (start < end && lines[start]!.text.trim() === '') start++
  while (end > start && lines[end - 1]!.text.trim() === '') end--
  return lines.slice(start, end)
}

const declarationName = /^(?:export\s+)?(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/

/** Splits a tag body into code blocks: its fenced blocks, or all of it if it has none. */
const codeBlocks = (
  body: ReadonlyArray<{ text: string; line: number }>
): Array<Array<{ text: string; line: number }>> => {
  if (!body.some((l) => /^\s*(```|~~~)/.test(l.text))) return [trimBlankEdges(body)]
  const blocks: Array<Array<{ text: string; line: number }>> = []
  let current: Array<{ text: string; line: number }> | null = null
  for (const l of body) {
    if (/^\s*(```|~~~)/.test(l.text)) {
      if (current === null) current = []
      else {
        blocks.push(trimBlankEdges(current))
        current = null
      }
    } else if (current !== null) current.push(l)
  }
  return blocks
}

/** The `@example` blocks of one TypeScript file. */
export const examplesOfSource = (file: string, text: string): Array<Example> => {
  const moduleName = /@module\s+(\S+)/.exec(text)?.[1] ?? path.basename(file, '.ts')
  const out: Array<Example> = []
  const comment = /\/\*\*([\s\S]*?)\*\//g
  for (let m = comment.exec(text); m !== null; m = comment.exec(text)) {
    const firstLine = lineAt(text, m.index)
    const lines = m[1]!.split('\n').map((raw, i) => ({
      text: raw.replace(/^\s*\*(?: |$)/, ''),
      line: firstLine + i
    }))
    const isModuleDoc = lines.some((l) => /^\s*@module\b/.test(l.text))
    const after = text.slice(m.index + m[0].length).trimStart()
    const declared = declarationName.exec(after)?.[1]
    const subject = isModuleDoc
      ? `module ${moduleName}`
      : declared !== undefined
        ? `${moduleName}.${declared}`
        : `comment at line ${firstLine}`
    let body: Array<{ text: string; line: number }> | null = null
    const flush = () => {
      if (body === null) return
      for (const block of codeBlocks(body)) {
        if (block.length === 0) continue
        const line = block[0]!.line
        out.push({ id: slug(file, line), file, subject, line, code: block.map((l) => l.text).join('\n') })
      }
      body = null
    }
    for (const l of lines) {
      const tag = /^\s*@(\w+)/.exec(l.text)
      if (tag !== null) {
        flush()
        if (tag[1] === 'example') body = []
      } else if (body !== null) body.push(l)
    }
    flush()
  }
  return out
}

/** The ```ts blocks of one Markdown file. */
export const examplesOfMarkdown = (file: string, text: string): Array<Example> => {
  const out: Array<Example> = []
  const lines = text.split('\n')
  let heading = ''
  let fence: { marker: string; checked: boolean; lines: Array<{ text: string; line: number }> } | null = null
  lines.forEach((raw, i) => {
    const line = i + 1
    if (fence !== null) {
      if (raw.trim().startsWith(fence.marker) && raw.trim().replace(/[`~]/g, '') === '') {
        if (fence.checked && fence.lines.length > 0) {
          const first = fence.lines[0]!.line
          out.push({
            id: slug(file, first),
            file,
            subject: heading === '' ? file : `${file} § ${heading}`,
            line: first,
            code: fence.lines.map((l) => l.text).join('\n')
          })
        }
        fence = null
      } else fence.lines.push({ text: raw, line })
      return
    }
    const open = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(raw)
    if (open !== null) {
      const lang = open[2]!.toLowerCase()
      fence = { marker: open[1]!, checked: lang === 'ts' || lang === 'typescript', lines: [] }
      return
    }
    const h = /^#{1,6}\s+(.*)$/.exec(raw)
    if (h !== null) heading = h[1]!.trim()
  })
  return out
}

const slug = (file: string, line: number): string => `${file.replace(/[^\w]+/g, '_')}_L${line}`

/** Every example of the project. */
export const collectExamples = (): Array<Example> => [
  ...sourceFiles().flatMap((f) => examplesOfSource(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))),
  ...markdownFiles().flatMap((f) => examplesOfMarkdown(f, fs.readFileSync(path.join(ROOT, f), 'utf8')))
]

// -------------------------------------------------------------------------------------
// coverage
// -------------------------------------------------------------------------------------

/** An export of `src/` or `laws/` whose doc comment has no `@example`. */
export interface Undocumented {
  readonly file: string
  readonly line: number
  readonly name: string
  /** `value` for functions, constants and classes; `type` for types and interfaces. */
  readonly kind: 'value' | 'type'
}

const exportDeclaration =
  /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?^export\s+(?:declare\s+)?(?:abstract\s+)?(const|let|function|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm

/**
 * The exports declared in `src/` and `laws/` (not re-exports) none of whose declarations'
 * doc comments has an `@example`. Modules and declarations marked `@internal` are skipped.
 */
export const exportsWithoutExample = (): Array<Undocumented> =>
  sourceFiles().flatMap((file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    const moduleDoc = /\/\*\*(?:(?!\*\/)[\s\S])*@module(?:(?!\*\/)[\s\S])*\*\//.exec(text)?.[0] ?? ''
    if (/@internal\b/.test(moduleDoc)) return []
    const first = new Map<string, Undocumented>()
    const covered = new Set<string>()
    exportDeclaration.lastIndex = 0
    for (let m = exportDeclaration.exec(text); m !== null; m = exportDeclaration.exec(text)) {
      const doc = m[1] ?? ''
      const name = m[3]!
      if (/@internal\b|@example\b/.test(doc)) covered.add(name)
      if (!first.has(name)) {
        const kind = m[2] === 'interface' || m[2] === 'type' ? 'type' : 'value'
        first.set(name, { file, line: lineAt(text, m.index + doc.length), name, kind })
      }
    }
    return [...first.values()].filter((u) => !covered.has(u.name))
  })

// -------------------------------------------------------------------------------------
// expectations
// -------------------------------------------------------------------------------------

/** The trailing `// comment` of a line of code, if any (strings are skipped). */
export const trailingComment = (lineText: string): string | undefined => {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, lineText)
  let comment: string | undefined
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia) comment = scanner.getTokenText()
    else if (kind !== ts.SyntaxKind.WhitespaceTrivia && kind !== ts.SyntaxKind.NewLineTrivia) comment = undefined
  }
  return comment === undefined ? undefined : comment.replace(/^\/\/ ?/, '').trimEnd()
}

/** The checked `console.log` lines of an example. */
export const expectationsOf = (code: string): Array<Expectation> =>
  code.split('\n').flatMap((text, i) => {
    if (!text.includes('console.log(')) return []
    const expected = trailingComment(text)
    return expected === undefined ? [] : [{ line: i + 1, expected }]
  })

/** How a printed text is compared with its comment: multi-line output joined by spaces. */
export const normalizePrinted = (printed: string): string =>
  printed.includes('\n') ? printed.split('\n').map((l) => l.trim()).join(' ') : printed

// -------------------------------------------------------------------------------------
// generation
// -------------------------------------------------------------------------------------

const specifier = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(backprop-lens(?:\/[\w./-]+)?|vitest)\2/g

/** Rewrites the package's public names to paths of the sources, as seen from `dir`. */
const rewriteImports = (code: string, dir: string, vitestShim: string | null): string =>
  code.replace(specifier, (whole, lead: string, quote: string, name: string) => {
    let target: string
    if (name === 'vitest') {
      if (vitestShim === null) return whole
      target = vitestShim
    } else if (name === 'backprop-lens') target = path.join(ROOT, 'src', 'index.ts')
    else if (name === 'backprop-lens/laws') target = path.join(ROOT, 'laws', 'index.ts')
    else {
      // a module file (`backprop-lens/Lens`) or a folder with an index (`backprop-lens/ops`)
      const sub = name.slice('backprop-lens/'.length)
      const file = path.join(ROOT, 'src', `${sub}.ts`)
      target = fs.existsSync(file) ? file : path.join(ROOT, 'src', sub, 'index.ts')
    }
    let rel = path.relative(dir, target).split(path.sep).join('/').replace(/\.ts$/, '.js')
    if (!rel.startsWith('.')) rel = `./${rel}`
    return `${lead}${quote}${rel}${quote}`
  })

/** The name of the global function that instrumented `console.log` lines call. */
export const LOG_HOOK = '__backpropLensExampleLog'

const instrument = (code: string, expectations: ReadonlyArray<Expectation>): string => {
  const checked = new Set(expectations.map((e) => e.line))
  return code
    .split('\n')
    .map((text, i) => (checked.has(i + 1) ? text.replace('console.log(', `globalThis.${LOG_HOOK}(${i + 1}, `) : text))
    .join('\n')
}

/** Writes both copies of every example (clearing earlier output) and describes them. */
export const generate = (examples: ReadonlyArray<Example>): Array<Generated> => {
  fs.rmSync(GENERATED, { recursive: true, force: true })
  fs.mkdirSync(CHECK_DIR, { recursive: true })
  fs.mkdirSync(RUN_DIR, { recursive: true })
  const shim = path.join(ROOT, 'test', 'support', 'vitest-shim.ts')
  const out = examples.map((example): Generated => {
    const header = `// Generated from ${example.file}:${example.line} (${example.subject}); do not edit.\n`
    const expectations = expectationsOf(example.code)
    const isTestFile = /\bfrom\s*['"]vitest['"]/.test(example.code)
    const checkFile = path.join(CHECK_DIR, `${example.id}.ts`)
    const runFile = path.join(RUN_DIR, `${example.id}.ts`)
    // One header line, then the code line for line, so line n of the code is line n + 1.
    fs.writeFileSync(checkFile, `${header}${rewriteImports(example.code, CHECK_DIR, null)}\nexport {}\n`)
    fs.writeFileSync(runFile, `${header}${rewriteImports(instrument(example.code, expectations), RUN_DIR, shim)}\nexport {}\n`)
    return { example, checkFile, runFile, expectations, isTestFile }
  })
  fs.writeFileSync(
    path.join(GENERATED, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: path.relative(GENERATED, path.join(ROOT, 'tsconfig.json')).split(path.sep).join('/'),
        compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false },
        include: ['check/*.ts']
      },
      null,
      2
    )
  )
  return out
}

/** Removes the generated files of this process. */
export const cleanUp = (): void => {
  fs.rmSync(GENERATED, { recursive: true, force: true })
}

/** The offset between a generated file's lines and the example's lines (the header). */
export const HEADER_LINES = 1

// -------------------------------------------------------------------------------------
// type checking
// -------------------------------------------------------------------------------------

/** One tsc program over all generated files; type errors by generated file. */
export const typeCheck = (generated: ReadonlyArray<Generated>): Map<string, Array<string>> => {
  const configPath = path.join(GENERATED, 'tsconfig.json')
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p))
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'))
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, GENERATED, undefined, configPath)
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })
  const byFile = new Map<string, Array<string>>()
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...parsed.errors]
  if (global.length > 0) {
    throw new Error(ts.formatDiagnostics(global, formatHost))
  }
  for (const g of generated) {
    const sf = program.getSourceFile(g.checkFile)
    if (sf === undefined) {
      byFile.set(g.checkFile, ['the type checker did not load this file'])
      continue
    }
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
    byFile.set(
      g.checkFile,
      diagnostics.map((d) => {
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
        if (d.start === undefined) return message
        const { line } = sf.getLineAndCharacterOfPosition(d.start)
        const exampleLine = line + 1 - HEADER_LINES
        return `${g.example.file}:${g.example.line + exampleLine - 1}: TS${d.code}: ${message}`
      })
    )
  }
  return byFile
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => '\n'
}
