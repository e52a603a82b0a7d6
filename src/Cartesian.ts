/**
 * The Cartesian (product) structure of lenses: programs with several inputs and outputs.
 * Pairs are `readonly [A, B]`, and a pair's cotangent is the pair of the components'
 * cotangents. Every combinator here is also exported from `Lens` (`Lens.split`, …).
 *
 * - {@link split} (`f *** g`) runs two lenses side by side on the two halves of a pair;
 *   {@link first} and {@link second} run one lens on one half.
 * - {@link fanout} (`f &&& g`) runs two lenses on the same input; the cotangents that come
 *   back from the two branches are *added* (the input was used twice). {@link dup} is the
 *   copy `a ↦ [a, a]` on its own, whose backward pass adds.
 * - {@link fst}, {@link snd} project; the component that was dropped gets a zero
 *   cotangent. {@link swap} exchanges the halves.
 * - Constants: {@link withConst} (`a ↦ [a, c]`) and {@link withConstFirst} (`a ↦ [c, a]`)
 *   feed a fixed value beside the running one — a target into a loss
 *   (`pipe(net, withConst(target), mse)`), a fixed operand into a binary primitive
 *   (`pipe(withConst(2), Scalar.mul)` doubles). They are the ones to reach for: their backward
 *   pass just drops the constant's cotangent, so they need no vector space and add no zero.
 *   {@link constant} (`a ↦ c`, backward: a zero) exists for completeness, e.g. as a branch of
 *   {@link fanout}, but `fanout(id(), constant(c))` does the work of `withConst(c)` with an
 *   extra zero and sum.
 *
 * **Where zeros and sums come from.** {@link fanout}, {@link dup}, {@link fst}, {@link snd}
 * and {@link constant} need a zero or a sum of cotangents. Each takes the `VectorSpace` it
 * needs as an *optional last argument*; when it is omitted, the instance is inferred with
 * `VectorSpace.infer` from a value at hand when it is needed: the dropped component of
 * the input (for a zero) or the first cotangent (for a sum). Why: the structure of the
 * zero or sum is always that of a value the lens holds at that moment, so for the
 * library's own types (numbers, tuples, records, and tensors, which `infer` recognises) the
 * inferred instance is the right one and network code stays free of instance plumbing.
 * Pass the instance explicitly for cotangent types `infer` does not know (your own
 * classes), or to avoid inferring on each backward pass in a hot loop over large tuples
 * (numbers take a fast path and never infer). Cotangents of different structures (a
 * branch returning a malformed cotangent) are an error naming the combinator.
 *
 * **Efficiency.** {@link split} and {@link fanout} are single steps of the program they are
 * piped into; each branch runs once forward (recording its own tape when it is a
 * composition) and its pullback is reused by the backward pass. Nothing after them runs
 * twice: one run of `fanout(f, g)` in CPS calls `next` once and its continuation once.
 * Branches that are primitives, `id()`, or pipes without deeper nesting run directly on the
 * library's tape; only deep nests go through the interpreter described next.
 * {@link fst}, {@link snd}, {@link dup}, {@link swap}, {@link constant}, {@link withConst}
 * and {@link withConstFirst} are primitive steps.
 *
 * **Stack.** Pipes of any length containing these combinators, branches that are pipes of
 * any length, and `split`/`fanout` nested inside each other to any depth
 * (`pipe(fanout(pipe(fanout(…), …), id()), mul)`, hundreds of thousands of levels) run
 * in constant native stack: a deep nest is run forward and backward by one loop with
 * explicit stacks. The exception: a branch that contains a hand-written CPS lens runs
 * through `Cont` as a whole, so nesting *through* such branches costs native stack.
 *
 * Laws (checked by `backprop-lens/laws`, `fwd(L)(a) = evaluate(L, a)`,
 * `bwd(L)(a, db) = backPropagateConst(L, db, a)`):
 * - projections: `bwd(fst())([a, b], dc) = [dc, 0]`, `bwd(snd())([a, b], dc) = [0, dc]`;
 * - fan-out: `bwd(fanout(f, g))(a, [db, dc]) = bwd(f)(a, db) + bwd(g)(a, dc)` and
 *   `fanout(f, g) ≡ pipe(dup(), split(f, g))`;
 * - interchange: `pipe(split(f, g), split(h, k)) ≡ split(pipe(f, h), pipe(g, k))`,
 *   `pipe(swap(), swap()) ≡ id()`;
 * - single shot: one CPS run of `split` or `fanout` calls `next` once and the continuation once.
 *
 * @module Cartesian
 */
