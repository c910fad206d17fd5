/**
 * The whole-model accelerator against the simulator and the hw reference: token blocks through
 * the Verilated bnhw_top (hw/harness/whole_harness.cpp), each run checked against the machine's
 * record of it (src/sim/machine.ts): the last row's logits bit for bit, the argmax, the run's
 * cycles, the cycle each instruction issued in, and each action counter's change. The machine's
 * logits are themselves checked against `forward(..., {numerics: 'hw'})` here, so the RTL is
 * compared with both.
 *
 * Needs: a model and an architecture `generateWhole` accepts. Guarantees: a harness build is
 * cached by the exact RTL, harness text and flags; a failure names the run, its position, the
 * instruction and unit of the first difference (timing: the first instruction issued on another
 * cycle; values: the first instruction whose scratchpad writes differ from the machine's), and
 * can write an FST waveform of that window.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateWhole, type WholeDesign } from '../codegen/whole.js';
import type { ArchSpec } from '../ir/arch.js';
import { writes, type Program } from '../ir/program.js';
import { unitOf } from '../ir/units.js';
import type { Model } from '../ir/types.js';
import { argmax, createKvCache, forward } from '../ref/model.js';
import { createMachine } from '../sim/model.js';
import type { Machine } from '../sim/machine.js';
import { fail } from '../util/diagnostics.js';
import { f32Bits, f32BitsToBf16 } from '../util/float.js';
import { dropTemp, tempSibling } from '../util/fsout.js';
import { packageRoot } from '../util/paths.js';
import { progressLine } from '../util/progress.js';
import { cacheDir, requireTool, run } from './tools.js';
import { cachedBuild } from './verilator.js';

/** One run of the program: a block of tokens (1..rows), whether its logits are read, whether it starts a new sequence. */
export interface WholeRun {
  readonly tokens: readonly number[];
  readonly logits: boolean;
  readonly clear: boolean;
}

/**
 * The runs of one sequence: its first `block` tokens as one run (a prompt block: the last row's
 * logits), then every further token a run of its own with its logits, so that every position
 * after the block is checked. The first run starts a new sequence.
 */
export function sequenceRuns(tokens: readonly number[], block = 1): WholeRun[] {
  const b = Math.max(1, Math.min(block, tokens.length));
  return [{ tokens: tokens.slice(0, b), logits: true, clear: true }, ...tokens.slice(b).map((t) => ({ tokens: [t], logits: true, clear: false }))];
}

/** A run as the simulator recorded it. */
export interface WholeExpected {
  readonly run: WholeRun;
  readonly position: number;
  readonly cycles: number;
  readonly token: number | null;
  readonly logits: Float32Array | null;
  readonly issue: readonly number[];
  readonly actions: readonly number[];
  /** Per instruction: the scratchpad words it writes, as the machine left them (diagnosis only). */
  readonly written?: ReadonlyMap<number, Uint32Array>;
  /** Per kvw instruction: the KV cache's words it writes, by write-log address (diagnosis only). */
  readonly kvWritten?: ReadonlyMap<number, ReadonlyMap<number, KvWord>>;
}

/** The write log's address of a KV cache word: bit 31 set, bit 30 for V, then line * banks + bank. */
function kvLogAddress(v: boolean, line: number, bank: number, banks: number): number {
  return 2 ** 31 + (v ? 2 ** 30 : 0) + line * banks + bank;
}

/** A KV cache word a kvw writes: its bits as stored, its position, and its name in words. */
interface KvWord {
  readonly bits: number;
  readonly position: number;
  readonly name: string;
}

