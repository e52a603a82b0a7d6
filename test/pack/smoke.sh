#!/usr/bin/env bash
# The packed-tarball smoke test: does `npm pack` produce a package that works for its users?
#
#  1. builds dist/ from scratch and packs the tarball;
#  2. creates a consumer project in a temporary folder and installs the tarball, with
#     fast-check, typescript and vitest at the versions this project locks
#     (npm --prefer-offline: from the npm cache that `npm ci` filled, else the registry);
#  3. (a) plain Node ESM (.mjs): imports 'backprop-lens', 'backprop-lens/laws' and every
#         module's own subpath ('backprop-lens/Lens', ...; discovered from the package), and
#         checks values; fp-ts's CommonJS subpaths ('fp-ts/lib/X.js') load from ESM;
#     (b) type-checks a TypeScript file that uses them, under moduleResolution "bundler" and
#         "nodenext" (skipLibCheck off, so the package's .d.ts files are checked too);
#     (c) runs, with vitest, the copy-pasteable test file of docs/laws.md: the law kit on a
#         primitive of the consumer's own;
#     (d) the WebAssembly kernels: the installed package holds the compiled module, loads it
#         under plain node without touching the file system, picks the SIMD path by itself,
#         and computes a product there equal to plain loops (and to its own JavaScript path);
#     (e) the README and the guides ship, and their relative links resolve in the package.
# Usage: bash test/pack/smoke.sh [--keep]   (--keep leaves the temporary folder for a look)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
KEEP="${1:-}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/backprop-lens-smoke.XXXXXX")"
cleanup() { if [ "$KEEP" != "--keep" ]; then rm -rf "$WORK"; else echo "smoke: kept $WORK"; fi; }
trap cleanup EXIT
start=$SECONDS
step() { echo "smoke [$((SECONDS - start))s] $*"; }

cd "$ROOT"
step "build and pack"
rm -rf dist
npm run --silent build
TARBALL="$(npm pack --silent --ignore-scripts --pack-destination "$WORK" | tail -n 1)"
TARBALL="$WORK/$TARBALL"
test -f "$TARBALL" || { echo "smoke: npm pack did not produce a tarball" >&2; exit 1; }

# The versions this project is tested with.
version() { node -p "require('$ROOT/node_modules/$1/package.json').version"; }
DEPS=(
  "fast-check@$(version fast-check)"
  "typescript@$(version typescript)"
  "vitest@$(version vitest)"
)

APP="$WORK/consumer"
mkdir -p "$APP/test"
cd "$APP"
cat > package.json <<'JSON'
{ "name": "consumer", "version": "0.0.0", "private": true, "type": "module" }
JSON
step "install the tarball and ${DEPS[*]}"
npm install --silent --prefer-offline --no-audit --no-fund --no-package-lock "$TARBALL" "${DEPS[@]}"

# ---- (a) plain Node ESM -------------------------------------------------------------
step "(a) plain Node ESM imports"
cat > esm.mjs <<'JS'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as root from 'backprop-lens'
import * as laws from 'backprop-lens/laws'
import * as LensModule from 'backprop-lens/Lens'
import * as Either from 'fp-ts/lib/Either.js'

const { Lens, Scalar } = root
const f = Lens.pipe(Scalar.square, Scalar.exp, Scalar.square)
assert.equal(Lens.evaluate(f, 0.5), 1.648721270700128)
assert.equal(Lens.backPropagateConst(f, 1, 0.5), 3.297442541400256)
// pipe runs its first lens first: sin(1²), not sin(1)².
assert.equal(Lens.evaluate(Lens.pipe(Scalar.square, Scalar.sin), 1), Math.sin(1))
assert.equal(LensModule.pipe, Lens.pipe, 'backprop-lens/Lens is the same module as the Lens namespace')
// The law kit: one namespace per module, each with a checkAll runner; arbitraries as plain exports.
for (const ns of ['ContLaws', 'LensLaws', 'CartesianLaws', 'ParaLaws', 'TensorLaws', 'GradientLaws']) {
  assert.equal(typeof laws[ns]?.checkAll, 'function', `backprop-lens/laws exports ${ns}.checkAll`)
}
for (const arb of ['doubleIn', 'scalarLens', 'pairLens', 'tensor', 'cont']) assert.equal(typeof laws[arb], 'function', `backprop-lens/laws exports ${arb}`)
assert.ok(Either.isRight(Either.right(1)), 'fp-ts/lib/Either.js loads from ESM')

