/**
 * The whole-model accelerator simulator: executes a program (src/ir/program.ts) one run at a
 * time (one decoded token, or a block of prompt tokens), instruction by instruction, with the
 * sequencer's issue rule and every unit's timing
 * contract (src/ir/units.ts), the BitLinear engine's exact cycle-level timing (engine-timer.ts),
 * and, in functional mode, every value computed by a unit model of its own in the hw numerics
 * (src/numerics): scratchpad, parameter memory, KV cache and embedding memory are real arrays.
 *
 * Issue rule (the sequencer): instruction i issues at the earliest cycle >= the previous issue + 1
 * when its unit is free, every scratchpad word and KV cache row it reads has been written by the
 * instructions before it (read after write), and no earlier instruction still reads or writes a
 * word it writes (write after read, write after write). Chained engine instructions stream back to back in one
 * engine segment. `end` issues when everything has finished; the token's cycles end there. The
 * rule is data (src/ir/deps.ts: how many instructions of each unit must have finished), the same
 * counts the RTL sequencer reads from the program image.
 *
 * Needs: a program and the architecture it was compiled for; for values, the model with its
 * weights. Guarantees: deterministic cycles and values; logits equal the reference's
 * `--numerics hw` bit for bit (tested); per-unit busy cycles and action counts for src/energy.
 */
import type { ArchSpec } from '../ir/arch.js';
import { dramRate, dramTiming, systemOf } from '../ir/arch.js';
import { packingOf, wordBitsFor, type PlanGeometry } from '../ir/engine-plan.js';
import { reads, writes, type BufferAlloc, type Instr, type Program } from '../ir/program.js';
import { COUNTED_UNITS, programDeps, type CountedUnit, type ProgramDeps } from '../ir/deps.js';
import type { BitLinearIR, Model } from '../ir/types.js';
import { allBitLinears } from '../ir/types.js';
import { attentionActions, headActions, unitActions } from './unit-actions.js';
import { cycles as unitCycles, engineAdapterLead, headSchedule, perRow, tableFifoLines, unitContracts, unitOf, type HeadSchedule, type UnitContracts, type UnitName } from '../ir/units.js';
import { embedStreamCycles, headStreamCycles, type TableStream } from './head-stream.js';
import { attendHw, attentionScale, dotF32, ffnActHw, kvStore, ropeHw, ropeInvFreq, ropeRow, rsqrtHw, sumF32 } from '../numerics/model.js';
import { getF32 } from '../ref/tensors.js';
import { paramMemory } from '../ir/param-memory.js';
import { argmax } from '../ref/model.js';
import { assertNever, fail } from '../util/diagnostics.js';
import type { ActionCount } from './engine.js';
import { EngineTimer } from './engine-timer.js';
import { EngineValueModel } from './engine-values.js';

const f = Math.fround;

export interface TokenResult {
  readonly position: number;
  readonly cycles: number;
  readonly argmax: number;
  /** Functional mode: the logits. */
  readonly logits: Float32Array | null;
  /** Cycles from the token's start to each instruction's issue and finish. */
  readonly trace: readonly TraceEntry[];
  /** Engine cycles spent waiting for weights from DRAM. */
  readonly dramStall: number;
  /** Attention cycles spent waiting for KV rows from DRAM (a KV cache too large for the chip). */
  readonly kvDramStall: number;
  /** Head cycles spent waiting for the head table from DRAM. */
  readonly headDramStall: number;
  readonly engineIssueCycles: number;
}

/** One instruction of a token: issue and finish cycles, and the cycles it held its unit. */
export interface TraceEntry {
  readonly pc: number;
  readonly issue: number;
  readonly finish: number;
  readonly busy: number;
}