/** What a kvw instruction writes to the KV cache (the manifest's layout), as the simulator stores it. */
function kvWrites(kv: WholeDesign['manifest']['kv'], p: Program, i: Extract<Program['instructions'][number], { op: 'kvw' }>, sp: Float32Array, pos: number, rows: number): Map<number, KvWord> {
  const out = new Map<number, KvWord>();
  const A = kv.banks;
  const R = kv.rowWords;
  // the word as stored: the bf16 law on the word's own bits (a NaN keeps its payload), or as is
  const raw = new Uint32Array(sp.buffer, sp.byteOffset, sp.length);
  const stored = (at: number): number => (kv.elementBits === 16 ? f32BitsToBf16(raw[at]!) : raw[at]!);
  const put = (v: boolean, line: number, bank: number, at: number, j: number, c: number): void => {
    out.set(kvLogAddress(v, line, bank, A), { bits: stored(at), position: j, name: `${v ? 'V' : 'K'} of position ${j}, word ${c} (bank ${bank}, line ${line})` });
  };
  const kb = p.buffers[i.k]!;
  const vb = p.buffers[i.v]!;
  for (let r = 0; r < rows; r++) {
    const j = pos + r;
    for (let c = 0; c < R; c++) {
      put(false, i.layer * kv.kDepth + Math.floor(j / A) * R + c, j % A, kb.base + r * kb.rowWords + c, j, c);
      put(true, i.layer * kv.vDepth + j * (R / A) + Math.floor(c / A), c % A, vb.base + r * vb.rowWords + c, j, c);
    }
  }
  return out;
}

export interface WholeMismatch {
  readonly run: number;
  readonly position: number;
  readonly rows: number;
  readonly kind: string;
  readonly pc: number;
  readonly index: number;
  readonly got: number;
  readonly want: number;
  readonly cycle: number;
}

export interface WholeResult {
  readonly passed: boolean;
  readonly runs: number;
  readonly tokens: number;
  readonly positionsWithLogits: number;
  readonly logitsChecked: number;
  readonly mismatches: number;
  /** The RTL's cycles per run, and the simulator's. */
  readonly rtlCycles: readonly number[];
  readonly simCycles: readonly number[];
  /** The simulator's logits equal the hw reference's at every position that has them. */
  readonly simEqualsRef: boolean;
  readonly firstMismatches: readonly WholeMismatch[];
  /** Where the first difference appeared, in words: run, position, instruction, unit. */
  readonly where: string | null;
  readonly harnessCycles: number;
  readonly counters: readonly string[];
}

export interface WholeOptions {
  readonly seed: number;
  /** Percent of cycles the host withholds a token, and withholds out_ready. */
  readonly inStall?: number;
  readonly outStall?: number;
  /** Write an FST waveform of the first failure's window here. */
  readonly waveform?: string;
  /** A design to run instead of the generated one (a mutant). */
  readonly design?: WholeDesign;
}

/** The simulator's record of each run (the machine runs them in order). */
export function wholeExpected(model: Model, arch: ArchSpec, runs: readonly WholeRun[], design: WholeDesign, diagnose = false): { expected: WholeExpected[]; simEqualsRef: boolean } {
  const m = createMachine(model.ir, arch, arch.clockMHz, model);
  const counters = design.manifest.actions ?? [];
  const totals = (mm: Machine): number[] => {
    const by = new Map<string, number>();
    for (const a of mm.actions.values()) by.set(`${a.component}.${a.action}`, (by.get(`${a.component}.${a.action}`) ?? 0) + a.count);
    return counters.map((c) => c.keys.reduce((s, k) => s + (by.get(k) ?? 0), 0));
  };
  let prev = totals(m);
  const expected: WholeExpected[] = [];
  // the hw reference over each sequence, for the positions whose logits are read
  let simEqualsRef = true;
  let seq: number[] = [];
  const checks: { seq: number[]; pos: number; logits: Float32Array }[] = [];
  for (const r of runs) {
    if (r.clear) {
      m.reset();
      seq = [];
    }
    const position = m.position;
    const t = m.run(r.tokens, { logits: r.logits });
    seq.push(...r.tokens);
    const now = totals(m);
    expected.push({
      run: r,
      position,
      cycles: t.cycles,
      token: r.logits ? t.argmax : null,
      logits: r.logits ? t.logits : null,
      issue: t.trace.map((e) => e.issue),
      actions: now.map((x, k) => x - prev[k]!),
    });
    prev = now;
    if (r.logits) checks.push({ seq: [...seq], pos: seq.length - 1, logits: t.logits! });
  }
  for (const c of checks) {
    const V = model.ir.embedding.vocabSize;
    const ref = forward(model, c.seq, createKvCache(model, c.seq.length), { numerics: 'hw', logits: 'last', kvFormat: design.program.kvFormat });
    for (let i = 0; i < V; i++) if (f32Bits(ref[i]!) !== f32Bits(c.logits[i]!)) simEqualsRef = false;
  }
  if (diagnose) return { expected: withWrites(model, arch, runs, expected, design), simEqualsRef };
  return { expected, simEqualsRef };
}