// Every module of the package loads on its own subpath and is the root's namespace.
const pkg = createRequire(import.meta.url).resolve('backprop-lens/package.json')
const distSrc = new URL('./dist/src/', `file://${pkg}`)
// Files whose subpath the package maps to null are implementation files of a public module
// (Cartesian's combinators live in Lens): they must not load on their own.
const { exports: exportMap } = JSON.parse((await import('node:fs')).readFileSync(pkg, 'utf8'))
const closed = Object.keys(exportMap).filter((k) => exportMap[k] === null && !k.includes('*')).map((k) => k.slice(2))
for (const name of closed) await assert.rejects(import(`backprop-lens/${name}`), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, name)
const modules = readdirSync(distSrc).filter((f) => f.endsWith('.js') && f !== 'index.js' && !closed.includes(f.slice(0, -3)))
for (const file of modules) {
  const name = file.slice(0, -'.js'.length)
  const mod = await import(`backprop-lens/${name}`)
  assert.ok(Object.keys(mod).length > 0, `backprop-lens/${name} exports something`)
  if (name in root) for (const key of Object.keys(mod)) assert.equal(root[name][key], mod[key], `${name}.${key}`)
}
// ops is a folder with an index: 'backprop-lens/ops' is the root's ops namespace.
const opsModule = await import('backprop-lens/ops')
for (const key of Object.keys(opsModule)) assert.equal(root.ops[key], opsModule[key], `ops.${key}`)
modules.push('ops.js')
// The machinery stays private: nothing under internal/ or kernels/ (nor ops' own files)
// can be imported from the package, whatever its name.
let hidden = 0
for (const dir of ['internal', 'kernels', 'kernels/wasm', 'ops']) {
  for (const file of readdirSync(new URL(`${dir}/`, distSrc)).filter((f) => f.endsWith('.js'))) {
    const spec = `backprop-lens/${dir}/${file.slice(0, -'.js'.length)}`
    await assert.rejects(import(spec), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, spec)
    await assert.rejects(import(`${spec}.js`), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, `${spec}.js`)
    hidden++
  }
}
assert.ok(hidden >= 10, `the machinery folders hold the expected files (found ${hidden})`)
// What the library itself imports from fp-ts/io-ts at run time resolves in plain Node too
// (the imports above already loaded them; this names them in the log).
const runtime = new Set()
for (const dir of ['./dist/src/', './dist/src/ops/', './dist/src/internal/', './dist/src/kernels/', './dist/src/kernels/wasm/', './dist/laws/', './dist/laws/arbitraries/', './dist/laws/internal/']) {
  for (const file of readdirSync(new URL(dir, `file://${pkg}`)).filter((f) => f.endsWith('.js'))) {
    const text = (await import('node:fs')).readFileSync(new URL(dir + file, `file://${pkg}`), 'utf8')
    for (const m of text.matchAll(/^import\s[^'"]*['"]((?:fp-ts|io-ts)[^'"]*)['"]/gm)) runtime.add(m[1])
  }
}
for (const spec of runtime) await import(spec)
console.log(`smoke (a): ok: root, laws, ${modules.length} module subpaths (${modules.map((f) => f.slice(0, -3)).join(', ')}); ${hidden} machinery files hidden; fp-ts/io-ts at run time: ${[...runtime].join(', ') || 'none'}`)
JS
node esm.mjs

# ---- (b) TypeScript under bundler and nodenext ----------------------------------------
step "(b) type-check under moduleResolution bundler and nodenext"
cat > usage.ts <<'TS'
import fc from 'fast-check'
import { Cont, Lens, Scalar } from 'backprop-lens'
import * as L from 'backprop-lens/Lens'
import * as S from 'backprop-lens/Scalar'
import * as laws from 'backprop-lens/laws'
import { GradientLaws, LensLaws, doubleIn, exact, fd, scalarLens } from 'backprop-lens/laws'
import type { Category2 } from 'fp-ts/lib/Category.js'

const f: L.Lens<number, number> = Lens.pipe(S.square, Scalar.exp, Scalar.square)
const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
const [value, gradient]: readonly [number, number] = Lens.valueAndGrad(Lens.pipe(f, cube), 0.5)
const c: Cont.Cont<string, number> = Cont.of(2)
// The fp-ts instances carry the package's URI (the HKT augmentation is visible).
const category: Category2<'backprop-lens/Lens'> = Lens.Category
// @ts-expect-error pipe of mismatched lenses does not compile
Lens.pipe(Scalar.add, Scalar.add)
const kit: object = laws
// The law kit's runners, typed against the consumer's own lens (not run here; see (c)):
// every runner is (eq, arbitraries, options).
const checkCube = (): void => GradientLaws.checkGradient(fd, { lens: fc.constant(cube), input: doubleIn(-2, 2) }, { name: 'cube', numRuns: 300 })
const lenses: LensLaws.Arbitraries<number, number> = { lens: scalarLens(), input: doubleIn(-1, 1), cotangent: doubleIn(-1, 1) }
const checkCategory = (): void => LensLaws.checkAll(exact, lenses, { numRuns: 100 })
// @ts-expect-error a lens from pairs to numbers cannot be composed with itself: the composition laws need `after`
const checkMul = (): void => LensLaws.checkChainRule(exact, { lens: fc.constant(Scalar.mul), input: fc.tuple(doubleIn(-1, 1), doubleIn(-1, 1)), cotangent: doubleIn(-1, 1) })
export { value, gradient, c, category, kit, checkCube, checkCategory, checkMul }
TS
cat > tsconfig.bundler.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "ESNext", "moduleResolution": "Bundler",
    "strict": true, "noEmit": true, "skipLibCheck": false, "types": [],
    "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true
  },
  "files": ["usage.ts"]
}
JSON
cat > tsconfig.nodenext.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
    "strict": true, "noEmit": true, "skipLibCheck": false, "types": [],
    "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true
  },
  "files": ["usage.ts"]
}
JSON
npx --no-install tsc -p tsconfig.bundler.json
npx --no-install tsc -p tsconfig.nodenext.json
echo "smoke (b): ok: bundler and nodenext"