export class Machine {
  readonly program: Program;
  readonly arch: ArchSpec;
  private readonly u: UnitContracts;
  private readonly timer: EngineTimer;
  private readonly idealTimer: EngineTimer | null;
  /** The embedding and head tables behind the head unit's DRAM port (weights in DRAM). */
  private readonly tableStream: (TableStream & { readonly lineBits: number; readonly headLines: number; readonly schedule: HeadSchedule }) | null;
  private readonly streamMemo = new Map<string, number>();
  private readonly shapes: readonly { readonly n: number; readonly out: number }[];
  private readonly bls: readonly BitLinearIR[] | null;
  private readonly values: EngineValueModel | null;
  private readonly model: Model | null;
  private readonly sp: Float32Array | null;
  private readonly par: Float32Array | null;
  private readonly kvK: Float32Array[] = [];
  private readonly kvV: Float32Array[] = [];
  private readonly invFreq: Float32Array | null;
  readonly weightsOnChip: boolean;
  /** The KV cache fits on chip (else attention streams its rows from DRAM). */
  readonly kvOnChip: boolean;
  private readonly dram: { readonly bitsPerCycle: number; readonly latency: number };
  private readonly wordBitsPerWeight: number;
  position = 0;
  /** Busy cycles per unit and action counts, over every token run so far. */
  readonly busy: Record<UnitName, number> = { engine: 0, vector: 0, sfu: 0, attention: 0, head: 0, kv: 0, seq: 0 };

  constructor(program: Program, arch: ArchSpec, opts: { shapes: readonly { n: number; out: number }[]; geometry: PlanGeometry; clockMHz: number; weightsOnChip: boolean; tableElementBits: number; model?: Model }) {
    this.program = program;
    this.arch = arch;
    this.u = unitContracts(arch);
    const sys = systemOf(arch);
    // Weights streamed through the engine's DRAM port: the engine model runs with the memory in
    // the loop, cycle-exact (src/sim/dram.ts); the ideal memory (one word a cycle, at once) gives
    // the engine's own length, so the difference is the memory's stall.
    const wordBits = wordBitsFor(packingOf(arch), arch.lanes * arch.simd);
    const streamed = arch.weightMemory === 'dram';
    this.timer = new EngineTimer(arch, opts.geometry, streamed ? dramTiming(sys, opts.clockMHz, wordBits) : undefined);
    // The tables stream with the weights, through the head unit's own port (src/sim/head-stream.ts).
    const lineBits = this.u.head.lanes * opts.tableElementBits;
    const hs = headSchedule(program.vocab, program.hidden, this.u);
    this.tableStream = streamed
      ? { hidden: program.hidden, fifoLines: tableFifoLines(program.hidden), dram: dramTiming(sys, opts.clockMHz, lineBits), lineBits, headLines: hs.groups * program.hidden, schedule: hs }
      : null;
    this.idealTimer = streamed ? new EngineTimer(arch, opts.geometry, { latency: 1, interval: 1 }) : null;
    this.shapes = opts.shapes;
    this.model = opts.model ?? null;
    this.bls = this.model ? allBitLinears(this.model.ir) : null;
    this.values = this.model ? new EngineValueModel(this.model) : null;
    const theta = program.attention.ropeTheta;
    this.invFreq = this.model && theta !== null ? ropeInvFreq(theta, program.attention.headDim) : null;
    this.weightsOnChip = opts.weightsOnChip;
    this.dram = dramRate(sys, opts.clockMHz);
    this.kvOnChip = program.kvWords * (program.kvFormat === 'fp32' ? 32 : 16) <= sys.onChipKvBits;
    this.wordBitsPerWeight = wordBitsFor(packingOf(arch), arch.lanes * arch.simd) / (arch.lanes * arch.simd);
    if (this.model) {
      this.sp = new Float32Array(program.scratchpadWords);
      this.par = paramMemory(this.model, program);
      for (let l = 0; l < this.model.ir.layers.length; l++) {
        this.kvK.push(new Float32Array(program.context * program.kvRowWords));
        this.kvV.push(new Float32Array(program.context * program.kvRowWords));
      }
    } else {
      this.sp = null;
      this.par = null;
    }
  }

  /** Start a new sequence (empty KV cache). */
  reset(): void {
    this.position = 0;
    for (const a of [...this.kvK, ...this.kvV]) a.fill(0);
  }