/** The machine again, keeping each instruction's written words (for naming the first instruction whose values differ). */
function withWrites(model: Model, arch: ArchSpec, runs: readonly WholeRun[], expected: WholeExpected[], design: WholeDesign): WholeExpected[] {
  const p = design.program;
  const m = createMachine(model.ir, arch, arch.clockMHz, model);
  return runs.map((r, k) => {
    if (r.clear) m.reset();
    const written = new Map<number, Uint32Array>();
    const kvWritten = new Map<number, ReadonlyMap<number, KvWord>>();
    m.run(r.tokens, {
      logits: r.logits,
      observe: (pc, sp) => {
        const ins = p.instructions[pc]!;
        if (ins.op === 'kvw') kvWritten.set(pc, kvWrites(design.manifest.kv, p, ins, sp, expected[k]!.position, r.tokens.length));
        for (const id of writes(ins)) {
          const b = p.buffers[id]!;
          const words = new Uint32Array(b.words);
          for (let i = 0; i < b.words; i++) words[i] = f32Bits(sp[b.base + i]!);
          written.set(pc, words);
        }
      },
    });
    return { ...expected[k]!, written, kvWritten };
  });
}

function writeVectors(file: string, design: WholeDesign, expected: readonly WholeExpected[]): void {
  const p = design.program;
  const K = design.manifest.actions?.length ?? 0;
  const words: number[] = [];
  const lanes = design.manifest.host.lanes;
  const kv = design.manifest.kv;
  words.push(p.vocab, K, p.instructions.length, expected.length, lanes, design.manifest.host.lineBits, kv.banks, kv.kAddrBits, kv.vAddrBits, kv.elementBits);
  for (const e of expected) {
    words.push(e.run.tokens.length, (e.run.clear ? 1 : 0) | (e.run.logits ? 2 : 0), e.position, e.cycles, e.token ?? 0xffffffff);
    words.push(...e.run.tokens);
    if (e.logits) for (const x of e.logits) words.push(f32Bits(x));
    for (const a of e.actions) words.push(a % 2 ** 32, Math.floor(a / 2 ** 32));
    words.push(...e.issue);
  }
  const buf = Buffer.alloc(8 + 4 * words.length);
  buf.write('BNWHVEC2', 0, 'latin1');
  words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, 8 + 4 * i));
  fs.writeFileSync(file, buf);
}

/**
 * Build (or reuse) the harness for a whole-model design; `args`: what every run of it needs on its
 * command line (with weights in DRAM, the memory's image and timing).
 */