import type { Lens } from './Lens.js'
import * as I from './internal.js'
import * as VS from './VectorSpace.js'
import type { VectorSpace } from './VectorSpace.js'

// -------------------------------------------------------------------------------------
// machinery
// -------------------------------------------------------------------------------------

type Pullback = (db: unknown) => unknown
type Pair = readonly [unknown, unknown]

const describe = (u: unknown): string => {
  if (u === null) return 'null'
  if (Array.isArray(u)) return `an array of length ${u.length}`
  if (typeof u === 'object') {
    const name = (Object.getPrototypeOf(u) as { constructor?: { name?: string } } | null)?.constructor?.name
    return name === undefined || name === 'Object' ? 'an object' : `a ${name}`
  }
  if (typeof u === 'function') return 'a function'
  return `${typeof u} ${String(u)}`
}

/** The value as a pair, or a `TypeError` naming the combinator and what it got. */
const asPair = (op: string, what: string, u: unknown): Pair => {
  if (!Array.isArray(u) || u.length !== 2) {
    throw new TypeError(`Lens.${op}: expected ${what} to be a pair [x, y], got ${describe(u)}`)
  }
  return u as unknown as Pair
}

const asLens = (op: string, position: string, u: unknown): I.AnyLens => {
  if (typeof u !== 'function') throw new TypeError(`Lens.${op}: the ${position} argument is not a lens (got ${describe(u)})`)
  return u as I.AnyLens
}

const asSpace = (op: string, u: unknown): VectorSpace<unknown> | undefined => {
  if (u === undefined) return undefined
  const v = u as Partial<VectorSpace<unknown>> | null
  if (v === null || typeof v !== 'object' || typeof v.add !== 'function' || typeof v.zero !== 'function') {
    throw new TypeError(`Lens.${op}: the last argument must be a VectorSpace (with zero and add), got ${describe(u)}`)
  }
  return v as VectorSpace<unknown>
}

const inferred = (op: string, role: string, value: unknown): VectorSpace<unknown> => {
  try {
    return VS.infer(value)
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause)
    throw new TypeError(`Lens.${op}: cannot infer the vector space of ${role} (${why}); pass its VectorSpace as the last argument`, {
      cause
    })
  }
}

/** The sum of two cotangents, by the given instance or one inferred from `x`. */
const summer = (op: string, space: VectorSpace<unknown> | undefined): ((x: unknown, y: unknown) => unknown) => {
  const add = (x: unknown, y: unknown): unknown => {
    if (space === undefined && typeof x === 'number') {
      if (typeof y === 'number') return x + y
      throw new RangeError(`Lens.${op}: cannot add the cotangents of the two uses of the input (number and ${describe(y)})`)
    }
    const v = space ?? inferred(op, 'the cotangents to add', x)
    try {
      return v.add(x, y)
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause)
      throw new RangeError(`Lens.${op}: cannot add the cotangents of the two uses of the input (${why})`, { cause })
    }
  }
  return add
}

/** The zero shaped like `like`, by the given instance or one inferred from `like`. */
const zeroer = (op: string, space: VectorSpace<unknown> | undefined): ((like: unknown) => unknown) => {
  if (space !== undefined) return (like) => space.zero(like)
  return (like) => (typeof like === 'number' ? 0 : inferred(op, 'the dropped value', like).zero(like))
}

const passThrough: Pullback = (d) => d

// -------------------------------------------------------------------------------------
// the nested interpreter
// -------------------------------------------------------------------------------------

/**
 * What a `split` or a `fanout` is made of. Their plans are VJP steps like any other, so
 * they sit in a flat program; but their branches may contain more of them, nested to any
 * depth (`fanout(pipe(fanout(…), …), …)`). Running a branch by calling its plan's `vjp`
 * would use native stack per level of nesting, so the steps of `split` and `fanout` are
 * known by their nodes, and a deep nest is run by one loop with explicit stacks, forward
 * ({@link runNode}) and backward ({@link runBack}). A node whose branches are shallow runs
 * directly ({@link directVjp}), which is the common case and allocates little.
 */