  /** Static per-instruction facts, computed once: operand ranges, hazards, engine segments. */
  private plan: {
    /** The issue rule: finished instructions of each unit every instruction waits for (src/ir/deps.ts). */
    readonly deps: ProgramDeps;
    /** Engine instructions: the first instruction of their segment and their index in it. */
    readonly segHead: Int32Array;
    readonly segIndex: Int32Array;
    /** Per segment head: its BitLinears' engine layer ids. */
    readonly segLayers: Map<number, readonly number[]>;
    /** Whether the segment a lin heads is made of FFN BitLinears. */
    readonly segFfn: Uint8Array;
    /** Per instruction and row: the actions that do not depend on the position. */
    readonly tally: readonly (readonly [number, number])[][];
  } | null = null;

  /** Action counters: ids of (component, action, bits), their totals. */
  private readonly actionIds = new Map<string, number>();
  private readonly actionKeys: { component: string; action: string; bits: number }[] = [];
  private readonly counts: number[] = [];
  /** The part of `counts` spent by engine segments of FFN BitLinears (the rest of the engine's is attention's). */
  private readonly ffnCounts: number[] = [];

  private actionId(component: string, action: string, bits: number): number {
    const key = `${component}\u0000${action}\u0000${bits}`;
    let id = this.actionIds.get(key);
    if (id === undefined) {
      id = this.actionKeys.length;
      this.actionIds.set(key, id);
      this.actionKeys.push({ component, action, bits });
      this.counts.push(0);
      this.ffnCounts.push(0);
    }
    return id;
  }

  private bump(id: number, count: number): void {
    this.counts[id] = this.counts[id]! + count;
  }

  /** Every action counted so far, as (component, action, bits, count). */
  get actions(): Map<string, ActionCount> {
    return this.tallyMap(this.counts);
  }

  /** The actions of the FFN BitLinears' engine segments (and their weights' DRAM reads) so far. */
  get ffnBitLinearActions(): Map<string, ActionCount> {
    return this.tallyMap(this.ffnCounts);
  }

  private tallyMap(counts: readonly number[]): Map<string, ActionCount> {
    const m = new Map<string, ActionCount>();
    this.actionKeys.forEach((k, id) => {
      if (counts[id]! > 0) m.set(`${k.component}\u0000${k.action}\u0000${k.bits}`, { ...k, count: counts[id]! });
    });
    return m;
  }

  private buildPlan(): NonNullable<Machine['plan']> {
    const p = this.program;
    const ins = p.instructions;
    const n = ins.length;
    const deps = programDeps(p);
    const segHead = new Int32Array(n).fill(-1);
    const segIndex = new Int32Array(n).fill(-1);
    const segLayers = new Map<number, number[]>();
    for (let pc = 0; pc < n; pc++) {
      const i = ins[pc]!;
      if (i.op !== 'lin') continue;
      const prev = ins[pc - 1];
      if (i.chain && prev?.op === 'lin') {
        segHead[pc] = segHead[pc - 1]!;
        segIndex[pc] = segIndex[pc - 1]! + 1;
        segLayers.get(segHead[pc]!)!.push(i.layer);
        continue;
      }
      segHead[pc] = pc;
      segIndex[pc] = 0;
      segLayers.set(pc, [i.layer]);
    }
    const tally = ins.map((i, pc) => {
      const t: [number, number][] = [];
      const add = (component: string, action: string, bits: number, count: number): void => {
        if (count > 0) t.push([this.actionId(component, action, bits), count]);
      };
      this.staticActions(i, add);
      // Scratchpad traffic, per row: every operand row read once, every result row written once
      // (head and argmax read the last row and write the one-row logits).
      const rowWords = (ids: readonly number[]): number => ids.reduce((a, id) => a + p.buffers[id]!.rowWords, 0);
      add('scratchpad', 'read', 32, rowWords(reads(i)));
      add('scratchpad', 'write', 32, rowWords(writes(i)));
      return t;
    });
    const segFfn = new Uint8Array(n);
    for (const [head, layers] of segLayers) segFfn[head] = /\.ffn\./.test(p.engineLayers[layers[0]!] ?? '') ? 1 : 0;
    return { deps, segHead, segIndex, segLayers, segFfn, tally };
  }