export function buildWholeHarness(design: WholeDesign, trace = false): { exe: string; rtlDir: string; args: string[] } {
  requireTool('verilator', 'verilator');
  const harness = path.join(packageRoot(), 'hw', 'harness', 'whole_harness.cpp');
  const flags = ['--cc', '--exe', '--build', '-j', '2', '-O2', '--x-assign', 'fast', '--x-initial', 'fast', ...(trace ? ['--trace-fst'] : [])];
  const defines = [design.manifest.dram ? '-DBNHW_DRAM' : '', trace ? '-DBNHW_TRACE' : ''].filter(Boolean).join(' ');
  const h = createHash('sha256').update(fs.readFileSync(harness)).update(fs.readFileSync(path.join(path.dirname(harness), 'dram_model.h'))).update(flags.join(' ')).update(defines);
  for (const [f, c] of design.files) h.update(f).update('\0').update(c);
  const root = path.join(cacheDir('whole-build'), `${h.digest('hex').slice(0, 16)}${trace ? '-trace' : ''}`);
  const exe = path.join(root, 'obj', 'whole_harness');
  cachedBuild(root, exe, (tmp) => {
    const rtlDir = path.join(tmp, 'rtl');
    fs.mkdirSync(rtlDir, { recursive: true });
    for (const [f, c] of design.files) fs.writeFileSync(path.join(rtlDir, f), c);
    const done = progressLine(`verilator: building the whole-model harness (${design.program.model} on ${design.program.arch})`);
    const r = run('verilator', [...flags, '--top-module', design.top, '-Mdir', path.join(tmp, 'obj'), '-o', 'whole_harness', '-CFLAGS', `-O2 -I${path.dirname(harness)} ${defines}`.trim(), ...design.sources.map((s) => path.join(rtlDir, s)), harness]);
    done();
    if (r.status !== 0) fail('VER001', 'verilator', `Verilator build failed:\n${(r.stderr || r.stdout).slice(-4000)}`, 'this is a generator bug; report it with the design manifest');
  });
  const dram = design.manifest.dram;
  const t = design.manifest.tablesDram;
  if ((dram && !dram.image) || (t && !t.image)) throw new Error('buildWholeHarness: the design was generated without its memories\' images; generate it with them to run it');
  const args = [
    ...(dram ? ['--dram-image', dram.image!, '--dram-latency', String(dram.latency), '--dram-interval', String(dram.interval)] : []),
    ...(t ? ['--tdram-image', t.image!, '--tdram-latency', String(t.latency), '--tdram-interval', String(t.interval)] : []),
  ];
  return { exe, rtlDir: path.join(root, 'rtl'), args };
}

interface HarnessDoc {
  readonly runs?: number;
  readonly mismatches?: number;
  readonly logits_checked?: number;
  readonly cycles?: number[];
  readonly harness_cycles?: number;
  readonly first_mismatches?: WholeMismatch[];
  readonly error?: string;
}

function runHarnessOnce(exe: string, rtlDir: string, file: string, o: WholeOptions, extra: string[]): HarnessDoc {
  const args = ['--vectors', file, '--seed', String(o.seed), '--in-stall', String(o.inStall ?? 0), '--out-stall', String(o.outStall ?? 0), ...extra];
  const r = run(exe, args, { cwd: rtlDir });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as HarnessDoc;
  } catch {
    fail('VER003', exe, `the whole-model harness produced no result (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-2000)}`, 'this is a bug of bitnet-hw; report it with the command line');
  }
}

/** Words the RTL wrote, by run and instruction (the last value of each word), from a write log. */
function readWriteLog(file: string): Map<string, Map<number, number>> {
  const b = fs.readFileSync(file);
  const out = new Map<string, Map<number, number>>();
  for (let o = 0; o + 20 <= b.length; o += 20) {
    const run = b.readUInt32LE(o);
    const pc = b.readUInt32LE(o + 8);
    const key = `${run}:${pc}`;
    let m = out.get(key);
    if (!m) out.set(key, (m = new Map()));
    m.set(b.readUInt32LE(o + 12), b.readUInt32LE(o + 16));
  }
  return out;
}

