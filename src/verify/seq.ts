/**
 * The sequencer's bench: compile a model's program for an architecture, run it on the simulator
 * (src/sim/machine.ts) for a sequence of runs (a block of prompt rows, then decoded tokens, with
 * and without logits), and check on Verilator or Icarus (hw/cocotb/test_seq.py) that the generated
 * sequencer (src/codegen/seq.ts) issues every instruction on the simulator's cycle when each unit
 * finishes on the simulator's cycle.
 *
 * Needs: a model IR (a shape IR is enough: the sequencer never sees values) and an architecture.
 * Guarantees: a pass means every instruction of every run was issued, in order, on its cycle, to
 * its unit, and the bench's count equals the programs'; the result names the first mismatches
 * (run, instruction, cycle).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchSpec } from '../ir/arch.js';
import { COUNTED_UNITS } from '../ir/deps.js';
import { OPCODES } from '../ir/program.js';
import type { ModelIR } from '../ir/types.js';
import { unitOf } from '../ir/units.js';
import { generateSequencer, SEQ_START_CYCLES, type SequencerDesign } from '../codegen/seq.js';
import { createMachine } from '../sim/model.js';
import { writeFileAtomic, dropTemp, tempSibling } from '../util/fsout.js';
import { runCocotbTop, type Sim } from './cocotb.js';
import { cacheDir } from './tools.js';

/** One run of the program: `rows` tokens (a prompt block, or 1 while decoding); logits read or not. */
export interface SeqRun {
  readonly rows: number;
  readonly logits: boolean;
}

/** A prompt block without logits, then decoded tokens with and without. */
export const DEFAULT_SEQ_RUNS: readonly SeqRun[] = [
  { rows: 3, logits: false },
  { rows: 1, logits: true },
  { rows: 1, logits: false },
  { rows: 1, logits: true },
];

export interface SeqBenchResult {
  readonly sim: Sim;
  readonly passed: boolean;
  readonly runs: number;
  /** Instructions issued and checked, and in the runs' programs. */
  readonly checked: number;
  readonly instructions: number;
  /** The simulator's cycles per run (the last finish). */
  readonly cycles: readonly number[];
  readonly mismatches: number;
  /** The first mismatches: run, instruction (pc, op, unit), the run's positions, cycles, simulation time. */
  readonly firstMismatches: readonly Record<string, unknown>[];
  readonly log: string;
  /** The VCD written around the first mismatch (opts.waveform), when there was one. */
  readonly waveform?: string;
}

interface BenchDoc {
  readonly runs: number;
  readonly checked: number;
  readonly mismatches: number;
  readonly first_mismatches: Record<string, unknown>[];
}

export interface SeqBenchOptions {
  readonly runs?: readonly SeqRun[];
  /** Simulate these files instead of the generated ones (mutation runs). */
  readonly files?: ReadonlyMap<string, string>;
  /** On a mismatch, rerun on Icarus and write a VCD of the 100 cycles around the first one here. */
  readonly waveform?: string;
}

export function runSeqBench(ir: ModelIR, arch: ArchSpec, sim: Sim, opts: SeqBenchOptions = {}): SeqBenchResult {
  const runs = opts.runs ?? DEFAULT_SEQ_RUNS;
  const machine = createMachine(ir, arch, arch.clockMHz);
  const p = machine.program;
  const design: SequencerDesign = generateSequencer(p);
  const words: number[] = [SEQ_START_CYCLES, runs.length];
  const cycles: number[] = [];
  const positions: number[] = [];
  for (const run of runs) {
    const pos = machine.position;
    positions.push(pos);
    const r = machine.run(Array.from({ length: run.rows }, () => 0), { logits: run.logits });
    cycles.push(r.cycles);
    words.push(run.rows, run.logits ? 1 : 0, pos, r.trace.length);
    for (const e of r.trace) {
      const i = p.instructions[e.pc]!;
      const u = unitOf(i);
      words.push(e.issue, e.finish - e.issue, u === 'seq' ? COUNTED_UNITS.length : COUNTED_UNITS.indexOf(u), OPCODES[i.op]);
    }
  }
  const dir = tempSibling(path.join(cacheDir('seqvec'), design.configHash));
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'seq.bin');
    const body = new Uint8Array(new Uint32Array(words).buffer);
    const out = new Uint8Array(8 + body.length);
    out.set(new TextEncoder().encode('BNHWSQ01'), 0);
    out.set(body, 8);
    writeFileAtomic(file, out);
    const target = { key: `${design.configHash}-seq-${sim}`, files: opts.files ?? design.files, sources: design.sources, benchSources: ['bnhw_seq_tb.v'], top: 'bnhw_seq_tb', module: 'test_seq', ownClock: true };
    const r = runCocotbTop(target, sim, { BNHW_SEQVECTORS: file });
    const doc = r.result as BenchDoc | null;
    const instructions = runs.length * p.instructions.length;
    const checked = doc?.checked ?? 0;
    const passed = r.passed && doc !== null && doc.mismatches === 0 && checked === instructions && doc.runs === runs.length;
    // each mismatch named by its run's positions, the instruction and its unit
    const firstMismatches = (doc?.first_mismatches ?? []).map((m): Record<string, unknown> => {
      const k = typeof m['run'] === 'number' ? m['run'] : -1;
      const pc = typeof m['pc'] === 'number' ? m['pc'] : -1;
      const ins = p.instructions[pc];
      const run = runs[k];
      return { ...m, ...(run ? { positions: `${positions[k]}..${positions[k]! + run.rows - 1}` } : {}), ...(ins ? { op: ins.op, unit: unitOf(ins) } : {}) };
    });
    let waveform: string | undefined;
    const at = firstMismatches[0]?.['time_ns'];
    if (!passed && opts.waveform && typeof at === 'number') {
      const from = Math.max(0, at - 500);
      runCocotbTop({ ...target, key: `${target.key}-vcd` }, 'icarus', { BNHW_SEQVECTORS: file }, { vcd: { file: opts.waveform, fromNs: from, toNs: at + 500 } });
      if (fs.existsSync(opts.waveform)) waveform = opts.waveform;
    }
    return { sim, passed, runs: runs.length, checked, instructions, cycles, mismatches: doc?.mismatches ?? 0, firstMismatches, log: r.log, ...(waveform ? { waveform } : {}) };
  } finally {
    dropTemp(dir);
  }
}