  /** An engine segment for a block of `rows` tokens: its timing with DRAM, and its actions. */
  private readonly segMemo = new Map<string, { readonly ends: readonly number[]; readonly length: number; readonly dramStall: number; readonly issue: number; readonly tally: readonly [number, number][] }>();
  private segment(layers: readonly number[], rows: number): NonNullable<ReturnType<Machine['segMemo']['get']>> {
    const key = `${layers.join(',')}@${rows}`;
    const hit = this.segMemo.get(key);
    if (hit) return hit;
    const shapes = layers.map((l) => this.shapes[l]!);
    const s = this.timer.segment(shapes, rows);
    let length = s.cycles;
    let dramStall = 0;
    const tally: [number, number][] = s.actions.map((a) => [this.actionId(a.component, a.action, a.bits), a.count]);
    if (this.idealTimer) dramStall = length - this.idealTimer.segment(shapes, rows).cycles;
    else if (!this.weightsOnChip) {
      // An estimate for a ROM engine with more weights than the chip holds: the block's weights
      // stream from DRAM once, however many rows it has, overlapped with the compute.
      const bits = shapes.reduce((a, x) => a + x.n * x.out, 0) * this.wordBitsPerWeight;
      const dram = Math.ceil(bits / this.dram.bitsPerCycle) + this.dram.latency;
      if (dram > length) {
        dramStall = dram - length;
        length = dram;
      }
      tally.push([this.actionId('dram', 'read', 1), bits]);
    }
    // multiplied before dividing, so the last layer's end is the segment's length exactly
    const r = { ends: s.layerEnds.map((e) => ((e + 1) * length) / s.cycles), length, dramStall, issue: s.issueCycles, tally };
    // The issue rule counts a segment's end as its last lin's finish (src/ir/deps.ts).
    if (r.ends[r.ends.length - 1] !== length) throw new Error(`machine: the segment ${key} ends at ${length}, its last layer at ${r.ends[r.ends.length - 1]}`);
    this.segMemo.set(key, r);
    return r;
  }

  /** Run the program for one token at the current position (see `run`). */
  token(token: number, opts: { logits?: boolean } = {}): TokenResult {
    return this.run([token], opts);
  }