/** Run token blocks through the whole-model RTL and check them against the simulator (and it against the hw reference). */
export function verifyWhole(model: Model, arch: ArchSpec, runs: readonly WholeRun[], opts: WholeOptions): WholeResult {
  const design = opts.design ?? generateWhole(model, arch, { actions: true });
  if (!design.manifest.actions) throw new Error('verifyWhole: the design must be built with its action counters');
  const p = design.program;
  const { expected, simEqualsRef } = wholeExpected(model, arch, runs, design);
  const { exe, rtlDir, args } = buildWholeHarness(design);
  const dir = tempSibling(path.join(cacheDir('whole-vectors'), `${design.configHash}-${opts.seed}`));
  fs.mkdirSync(dir, { recursive: true });
  try {
    const file = path.join(dir, 'runs.bin');
    writeVectors(file, design, expected);
    const doc = runHarnessOnce(exe, rtlDir, file, opts, args);
    if (doc.error !== undefined && doc.runs === undefined) {
      return result(false, doc, [], `the harness stopped: ${doc.error}`);
    }
    const firsts = doc.first_mismatches ?? [];
    let where: string | null = null;
    if (firsts.length > 0 || (doc.mismatches ?? 0) > 0) {
      const f = firsts[0]!;
      const name = (pc: number): string => `instruction ${pc} (${p.instructions[pc]!.op}, ${unitOf(p.instructions[pc]!)} unit)`;
      if (f.kind === 'issue') where = `run ${f.run} (positions ${f.position}..${f.position + f.rows - 1}): ${name(f.pc)} issued on cycle ${f.got} of the run, the simulator's ${f.want}`;
      else {
        // values: rerun with the write log, find the first instruction whose writes differ
        const wlog = path.join(dir, 'writes.bin');
        runHarnessOnce(exe, rtlDir, file, opts, [...args, '--wlog', wlog]);
        const diag = withWrites(model, arch, runs, expected, design);
        const got = readWriteLog(wlog);
        const counter = f.kind === 'action' ? design.manifest.actions?.[f.index] : undefined;
        const what = counter ? `action counter ${counter.unit}.${counter.counter} (${counter.keys.join(' + ') || 'no simulator action'})` : `${f.kind}${f.index >= 0 ? ` ${f.index}` : ''}`;
        where = `run ${f.run} (positions ${f.position}..${f.position + f.rows - 1}): ${what} differs (got ${f.got}, want ${f.want})`;
        outer: for (let r = 0; r < diag.length; r++) {
          const pcs = [...new Set([...diag[r]!.written!.keys(), ...diag[r]!.kvWritten!.keys()])].sort((a, b) => a - b);
          for (const pc of pcs) {
            const kvWant = diag[r]!.kvWritten!.get(pc);
            if (kvWant) {
              // the KV cache's writes of a kvw: every word written, each as the simulator stores it
              const rtl = got.get(`${r}:${pc}`) ?? new Map<number, number>();
              for (const [a, want] of kvWant) {
                const v = rtl.get(a);
                if (v !== want.bits) {
                  const row = want.position - diag[r]!.position;
                  where = `run ${r} (position ${want.position}, token ${diag[r]!.run.tokens[row] ?? '?'}): ${name(pc)} ${v === undefined ? 'did not write' : `wrote ${v.toString(16)} to`} ${want.name}, the simulator ${want.bits.toString(16)}`;
                  break outer;
                }
              }
            }
            const words = diag[r]!.written!.get(pc);
            if (!words) continue;
            const base = p.buffers[writes(p.instructions[pc]!)[0]!]!.base;
            const rtl = new Map<number, number>();
            // a chained lin's outputs land while a later lin of its segment is the last issued
            let segEnd = pc;
            while (p.instructions[pc]!.op === 'lin' && p.instructions[segEnd + 1]?.op === 'lin' && (p.instructions[segEnd + 1] as { chain: boolean }).chain) segEnd++;
            for (const [key, m] of got) {
              const [rr, kpc] = key.split(':').map(Number) as [number, number];
              if (rr !== r || kpc < pc || kpc > segEnd) continue;
              for (const [a, v] of m) if (a >= base && a < base + words.length) rtl.set(a, v);
            }
            const rows = diag[r]!.run.tokens.length;
            const rowWords = p.buffers[writes(p.instructions[pc]!)[0]!]!.rowWords;
            const span = p.instructions[pc]!.op === 'head' ? rowWords : rows * rowWords;
            for (let i = 0; i < Math.min(span, words.length); i++) {
              const v = rtl.get(base + i);
              if (v !== undefined && v !== words[i]) {
                where = `run ${r} (position ${diag[r]!.position + Math.floor(i / rowWords)}, token ${diag[r]!.run.tokens[Math.floor(i / rowWords)] ?? '?'}): ${name(pc)} wrote ${v.toString(16)} at word ${base + i}, the simulator ${words[i]!.toString(16)}`;
                break outer;
              }
            }
          }
        }
      }
      if (opts.waveform && f) {
        const t = buildWholeHarness(design, true);
        runHarnessOnce(t.exe, t.rtlDir, file, opts, [...t.args, '--trace', path.resolve(opts.waveform), '--trace-from', String(Math.max(0, f.cycle - 2000)), '--trace-to', String(f.cycle + 200)]);
      }
    }
    return result((doc.mismatches ?? 1) === 0 && doc.runs === runs.length && simEqualsRef, doc, firsts, where);
  } finally {
    dropTemp(dir);
  }

  function result(passed: boolean, doc: HarnessDoc, firsts: readonly WholeMismatch[], where: string | null): WholeResult {
    return {
      passed,
      runs: doc.runs ?? 0,
      tokens: runs.reduce((a, r) => a + r.tokens.length, 0),
      positionsWithLogits: runs.filter((r) => r.logits).length,
      logitsChecked: doc.logits_checked ?? 0,
      mismatches: doc.mismatches ?? -1,
      rtlCycles: doc.cycles ?? [],
      simCycles: expected.map((e) => e.cycles),
      simEqualsRef,
      firstMismatches: firsts,
      where,
      harnessCycles: doc.harness_cycles ?? 0,
      counters: (design.manifest.actions ?? []).map((a) => `${a.unit}.${a.counter}`),
    };
  }
}