class Node {
  /** Whether both branches are shallow (not {@link GENERAL}); decided at the first run. */
  direct = UNKNOWN
  /** Whether both branches are single steps ({@link leafOnly}); decided when first asked. */
  simple = UNKNOWN
  readonly left: Branch
  readonly right: Branch
  constructor(
    readonly op: string,
    /** fanout: both branches read the same input, and their cotangents are added. */
    readonly add: ((x: unknown, y: unknown) => unknown) | null,
    left: I.AnyLens,
    right: I.AnyLens
  ) {
    this.left = new Branch(left)
    this.right = new Branch(right)
  }
}

const UNKNOWN = -1
/** Kinds of branch. Shallow: the identity, one primitive step, one VJP step (not a split or fanout). */
const LEAF_ID = 0
const LEAF_PRIM = 1
const LEAF_VJP = 2
/** Shallow: a tape whose only nested splits and fanouts have single-step branches. */
const FLAT = 3
/** Shallow: a program with a hand-written CPS lens, run through `Cont` by `vjpLens`. */
const RAW_BRANCH = 4
/** Deep: a tape with nested splits or fanouts that are not simple; run by the interpreter. */
const GENERAL = 5

class Branch {
  kind = UNKNOWN
  step: I.Plan | null = null
  steps: ReadonlyArray<I.Plan> = []
  constructor(readonly lens: I.AnyLens) {}
}

/**
 * The node of a step, if it is a split or fanout: kept on the step's `vjp` function (a
 * `WeakMap` from plans would do, but V8 marks chains of weak entries whose values reach
 * other keys slowly, and nests are exactly such chains).
 */
const NODE: unique symbol = Symbol('backprop-lens/Cartesian/node')
type Marked = { readonly [NODE]?: Node }
const nodeOf = (step: I.Plan): Node | undefined => (step.vjp === null ? undefined : (step.vjp as Marked)[NODE])

/** A lens that is the identity or one step that is not a split or fanout (no recursion). */
const leafOnly = (lens: I.AnyLens): boolean => {
  const program = I.programOf(lens)
  if (!program.tape || program.steps.length > 1) return false
  const step = program.steps[0]
  return step === undefined || step.tag === I.PRIM || nodeOf(step) === undefined
}

const isSimple = (node: Node): boolean => {
  if (node.simple === UNKNOWN) node.simple = leafOnly(node.left.lens) && leafOnly(node.right.lens) ? 1 : 0
  return node.simple === 1
}

/** Tapes whose nested splits and fanouts are all simple, so that running them natively stays shallow. */
const flatPrograms = new WeakMap<I.Program, boolean>()
const isFlat = (program: I.Program): boolean => {
  let flat = flatPrograms.get(program)
  if (flat === undefined) {
    flat = program.tape
    for (const step of program.steps) {
      const child = nodeOf(step)
      if (child !== undefined && !isSimple(child)) {
        flat = false
        break
      }
    }
    flatPrograms.set(program, flat)
  }
  return flat
}

const classifyBranch = (branch: Branch): void => {
  const program = I.programOf(branch.lens)
  const steps = program.steps
  branch.steps = steps
  const first = steps[0]
  if (!program.tape) branch.kind = RAW_BRANCH
  else if (first === undefined) branch.kind = LEAF_ID
  else if (steps.length === 1 && first.tag === I.PRIM) branch.kind = LEAF_PRIM
  else if (steps.length === 1 && nodeOf(first) === undefined) branch.kind = LEAF_VJP
  else branch.kind = isFlat(program) ? FLAT : GENERAL
  if (branch.kind === LEAF_PRIM || branch.kind === LEAF_VJP) branch.step = first as I.Plan
}

/** Decides (once; plans are immutable) whether a node runs directly: both branches shallow. */
const classify = (node: Node): boolean => {
  if (node.direct === UNKNOWN) {
    classifyBranch(node.left)
    classifyBranch(node.right)
    node.direct = node.left.kind !== GENERAL && node.right.kind !== GENERAL ? 1 : 0
  }
  return node.direct === 1
}

type Vjp = (a: unknown) => readonly [unknown, Pullback]
type Bwd = (a: unknown, db: unknown, b: unknown) => unknown