  /**
   * Run the program once for a block of tokens at positions pos..pos+rows-1 (1 <= rows <= the
   * program's row block). `logits: false` (prompt tokens whose logits nobody reads) clears the
   * machine's logits flag: `head` and `argmax` retire at once. The logits are the last row's.
   */
  run(tokens: readonly number[], opts: { logits?: boolean; observe?: (pc: number, scratchpad: Float32Array) => void } = {}): TokenResult {
    const wantLogits = opts.logits ?? true;
    const p = this.program;
    const pos = this.position;
    const rows = tokens.length;
    if (rows < 1 || rows > p.rows) fail('SIM002', 'tokens', `a run takes 1 to ${p.rows} tokens, not ${rows}`, 'split the tokens into blocks of at most the program\'s row block (machine.prefillRows)', `1..${p.rows}`);
    if (pos + rows > p.context) fail('SIM001', 'position', `positions up to ${pos + rows - 1} are past the ${p.context}-position KV cache`, 'start a new sequence or use an architecture with a longer context');
    if (this.model) tokens.forEach((token) => {
      if (!Number.isInteger(token) || token < 0 || token >= p.vocab) fail('RUN003', 'token', `token id ${token} is outside the vocabulary`, 'use ids below the vocabulary size', `0 <= id < ${p.vocab}`);
    });
    this.plan ??= this.buildPlan();
    const plan = this.plan;
    const ins = p.instructions;
    const n = ins.length;
    // the finish of each unit's instructions, by their ordinal (the issue rule counts them)
    const doneAt = Object.fromEntries(COUNTED_UNITS.map((u) => [u, new Float64Array(plan.deps.total[u])])) as Record<CountedUnit, Float64Array>;
    const trace: TraceEntry[] = [];
    const counts = this.counts;
    let prevIssue = -1;
    let lastFinish = 0;
    let dramStall = 0;
    let kvStall = 0;
    let headStall = 0;
    let engineIssue = 0;
    let argmaxOut = 0;
    let segStart = 0;
    for (let pc = 0; pc < n; pc++) {
      const i = ins[pc]!;
      const unit = unitOf(i);
      let t = prevIssue + 1;
      const wait = plan.deps.wait[pc]!;
      for (const u of COUNTED_UNITS) {
        const k = wait[u];
        if (k > 0 && doneAt[u][k - 1]! > t) t = doneAt[u][k - 1]!;
      }
      let finish: number;
      let busy = 0;
      if (i.op === 'lin') {
        const head = plan.segHead[pc]!;
        const sg = this.segment(plan.segLayers.get(head)!, rows);
        if (head === pc) {
          segStart = t;
          busy = engineAdapterLead(this.u) + sg.length;
          this.busy.engine += busy;
          dramStall += sg.dramStall;
          engineIssue += sg.issue;
          for (const [id, c] of sg.tally) counts[id] = counts[id]! + c;
          if (plan.segFfn[pc]) for (const [id, c] of sg.tally) this.ffnCounts[id] = this.ffnCounts[id]! + c;
        }
        finish = Math.ceil(segStart + engineAdapterLead(this.u) + sg.ends[plan.segIndex[pc]!]!);
        if (this.sp) this.linValues(i, rows);
      } else {
        const skipped = !wantLogits && (i.op === 'head' || i.op === 'argmax');
        let c = skipped ? 0 : this.tableStream && (i.op === 'head' || i.op === 'embed') ? this.streamedCycles(i.op, rows) : unitCycles(i, p, this.u, pos, rows);
        if (i.op === 'attn' && !this.kvOnChip) {
          // K and V rows of positions 0..pos stream from DRAM (each K/V head's rows once per query head).
          let positions = 0;
          for (let r = 0; r < rows; r++) positions += pos + r + 1;
          const bits = 2 * positions * p.attention.headDim * p.attention.heads * (p.kvFormat === 'fp32' ? 32 : 16);
          const dram = Math.ceil(bits / this.dram.bitsPerCycle) + this.dram.latency;
          if (dram > c) {
            kvStall += dram - c;
            c = dram;
          }
        }
        if (i.op === 'head' && !skipped && !this.weightsOnChip && !this.tableStream) {
          // The head table streams from DRAM with the weights.
          const dram = Math.ceil((p.vocab * p.hidden * p.embeddingBits) / this.dram.bitsPerCycle) + this.dram.latency;
          if (dram > c) {
            headStall += dram - c;
            c = dram;
          }
        }
        finish = t + c;
        busy = c;
        this.busy[unit] += c;
        if (i.op === 'attn') for (let r = 0; r < rows; r++) this.attentionActions(pos + r);
        if (this.sp && !skipped) {
          const r = this.opValues(i, tokens, pos);
          if (r !== null) argmaxOut = r;
        }
      }
      if (!(!wantLogits && (i.op === 'head' || i.op === 'argmax'))) {
        const times = perRow(i) ? rows : 1;
        for (const [id, c] of plan.tally[pc]!) counts[id] = counts[id]! + c * times;
      }
      if (unit !== 'seq') doneAt[unit][plan.deps.ordinal[pc]!] = finish;
      if (opts.observe && this.sp) opts.observe(pc, this.sp);
      trace.push({ pc, issue: t, finish, busy });
      prevIssue = t;
      if (finish > lastFinish) lastFinish = finish;
    }
    let logits: Float32Array | null = null;
    if (this.sp && wantLogits) {
      const lb = p.buffers.find((b) => b.name === 'logits')!;
      logits = this.sp.slice(lb.base, lb.base + lb.words);
    }
    this.position += rows;
    return { position: pos, cycles: lastFinish, argmax: argmaxOut, logits, trace, dramStall, kvDramStall: kvStall, headDramStall: headStall, engineIssueCycles: engineIssue };
  }