/**
 * A decoding session on the Verilated whole-model accelerator (`--backend rtl`): the harness in
 * serve mode as a co-process on two FIFOs, one block of tokens per request, answered with the
 * run's logits, argmax and cycles. Every position's logits (`all`) take one run per token; the
 * last position's (`last`) take blocks of the program's rows, the logits read on the last. The
 * hardware's argmax must equal the logits' (VER010 otherwise).
 */
export class RtlSession {
  readonly capacity: number;
  cycles = 0;
  private position = 0;
  private readonly dir: string;
  private readonly req: number;
  private readonly resp: number;
  private readonly rows: number;
  private readonly vocab: number;
  private closed = false;

  constructor(model: Model, arch: ArchSpec, capacity: number) {
    const design = generateWhole(model, arch, { actions: true });
    const { exe, rtlDir, args } = buildWholeHarness(design);
    this.rows = design.program.rows;
    this.vocab = design.program.vocab;
    this.capacity = Math.min(capacity, design.program.context);
    this.dir = fs.mkdtempSync(path.join(cacheDir('whole-serve'), 'session-'));
    const reqPath = path.join(this.dir, 'requests');
    const respPath = path.join(this.dir, 'responses');
    for (const f of [reqPath, respPath]) {
      const r = run('mkfifo', [f]);
      if (r.status !== 0) fail('VER011', f, 'cannot make the FIFO the RTL session talks through', 'check that mkfifo (coreutils) is installed and the cache folder is writable');
    }
    const child = spawn(exe, ['--serve', reqPath, respPath, '--seed', '1', '--in-stall', '0', '--out-stall', '0', ...args], { cwd: rtlDir, stdio: ['ignore', 'ignore', 'inherit'] });
    child.unref();
    // opening a FIFO blocks until the other side opens it: the harness opens requests, then responses
    this.req = fs.openSync(reqPath, 'w');
    this.resp = fs.openSync(respPath, 'r');
    process.once('exit', () => this.close());
  }