/** A shallow branch forward. */
const branchForward = (branch: Branch, x: unknown): unknown => {
  switch (branch.kind) {
    case LEAF_ID:
      return x
    case LEAF_PRIM:
    case LEAF_VJP: {
      const step = branch.step as I.Plan
      return step.forward !== null ? step.forward(x) : (step.vjp as Vjp)(x)[0]
    }
    case FLAT:
      return I.forwardOnly(branch.steps, 0, branch.steps.length, x)
    default:
      return I.evaluateLens(branch.lens, x)
  }
}

/** A shallow branch forward, with what its backward pass needs besides its input and output. */
const branchRecord = (branch: Branch, x: unknown): readonly [unknown, unknown] => {
  switch (branch.kind) {
    case LEAF_ID:
      return [x, null]
    case LEAF_PRIM:
      return [((branch.step as I.Plan).forward as (a: unknown) => unknown)(x), null]
    case LEAF_VJP:
      return ((branch.step as I.Plan).vjp as Vjp)(x)
    case FLAT: {
      const tape = I.record(branch.steps, 0, branch.steps.length, x)
      return [I.output(tape), tape]
    }
    default:
      return I.vjpLens(branch.lens, x)
  }
}

/** A shallow branch backward. */
const branchBack = (branch: Branch, x: unknown, y: unknown, aux: unknown, dy: unknown): unknown => {
  switch (branch.kind) {
    case LEAF_ID:
      return dy
    case LEAF_PRIM:
      return ((branch.step as I.Plan).backward as Bwd)(x, dy, y)
    case FLAT:
      return I.replay(aux as I.Tape, dy)
    default:
      return (aux as Pullback)(dy)
  }
}

/** A shallow branch's pullback as a function. */
const branchPullback = (branch: Branch, x: unknown, y: unknown, aux: unknown): Pullback => {
  switch (branch.kind) {
    case LEAF_ID:
      return passThrough
    case LEAF_PRIM: {
      const backward = (branch.step as I.Plan).backward as Bwd
      return (dy) => backward(x, dy, y)
    }
    case FLAT:
      return (dy) => I.replay(aux as I.Tape, dy)
    default:
      return aux as Pullback
  }
}

/** Forward pass of a node whose branches are shallow. */
const directForward = (node: Node, a: unknown): Pair => {
  if (node.add === null) {
    const pair = asPair(node.op, 'the input', a)
    return [branchForward(node.left, pair[0]), branchForward(node.right, pair[1])]
  }
  return [branchForward(node.left, a), branchForward(node.right, a)]
}

/** Output and pullback of a node whose branches are shallow. */
const directVjp = (node: Node, a: unknown): readonly [Pair, Pullback] => {
  let x0 = a
  let x1 = a
  if (node.add === null) {
    const pair = asPair(node.op, 'the input', a)
    x0 = pair[0]
    x1 = pair[1]
  }
  const { left, right, add, op } = node
  const [y0, aux0] = branchRecord(left, x0)
  const [y1, aux1] = branchRecord(right, x1)
  return [
    [y0, y1],
    (d) => {
      const pair = asPair(op, 'the output cotangent', d)
      const d0 = branchBack(left, x0, y0, aux0, pair[0])
      const d1 = branchBack(right, x1, y1, aux1, pair[1])
      return add === null ? [d0, d1] : add(d0, d1)
    }
  ]
}

/** A recorded run of a tape program: step inputs (and the output), and per step what its backward pass needs. */
class SeqRec {
  constructor(
    readonly steps: ReadonlyArray<I.Plan>,
    readonly values: Array<unknown>,
    /** `undefined` for a PRIM step, a pullback for a VJP step, a `PairRec` for a nested split or fanout. */
    readonly backs: Array<Pullback | PairRec | undefined>
  ) {}
}

/** A recorded run of a split or fanout: the records of its two branches. */
class PairRec {
  constructor(
    readonly node: Node,
    readonly left: Pullback | SeqRec,
    readonly right: Pullback | SeqRec
  ) {}
}

const SEQ_FRAME = 0
const PAIR_FRAME = 1

/** One class for both kinds of frame keeps the loop's property loads monomorphic. */
class Frame {
  i = 0
  phase = 0
  input: unknown
  left: unknown = undefined
  leftBack: Pullback | SeqRec | undefined = undefined
  constructor(
    readonly kind: number,
    readonly node: Node | null,
    input: unknown,
    readonly steps: ReadonlyArray<I.Plan> | null,
    readonly values: Array<unknown> | null,
    readonly backs: Array<Pullback | PairRec | undefined> | null
  ) {
    this.input = input
  }
}