  private linValues(i: Extract<Instr, { op: 'lin' }>, rows: number): void {
    const bl = this.bls![i.layer]!;
    const src = this.program.buffers[i.src]!;
    const dst = this.program.buffers[i.dst]!;
    const y = new Float32Array(bl.outFeatures);
    for (let r = 0; r < rows; r++) {
      const x = src.base + r * src.rowWords;
      this.values!.run(bl, this.sp!.subarray(x, x + bl.inFeatures), y);
      this.sp!.set(y, dst.base + r * dst.rowWords);
    }
  }

  /** head's or embed's cycles with the tables streamed (exact; the same for every run of a shape). */
  private streamedCycles(op: 'head' | 'embed', rows: number): number {
    const t = this.tableStream!;
    const key = `${op}@${rows}`;
    let c = this.streamMemo.get(key);
    if (c === undefined) {
      c = op === 'head' ? headStreamCycles(t.schedule, this.u.vector.addLatency, t) : embedStreamCycles(rows, t);
      this.streamMemo.set(key, c);
    }
    return c;
  }

  /** Primitive operations of an instruction that do not depend on the position (energy). */
  private staticActions(i: Instr, act: (component: string, action: string, bits: number, count: number) => void): void {
    const p = this.program;
    const kvBits = p.kvFormat === 'fp32' ? 32 : 16;
    const unit = unitActions(i);
    if (unit) {
      for (const a of unit) act(a.component, a.action, 32, a.count);
      return;
    }
    const head = headActions(i, p, this.weightsOnChip, this.tableStream);
    if (head) {
      for (const a of head) act(a.component, a.action, a.bits, a.count);
      return;
    }
    switch (i.op) {
      case 'kvw':
        act(this.kvOnChip ? 'kv_cache' : 'kv_dram', 'write', kvBits, 2 * p.kvRowWords);
        break;
      case 'embed':
      case 'head':
      case 'argmax':
        throw new Error(`staticActions: ${i.op} is the head unit's (headActions)`);
      case 'vmul':
      case 'vadd':
      case 'vsubs':
      case 'vsumsq':
      case 'vmean':
      case 'rsqrt':
      case 'rope':
      case 'act':
        throw new Error(`staticActions: ${i.op} is the vector or special-function unit's (unitActions)`);
      case 'attn':
      case 'lin':
      case 'end':
        break;
      default:
        assertNever(i, 'instruction');
    }
  }

  /** Attention's actions at position `pos` (it reads positions 0..pos). */
  private attentionActions(pos: number): void {
    for (const a of attentionActions(this.program, pos + 1, this.kvOnChip)) this.bump(this.actionId(a.component, a.action, a.bits), a.count);
  }