  private readExactly(bytes: number): Buffer {
    const b = Buffer.alloc(bytes);
    let got = 0;
    while (got < bytes) {
      const n = fs.readSync(this.resp, b, got, bytes - got, null);
      if (n === 0) fail('VER012', 'rtl session', 'the Verilated accelerator stopped answering', 'rerun; if it persists, report it with the command line');
      got += n;
    }
    return b;
  }

  /** One run through the host interface (the generated driver's WholeDevice). */
  run(tokens: readonly number[], opts: { readonly logits: boolean; readonly clear: boolean }): { logits: Float32Array | null; token: number | null; cycles: number } {
    const msg = Buffer.alloc(8 + 4 * tokens.length);
    msg.writeUInt32LE(tokens.length, 0);
    msg.writeUInt32LE((opts.clear ? 1 : 0) | (opts.logits ? 2 : 0), 4);
    tokens.forEach((t, i) => msg.writeUInt32LE(t, 8 + 4 * i));
    fs.writeSync(this.req, msg);
    const head = this.readExactly(20);
    const status = head.readUInt32LE(0);
    if (status !== 0) fail('RUN002', 'tokens', `the accelerator refused a block at position ${this.position}: it would pass its KV cache`, 'use a shorter sequence');
    const cycles = head.readUInt32LE(4);
    this.cycles += cycles;
    const token = head.readUInt32LE(8);
    const none = head.readUInt32LE(12);
    const n = head.readUInt32LE(16);
    const body = this.readExactly(4 * n);
    this.position = (opts.clear ? 0 : this.position) + tokens.length;
    if (!opts.logits) return { logits: null, token: null, cycles };
    if (n !== this.vocab) fail('VER012', 'rtl session', `the accelerator returned ${n} logits, not ${this.vocab}`, 'report it with the command line');
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = body.readFloatLE(4 * i);
    // the hardware's argmax against the logits it streamed (the reference's rule: NaN skipped, first largest)
    const best = out.every((x) => Number.isNaN(x)) ? -1 : argmax(out);
    if ((none !== 0) !== (best < 0) || (best >= 0 && token !== best)) fail('VER010', 'rtl session', `the accelerator's argmax ${none ? 'none' : token} differs from its logits' (${best})`, 'a hardware bug: run `bitnet-hw verify --whole` for the first difference');
    return { logits: out, token: none ? null : token, cycles };
  }

  private runBlock(tokens: readonly number[], logits: boolean): Float32Array | null {
    return this.run(tokens, { logits, clear: this.position === 0 }).logits;
  }

  feed(tokens: readonly number[], logits: 'all' | 'last'): Float32Array {
    const V = this.vocab;
    if (tokens.length === 0) fail('RUN001', 'tokens', 'no tokens given', 'pass at least one token id, e.g. --tokens 1,2,3');
    if (this.position + tokens.length > this.capacity) fail('RUN002', 'tokens', `${this.position + tokens.length} positions exceed the accelerator's KV cache of ${this.capacity}`, 'use a shorter sequence or an architecture with a longer machine.context', `<= ${this.capacity} positions`);
    tokens.forEach((tok, i) => {
      if (!Number.isInteger(tok) || tok < 0 || tok >= V) fail('RUN003', `tokens[${i}]`, `token id ${tok} is outside the vocabulary`, 'use integer ids in range', `0 <= id < ${V}`);
    });
    if (logits === 'all') {
      const out = new Float32Array(tokens.length * V);
      tokens.forEach((t, i) => out.set(this.runBlock([t], true)!, i * V));
      return out;
    }
    let last: Float32Array | null = null;
    for (let t = 0; t < tokens.length; t += this.rows) {
      const block = tokens.slice(t, t + this.rows);
      last = this.runBlock(block, t + block.length === tokens.length);
    }
    return last!;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      const end = Buffer.alloc(8);
      fs.writeSync(this.req, end);
    } catch {
      // the harness is gone already
    }
    for (const fd of [this.req, this.resp]) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