const ENTER = 0
const CALL = 1
const STEP = 2
const RETURN = 3
const RESUME = 4

/**
 * Runs a split or fanout forward on `a`, nested ones included, in constant native stack;
 * with `recording`, also returns the record its backward pass replays. Nodes on the way
 * are classified (`classify`) before they are entered.
 */
const runNode = (root: Node, a: unknown, recording: boolean): readonly [unknown, PairRec | null] => {
  const stack: Array<Frame> = [new Frame(PAIR_FRAME, root, a, null, null, null)]
  let mode = ENTER
  let branch: Branch = root.left
  let v: unknown = a
  let back: Pullback | SeqRec | PairRec | undefined = undefined
  for (;;) {
    const top = stack[stack.length - 1] as Frame
    switch (mode) {
      case ENTER: {
        // top: a pair frame, about to run its left branch
        const node = top.node as Node
        if (node.add === null) {
          const pair = asPair(node.op, 'the input', top.input)
          top.input = pair
          v = pair[0]
        } else {
          v = top.input
        }
        branch = node.left
        mode = CALL
        break
      }
      case CALL: {
        // run `branch` on `v`, as a branch of the pair frame on top
        mode = RETURN
        if (branch.kind === GENERAL) {
          const steps = branch.steps
          const n = steps.length
          stack.push(new Frame(SEQ_FRAME, null, null, steps, recording ? new Array(n + 1) : null, recording ? new Array(n) : null))
          mode = STEP
        } else if (recording) {
          const x = v
          const [y, aux] = branchRecord(branch, x)
          v = y
          back = branchPullback(branch, x, y, aux)
        } else {
          v = branchForward(branch, v)
        }
        break
      }
      case STEP: {
        // top: a sequence frame; run its steps until one is a nested split or fanout
        const steps = top.steps as ReadonlyArray<I.Plan>
        const values = top.values
        const n = steps.length
        let i = top.i
        let nested: Node | undefined = undefined
        for (; i < n; i++) {
          const step = steps[i] as I.Plan
          if (values !== null) values[i] = v
          if (step.tag === I.PRIM) {
            v = (step.forward as (a: unknown) => unknown)(v)
            continue
          }
          nested = nodeOf(step)
          if (nested !== undefined && !classify(nested)) break
          nested = undefined
          if (recording) {
            const out = (step.vjp as (a: unknown) => readonly [unknown, Pullback])(v)
            v = out[0]
            ;(top.backs as Array<Pullback | PairRec | undefined>)[i] = out[1]
          } else {
            v = step.forward !== null ? step.forward(v) : (step.vjp as (a: unknown) => readonly [unknown, Pullback])(v)[0]
          }
        }
        top.i = i
        if (nested !== undefined) {
          stack.push(new Frame(PAIR_FRAME, nested, v, null, null, null))
          mode = ENTER
        } else {
          if (values !== null) values[n] = v
          back = recording ? new SeqRec(steps, values as Array<unknown>, top.backs as Array<Pullback | PairRec | undefined>) : undefined
          stack.pop()
          mode = RETURN
        }
        break
      }
      case RETURN: {
        // top: the pair frame whose branch has just returned `v` (and `back`)
        const node = top.node as Node
        if (top.phase === 0) {
          top.phase = 1
          top.left = v
          top.leftBack = back as Pullback | SeqRec | undefined
          v = node.add === null ? (top.input as Pair)[1] : top.input
          branch = node.right
          mode = CALL
        } else {
          stack.pop()
          const out: Pair = [top.left, v]
          const rec: PairRec | null = recording ? new PairRec(node, top.leftBack as Pullback | SeqRec, back as Pullback | SeqRec) : null
          if (stack.length === 0) return [out, rec]
          v = out
          back = rec ?? undefined
          mode = RESUME
        }
        break
      }
      case RESUME: {
        // top: the sequence frame whose nested split or fanout has just returned
        if (recording) (top.backs as Array<Pullback | PairRec | undefined>)[top.i] = back as PairRec
        top.i += 1
        mode = STEP
        break
      }
    }
  }
}

const DESCEND = 1
const UP = 3