  /** The values of a non-engine instruction for every row (returns the argmax for `argmax`). */
  private opValues(i: Instr, tokens: readonly number[], pos: number): number | null {
    const sp = this.sp!;
    const par = this.par!;
    const p = this.program;
    const rows = tokens.length;
    const B = (id: number): BufferAlloc => p.buffers[id]!;
    const P = (id: number): number => p.params[id]!.base;
    /** Base of row r of buffer id. */
    const R = (id: number, r: number): number => B(id).base + r * B(id).rowWords;
    switch (i.op) {
      case 'embed': {
        const m = this.model!;
        const w = getF32(m.tensors, m.ir.embedding.weight);
        tokens.forEach((t, r) => sp.set(w.subarray(t * p.hidden, (t + 1) * p.hidden), R(i.dst, r)));
        return null;
      }
      case 'vmul':
        for (let r = 0; r < rows; r++) {
          const d = R(i.dst, r);
          const a = R(i.a, r);
          const src = i.bParam ? par : sp;
          const b = i.bParam ? P(i.b) : R(i.b, r);
          for (let k = 0; k < i.n; k++) sp[d + k] = f(sp[a + k]! * src[i.bcast ? b : b + k]!);
        }
        return null;
      case 'vadd':
        for (let r = 0; r < rows; r++) {
          const d = R(i.dst, r);
          const a = R(i.a, r);
          const src = i.bParam ? par : sp;
          const b = i.bParam ? P(i.b) : R(i.b, r);
          for (let k = 0; k < i.n; k++) sp[d + k] = f(sp[a + k]! + src[b + k]!);
        }
        return null;
      case 'vsumsq':
        for (let r = 0; r < rows; r++) {
          const a = R(i.a, r);
          sp[R(i.dst, r)] = sumF32(i.n, (k) => f(sp[a + k]! * sp[a + k]!));
        }
        return null;
      case 'vmean':
        for (let r = 0; r < rows; r++) {
          const a = R(i.a, r);
          sp[R(i.dst, r)] = f(sumF32(i.n, (k) => sp[a + k]!) / i.n);
        }
        return null;
      case 'vsubs':
        for (let r = 0; r < rows; r++) {
          const d = R(i.dst, r);
          const a = R(i.a, r);
          const s = sp[R(i.s, r)]!;
          for (let k = 0; k < i.n; k++) sp[d + k] = f(sp[a + k]! - s);
        }
        return null;
      case 'rsqrt':
        for (let r = 0; r < rows; r++) sp[R(i.dst, r)] = rsqrtHw(sp[R(i.a, r)]!, i.n, i.eps);
        return null;
      case 'rope': {
        const half = i.headDim / 2;
        const cos = new Float32Array(half);
        const sin = new Float32Array(half);
        for (let r = 0; r < rows; r++) {
          ropeRow(this.invFreq!, pos + r, cos, sin);
          ropeHw(sp, R(i.buf, r), i.heads, i.headDim, cos, sin);
        }
        return null;
      }
      case 'kvw': {
        const row = p.kvRowWords;
        for (let r = 0; r < rows; r++) {
          const k = R(i.k, r);
          const v = R(i.v, r);
          const at = (pos + r) * row;
          for (let j = 0; j < row; j++) {
            this.kvK[i.layer]![at + j] = kvStore(p.kvFormat, sp[k + j]!);
            this.kvV[i.layer]![at + j] = kvStore(p.kvFormat, sp[v + j]!);
          }
        }
        return null;
      }
      case 'attn': {
        const { heads, kvHeads, headDim: hd } = p.attention;
        const group = heads / kvHeads;
        const scores = new Float32Array(pos + rows);
        const scale = attentionScale(hd);
        for (let r = 0; r < rows; r++) {
          // Causal within the block: row r sees positions 0..pos + r.
          for (let hh = 0; hh < heads; hh++) {
            const kvh = Math.floor(hh / group);
            attendHw(sp, R(i.q, r) + hh * hd, this.kvK[i.layer]!, this.kvV[i.layer]!, p.kvRowWords, kvh * hd, pos + r + 1, hd, scale, scores, sp, R(i.dst, r) + hh * hd);
          }
        }
        return null;
      }
      case 'act': {
        const n = i.n;
        for (let r = 0; r < rows; r++) {
          const gate = i.gate >= 0 ? sp.slice(R(i.gate, r), R(i.gate, r) + n) : null;
          const up = sp.slice(R(i.up, r), R(i.up, r) + n);
          sp.set(ffnActHw(i.kind, gate, up, new Float32Array(n)), R(i.dst, r));
        }
        return null;
      }
      case 'head': {
        // The last row only: the logits the host reads.
        const m = this.model!;
        const w = getF32(m.tensors, m.ir.head.weight);
        const x = sp.slice(R(i.src, rows - 1), R(i.src, rows - 1) + p.hidden);
        const d = R(i.dst, 0);
        for (let v = 0; v < p.vocab; v++) sp[d + v] = dotF32(x, 0, w, v * p.hidden, p.hidden);
        return null;
      }
      case 'argmax':
        return argmax(sp.subarray(R(i.src, 0), R(i.src, 0) + i.n));
      case 'lin':
      case 'end':
        return null;
      default:
        return assertNever(i, 'instruction');
    }
  }
}