# ---- (c) the law kit in the consumer's own vitest suite --------------------------------
step "(c) the law kit with vitest (the test file of docs/laws.md)"
node --input-type=module - "$ROOT/docs/laws.md" test/laws.test.ts <<'JS'
import { readFileSync, writeFileSync } from 'node:fs'
const [source, target] = process.argv.slice(2)
const blocks = [...readFileSync(source, 'utf8').matchAll(/^```(?:ts|typescript)[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1])
const file = blocks.find((b) => /from ['"]vitest['"]/.test(b))
if (file === undefined) throw new Error(`${source}: no ts code block that imports from 'vitest'`)
writeFileSync(target, file)
JS
npx --no-install vitest run --root "$APP" --reporter=dot
echo "smoke (c): ok"

# ---- (d) the WebAssembly kernels under plain node --------------------------------------
step "(d) the WebAssembly kernels: shipped, loaded without the file system, SIMD path chosen"
cat > wasm.mjs <<'JS'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Lens, Tensor, ops } from 'backprop-lens'

const pkg = createRequire(import.meta.url).resolve('backprop-lens/package.json')
const kernelsDir = new URL('./dist/src/kernels/', `file://${pkg}`)
assert.ok(existsSync(new URL('wasm/kernels.generated.js', kernelsDir)), 'the compiled module ships in the tarball')
// The load path must work in bundlers and browsers too: no node: imports, no fs, no fetch.
for (const dir of ['', 'wasm/']) {
  for (const file of readdirSync(new URL(dir, kernelsDir)).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(new URL(dir + file, kernelsDir), 'utf8')
    assert.doesNotMatch(text, /from\s+['"]node:|require\(|\bfetch\(|readFile/, `kernels/${dir}${file} imports nothing from Node`)
  }
}
// The machinery is private; a test may still reach it by file URL.
const K = await import(new URL('index.js', kernelsDir).href)
const a = Tensor.randomUniform([70, 90], { seed: 1 })
const b = Tensor.randomUniform([90, 50], { seed: 2 })
const y = Lens.evaluate(ops.matmul, [a, b])
assert.equal(K.kernelChoice(), 'auto', 'no BACKPROP_LENS_KERNELS: auto')
assert.equal(K.kernelBackend(), 'wasm', 'plain node 20 has WebAssembly SIMD: the WebAssembly kernels run')
let worst = 0
for (let i = 0; i < 70; i++) {
  for (let j = 0; j < 50; j++) {
    let s = 0
    for (let p = 0; p < 90; p++) s += a.data[i * 90 + p] * b.data[p * 50 + j]
    worst = Math.max(worst, Math.abs(s - y.data[i * 50 + j]))
  }
}
assert.ok(worst < 1e-12, `the WebAssembly product equals plain loops (worst difference ${worst})`)
K.setKernelBackend('js')
const yJs = Lens.evaluate(ops.matmul, [a, b])
let gap = 0
for (let i = 0; i < y.size; i++) gap = Math.max(gap, Math.abs(y.data[i] - yJs.data[i]))
assert.ok(gap < 1e-12, `and its own JavaScript path (gap ${gap})`)
console.log(`smoke (d): ok: the WebAssembly kernels ship, load from their embedded bytes and run under plain node; a product within ${worst.toExponential(1)} of plain loops and ${gap.toExponential(1)} of the JavaScript path`)
JS
env -u BACKPROP_LENS_KERNELS node wasm.mjs

# ---- (e) the guides ship with the package --------------------------------------------
step "(e) every relative link of the installed README and guides resolves in the package"
cat > links.mjs <<'JS'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
const pkg = join(process.cwd(), 'node_modules', 'backprop-lens')
const pages = ['README.md', ...readdirSync(join(pkg, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
const missing = []
let checked = 0
for (const page of pages) {
  const text = readFileSync(join(pkg, page), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue
    const file = target.split('#')[0]
    if (file.startsWith('api/') || file.startsWith('docs/api/')) continue // the API site is built, not shipped
    checked++
    if (!existsSync(join(pkg, dirname(page), file))) missing.push(`${page} -> ${target}`)
  }
}
assert.deepEqual(missing, [], `links that do not resolve in the installed package:\n${missing.join('\n')}`)
assert.ok(pages.length >= 8 && checked >= 9, `found ${pages.length} pages and ${checked} links`)
console.log(`smoke (e): ok: ${checked} relative links in ${pages.length} pages resolve in the installed package`)
JS
node links.mjs

step "all checks passed"