/** Runs the record of a split or fanout backward from the output cotangent `d`, in constant native stack. */
const runBack = (root: PairRec, d: unknown): unknown => {
  const stack: Array<Frame> = [new Frame(PAIR_FRAME, root.node, d, null, null, null)]
  const recs: Array<PairRec | SeqRec> = [root]
  let mode = ENTER
  let back: Pullback | SeqRec = root.left
  let v: unknown = d
  for (;;) {
    const top = stack[stack.length - 1] as Frame
    switch (mode) {
      case ENTER: {
        // top: a pair frame, about to send the first half of its cotangent back through its left branch
        const node = top.node as Node
        const pair = asPair(node.op, 'the output cotangent', top.input)
        top.input = pair
        v = pair[0]
        back = (recs[recs.length - 1] as PairRec).left
        mode = DESCEND
        break
      }
      case DESCEND: {
        if (typeof back === 'function') {
          v = back(v)
          mode = UP
        } else {
          const frame = new Frame(SEQ_FRAME, null, null, back.steps, back.values, back.backs)
          frame.i = back.steps.length - 1
          stack.push(frame)
          recs.push(back)
          mode = STEP
        }
        break
      }
      case STEP: {
        // top: a sequence frame, run backward from step `i` until one is a nested split or fanout
        const steps = top.steps as ReadonlyArray<I.Plan>
        const values = top.values as Array<unknown>
        const backs = top.backs as Array<Pullback | PairRec | undefined>
        let i = top.i
        let nested: PairRec | undefined = undefined
        for (; i >= 0; i--) {
          const b = backs[i]
          if (b === undefined) {
            v = ((steps[i] as I.Plan).backward as (a: unknown, db: unknown, b: unknown) => unknown)(values[i], v, values[i + 1])
          } else if (typeof b === 'function') {
            v = b(v)
          } else {
            nested = b
            break
          }
        }
        top.i = i
        if (nested !== undefined) {
          stack.push(new Frame(PAIR_FRAME, nested.node, v, null, null, null))
          recs.push(nested)
          mode = ENTER
        } else {
          stack.pop()
          recs.pop()
          mode = UP
        }
        break
      }
      case UP: {
        // top: the pair frame whose branch has just returned the cotangent `v`
        const node = top.node as Node
        const rec = recs[recs.length - 1] as PairRec
        if (top.phase === 0) {
          top.phase = 1
          top.left = v
          v = (top.input as Pair)[1]
          back = rec.right
          mode = DESCEND
        } else {
          stack.pop()
          recs.pop()
          v = node.add === null ? [top.left, v] : node.add(top.left, v)
          if (stack.length === 0) return v
          mode = RESUME
        }
        break
      }
      case RESUME: {
        // top: the sequence frame whose nested split or fanout has just returned
        top.i -= 1
        mode = STEP
        break
      }
    }
  }
}

/** The lens of a split or fanout node: one VJP step, known to the interpreter by its node. */
const nodeLens = <A, B>(node: Node): Lens<A, B> => {
  const vjp = (a: unknown): readonly [unknown, Pullback] => {
    if (classify(node)) return directVjp(node, a)
    const out = runNode(node, a, true)
    const rec = out[1] as PairRec
    return [out[0], (d) => runBack(rec, d)]
  }
  Object.defineProperty(vjp, NODE, { value: node })
  return I.fromPlan(I.vjpPlan(vjp, (a) => (classify(node) ? directForward(node, a) : runNode(node, a, false)[0])))
}

const prim = <A, B>(forward: (a: unknown) => unknown, backward: (a: unknown, db: unknown, b: unknown) => unknown): Lens<A, B> =>
  I.fromPlan(I.primPlan(forward, backward))

const identity: I.AnyLens = I.fromPlan(I.idPlan)

// -------------------------------------------------------------------------------------
// parallel and shared inputs
// -------------------------------------------------------------------------------------

/**
 * `f *** g`: runs `f` on the first half of a pair and `g` on the second. The backward
 * pass sends each half of the output cotangent back through its own lens.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const both = Lens.split(Scalar.square, Scalar.sin)
 * console.log(Lens.evaluate(both, [3, 0])) // [ 9, 0 ]
 * console.log(Lens.backPropagateConst(both, [1, 1], [3, 0])) // [ 6, 1 ]
 *
 * @category parallel
 */
export const split = <A, B, C, D>(f: Lens<A, B>, g: Lens<C, D>): Lens<readonly [A, C], readonly [B, D]> => {
  const left = asLens('split', 'first', f)
  const right = asLens('split', 'second', g)
  return nodeLens(new Node('split', null, left, right))
}

/**
 * `split(f, id())`: runs `f` on the first half of a pair and passes the second through.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Lens.first<number, number, string>(Scalar.square), [3, 'label'], [1, 'label'])) // [ [ 9, 'label' ], [ 6, 'label' ] ]
 *
 * @category parallel
 */
export const first = <A, B, C>(f: Lens<A, B>): Lens<readonly [A, C], readonly [B, C]> =>
  split(asLens('first', 'first', f), identity) as unknown as Lens<readonly [A, C], readonly [B, C]>

/**
 * `split(id(), f)`: passes the first half of a pair through and runs `f` on the second.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.second<number, number, number>(Scalar.exp), [5, 0])) // [ 5, 1 ]
 *
 * @category parallel
 */
export const second = <A, B, C>(f: Lens<B, C>): Lens<readonly [A, B], readonly [A, C]> =>
  split(identity, asLens('second', 'first', f)) as unknown as Lens<readonly [A, B], readonly [A, C]>

/**
 * `f &&& g`: runs `f` and `g` on the same input and pairs their outputs. The input is used
 * twice, so its cotangent is the *sum* of the two branches' cotangents, computed with
 * `space` (default: inferred from the first cotangent; see the module's notes). Each branch
 * runs forward once; the rest of the program runs once.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // x² · sin x, and its derivative 2x·sin x + x²·cos x
 * const f = Lens.pipe(Lens.fanout(Scalar.square, Scalar.sin), Scalar.mul)
 * console.log(Lens.valueAndGrad(f, 0.5)) // [ 0.11985638465105075, 0.6988211790767962 ]
 *
 * @category shared input
 */
export const fanout = <A, B, C>(f: Lens<A, B>, g: Lens<A, C>, space?: VectorSpace<A>): Lens<A, readonly [B, C]> => {
  const left = asLens('fanout', 'first', f)
  const right = asLens('fanout', 'second', g)
  return nodeLens(new Node('fanout', summer('fanout', asSpace('fanout', space)), left, right))
}

/**
 * The copy `a ↦ [a, a]`; the backward pass adds the two cotangents with `space` (default:
 * inferred). `pipe(dup(), split(f, g))` is `fanout(f, g)`.
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.dup<number>(), 2), Lens.backPropagateConst(Lens.dup<number>(), [3, 4], 2)) // [ 2, 2 ] 7
 *
 * @category shared input
 */
export const dup = <A>(space?: VectorSpace<A>): Lens<A, readonly [A, A]> => {
  const add = summer('dup', asSpace('dup', space))
  return prim(
    (a) => [a, a],
    (_a, d) => {
      const pair = asPair('dup', 'the output cotangent', d)
      return add(pair[0], pair[1])
    }
  )
}

// -------------------------------------------------------------------------------------
// structure
// -------------------------------------------------------------------------------------

const fstDefault = (op: string, zero: (like: unknown) => unknown): I.AnyLens =>
  I.erase(
    prim(
      (ab) => asPair(op, 'the input', ab)[0],
      (ab, dc) => [dc, zero(asPair(op, 'the input', ab)[1])]
    )
  )
const sndDefault = (op: string, zero: (like: unknown) => unknown): I.AnyLens =>
  I.erase(
    prim(
      (ab) => asPair(op, 'the input', ab)[1],
      (ab, dc) => [zero(asPair(op, 'the input', ab)[0]), dc]
    )
  )
const fstInferred = fstDefault('fst', zeroer('fst', undefined))
const sndInferred = sndDefault('snd', zeroer('snd', undefined))

/**
 * The first projection `[a, b] ↦ a`. The backward pass gives `b` a zero cotangent, built
 * with `space` (the vector space of `B`; default: inferred from `b`). Throws a
 * `TypeError` naming `Lens.fst` on an input that is not a pair.
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * const f = Lens.fst<number, readonly [number, number]>()
 * console.log(Lens.evaluate(f, [1, [2, 3]]), Lens.backPropagateConst(f, 5, [1, [2, 3]])) // 1 [ 5, [ 0, 0 ] ]
 *
 * @category structure
 */
export const fst = <A, B>(space?: VectorSpace<B>): Lens<readonly [A, B], A> => {
  const v = asSpace('fst', space)
  return (v === undefined ? fstInferred : fstDefault('fst', zeroer('fst', v))) as unknown as Lens<readonly [A, B], A>
}

/**
 * The second projection `[a, b] ↦ b`. The backward pass gives `a` a zero cotangent, built
 * with `space` (the vector space of `A`; default: inferred from `a`). Throws a
 * `TypeError` naming `Lens.snd` on an input that is not a pair.
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * const f = Lens.snd<number, number>()
 * console.log(Lens.evaluate(f, [1, 2]), Lens.backPropagateConst(f, 5, [1, 2])) // 2 [ 0, 5 ]
 *
 * @category structure
 */
export const snd = <A, B>(space?: VectorSpace<A>): Lens<readonly [A, B], B> => {
  const v = asSpace('snd', space)
  return (v === undefined ? sndInferred : sndDefault('snd', zeroer('snd', v))) as unknown as Lens<readonly [A, B], B>
}

const swapLens: I.AnyLens = I.erase(
  prim(
    (ab) => {
      const pair = asPair('swap', 'the input', ab)
      return [pair[1], pair[0]]
    },
    (_ab, d) => {
      const pair = asPair('swap', 'the output cotangent', d)
      return [pair[1], pair[0]]
    }
  )
)

/**
 * Exchanges the halves of a pair, `[a, b] ↦ [b, a]` (and the cotangent's back).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // b − a
 * const flipSub = Lens.pipe(Lens.swap<number, number>(), Scalar.sub)
 * console.log(Lens.valueAndGrad(flipSub, [1, 5])) // [ 4, [ -1, 1 ] ]
 *
 * @category structure
 */
export const swap = <A, B>(): Lens<readonly [A, B], readonly [B, A]> =>
  swapLens as unknown as Lens<readonly [A, B], readonly [B, A]>

// -------------------------------------------------------------------------------------
// constants
// -------------------------------------------------------------------------------------

/**
 * Pairs the input with a constant, `a ↦ [a, c]`: feeds a fixed target into a loss, or a
 * fixed second operand into a binary primitive. The constant's cotangent is dropped (it
 * has nowhere to go), so no vector space is needed.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // squared error against the target 3: (x − 3)²
 * const loss = Lens.pipe(Lens.withConst(3), Scalar.sub, Scalar.square)
 * console.log(Lens.valueAndGrad(loss, 5)) // [ 4, 4 ]
 *
 * @category constants
 */
export const withConst = <A, C>(c: C): Lens<A, readonly [A, C]> =>
  prim(
    (a) => [a, c],
    (_a, d) => asPair('withConst', 'the output cotangent', d)[0]
  )

/**
 * Pairs a constant with the input, `a ↦ [c, a]`: a fixed first operand for a binary
 * primitive. The constant's cotangent is dropped, so no vector space is needed.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // 1 − x
 * const oneMinus = Lens.pipe(Lens.withConstFirst(1), Scalar.sub)
 * console.log(Lens.valueAndGrad(oneMinus, 0.25)) // [ 0.75, -1 ]
 *
 * @category constants
 */
export const withConstFirst = <A, C>(c: C): Lens<A, readonly [C, A]> =>
  prim(
    (a) => [c, a],
    (_a, d) => asPair('withConstFirst', 'the output cotangent', d)[1]
  )

/**
 * The constant lens `a ↦ c`: its output does not depend on its input, whose cotangent is
 * a zero built with `space` (the vector space of `A`; default: inferred from `a`). To feed
 * a constant *beside* the input, {@link withConst} is cheaper than
 * `fanout(id(), constant(c))`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // x · 10, with 10 from a constant branch
 * const times10 = Lens.pipe(Lens.fanout(Lens.id<number>(), Lens.constant<number, number>(10)), Scalar.mul)
 * console.log(Lens.valueAndGrad(times10, 2)) // [ 20, 10 ]
 *
 * @category constants
 */
export const constant = <A, C>(c: C, space?: VectorSpace<A>): Lens<A, C> => {
  const zero = zeroer('constant', asSpace('constant', space))
  return prim(
    () => c,
    (a) => zero(a)
  )
}
