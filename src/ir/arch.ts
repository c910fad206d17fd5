/**
 * The accelerator architecture description shared by the RTL generator and the simulator:
 * a typed, validated spec (JSON file or named preset). Widths are never configured here; they are
 * derived from the model by the engine plan (engine-plan.ts).
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { BitnetError, diag, fail, type Diagnostic } from '../util/diagnostics.js';
import { readJsonInput } from '../util/jsonfile.js';
import type { WeightKind } from './types.js';
import { expSchedule } from './exp-pipeline.js';

export interface ArchSpec {
  readonly kind: 'arch';
  readonly name: string;
  /** P: output rows computed in parallel. */
  readonly lanes: number;
  /** S: inputs per lane per cycle (adder-tree leaves). */
  readonly simd: number;
  readonly weightKind: WeightKind;
  /** Activation bits: the engine's quantizer is int8. */
  readonly actBits: 8;
  /** A pipeline register after every k adder-tree levels (0: a combinational tree). */
  readonly treePipeline: number;
  /**
   * `rom`: weights baked from the model; `load-port`: a RAM the host writes before use; `dram`:
   * streamed from external memory through a read port (request, then in-order data into a FIFO),
   * with the DRAM timing contract of `dramTiming`.
   */
  readonly weightMemory: 'rom' | 'load-port' | 'dram';
  /** Ternary weight words as 2-bit codes (default) or base-3 bytes of 5 weights (1.6 bits each). */
  readonly weightPacking?: '2bit' | 'base3';
  readonly clockMHz: number;
  /** Memory system (on-chip weight capacity, DRAM) for the simulator (defaults: DEFAULT_SYSTEM). */
  readonly system?: Partial<SystemSpec>;
  /** The whole-model accelerator's units around the engine (defaults: DEFAULT_MACHINE). */
  readonly machine?: Partial<MachineSpec>;
}

/** The units of the whole-model accelerator (program.ts, units.ts) and its memories. */
export interface MachineSpec {
  /** fp32 lanes of the vector unit (one multiply and one add per cycle each). */
  readonly vectorLanes: number;
  /** Dot-product lanes of the attention unit. */
  readonly attentionLanes: number;
  /** Dot-product lanes of the head. */
  readonly headLanes: number;
  readonly fpAddLatency: number;
  readonly fpMulLatency: number;
  /** Iterative fp32 divide and square root: cycles from issue to result (1 to 4 bits per cycle, plus unpacking and rounding: src/codegen/fpu.ts). */
  readonly divCycles: number;
  readonly sqrtCycles: number;
  /**
   * The pipelined exp's latency: at least what the exact pipeline of fp32 units needs under
   * fpAddLatency and fpMulLatency (exp-pipeline.ts; AR004), and that when not given.
   */
  readonly expLatency: number;
  /** Positions the KV cache holds (null: the model's context). */
  readonly context: number | null;
  readonly kvFormat: 'fp32' | 'bf16' | 'fp16';
  /** Largest scratchpad the compiler may allocate. */
  readonly scratchpadWords: number;
  /** Most prompt tokens one program run processes (the row block; decoding runs one token). */
  readonly prefillRows: number;
  /**
   * Deep memories read through registered banks (src/ir/memory-layout.ts: each bank one block
   * RAM deep, its read registered beside it, then a registered 4:1 multiplexer tree), as the
   * engine's are, so that no path runs from a block RAM (5.8 ns to its output on ECP5) through a
   * wide multiplexer: longer reads, for a faster clock. The embedding/head tables on chip; and
   * the scratchpad, the parameter memory, the RoPE table and the KV caches, each read registered
   * at the memory, so that their data comes two cycles after its address, not one (units.ts
   * readLatency; every unit's contract and its RTL wait for it).
   */
  readonly registeredReads: boolean;
}

export const DEFAULT_MACHINE: Omit<MachineSpec, 'expLatency'> = {
  vectorLanes: 4,
  attentionLanes: 4,
  headLanes: 4,
  fpAddLatency: 4,
  fpMulLatency: 3,
  divCycles: 28,
  sqrtCycles: 27,
  context: null,
  kvFormat: 'fp32',
  scratchpadWords: 1 << 20,
  prefillRows: 16,
  registeredReads: false,
};

export function machineOf(arch: ArchSpec): MachineSpec {
  const m = { ...DEFAULT_MACHINE, ...(arch.machine ?? {}) };
  return { ...m, expLatency: m.expLatency ?? expSchedule(m.fpAddLatency, m.fpMulLatency).latency };
}

export interface SystemSpec {
  /** Weight bits that fit on chip; larger models stream weights from DRAM. */
  readonly onChipWeightBits: number;
  /** KV cache bits that fit on chip; a larger cache lives in DRAM and attention streams it. */
  readonly onChipKvBits: number;
  /**
   * DRAM bandwidth in GB/s and latency in ns: physical figures, turned into bits and cycles at the
   * design's clock (so a design that closes at a lower clock gets more bits per cycle).
   */
  readonly dramGBps: number;
  readonly dramLatencyNs: number;
  /** KV cache element bits (fp16). */
  readonly kvBits: number;
}

export const DEFAULT_SYSTEM: SystemSpec = {
  onChipWeightBits: 64 * 1024 * 1024,
  onChipKvBits: 64 * 1024 * 1024,
  // One 64-bit DDR4-1600 channel (12.8 GB/s), ~600 ns for a burst to arrive.
  dramGBps: 12.8,
  dramLatencyNs: 600,
  kvBits: 16,
};

export function systemOf(arch: ArchSpec): SystemSpec {
  return { ...DEFAULT_SYSTEM, ...(arch.system ?? {}) };
}

/**
 * The DRAM read port's timing contract, in cycles of a `clockMHz` clock, for words of `wordBits`:
 * a request accepted on cycle t delivers its words in order, the first no earlier than t +
 * `latency`, each later one no earlier than `interval` cycles after the previous word was taken
 * (the port delivers one word per cycle at most; `interval` rounds the bandwidth down to whole
 * cycles per word). Requests are served in the order they were accepted, and accepted at once.
 * The simulator's memory (src/sim/dram.ts) and the Verilator harnesses' (hw/harness/dram_model.h)
 * both implement exactly this, so cycle counts through the port are exact.
 */
export interface DramTiming {
  readonly latency: number;
  readonly interval: number;
}

export function dramTiming(sys: SystemSpec, clockMHz: number, wordBits: number): DramTiming {
  const r = dramRate(sys, clockMHz);
  return { latency: Math.max(1, r.latency), interval: Math.max(1, Math.ceil(wordBits / r.bitsPerCycle)) };
}

/** The system's DRAM at a `clockMHz` clock: bits per cycle, and its latency in whole cycles. */
export function dramRate(sys: SystemSpec, clockMHz: number): { readonly bitsPerCycle: number; readonly latency: number } {
  return { bitsPerCycle: (sys.dramGBps * 8e9) / (clockMHz * 1e6), latency: Math.ceil((sys.dramLatencyNs * clockMHz) / 1000) };
}

const lanes = z.number().int().min(1).max(4096);
const latency = z.number().int().min(1).max(1024);

export const ArchSchema = z
  .object({
    kind: z.literal('arch').default('arch'),
    // Names reach file headers and comments: printable, no spaces or quotes.
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/, 'a name of 1-64 letters, digits, _ . + - (starting with a letter or digit)'),
    lanes: z.number().int().min(1).max(1024),
    simd: z.number().int().min(2).max(1024),
    weightKind: z.enum(['binary', 'ternary']),
    actBits: z.literal(8).default(8),
    treePipeline: z.number().int().min(0).max(16),
    weightMemory: z.enum(['rom', 'load-port', 'dram']),
    weightPacking: z.enum(['2bit', 'base3']).optional(),
    clockMHz: z.number().positive().max(5000),
    system: z
      .object({
        onChipWeightBits: z.number().int().nonnegative().max(2 ** 50),
        onChipKvBits: z.number().int().nonnegative().max(2 ** 50),
        dramGBps: z.number().min(0.01).max(100_000),
        dramLatencyNs: z.number().nonnegative().max(1e9),
        kvBits: z.number().int().min(1).max(64),
      })
      .partial()
      .strict()
      .optional(),
    machine: z
      .object({
        vectorLanes: lanes,
        attentionLanes: lanes,
        headLanes: lanes,
        fpAddLatency: latency,
        fpMulLatency: latency,
        // unpack (+ the divider's pre-shift) + round + 25 result bits at most 4 per cycle (src/codegen/fpu.ts)
        divCycles: z.number().int().min(10).max(1024),
        sqrtCycles: z.number().int().min(9).max(1024),
        expLatency: latency,
        context: z.number().int().min(1).max(1 << 20).nullable(),
        kvFormat: z.enum(['fp32', 'bf16', 'fp16']),
        scratchpadWords: z.number().int().min(16).max(1 << 26),
        prefillRows: z.number().int().min(1).max(1024),
        registeredReads: z.boolean(),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

export const ARCH_PRESETS: Readonly<Record<string, ArchSpec>> = {
  tiny: { kind: 'arch', name: 'tiny', lanes: 4, simd: 8, weightKind: 'ternary', actBits: 8, treePipeline: 2, weightMemory: 'rom', clockMHz: 100 },
  'tiny-binary': { kind: 'arch', name: 'tiny-binary', lanes: 4, simd: 8, weightKind: 'binary', actBits: 8, treePipeline: 2, weightMemory: 'rom', clockMHz: 100 },
  default: { kind: 'arch', name: 'default', lanes: 16, simd: 32, weightKind: 'ternary', actBits: 8, treePipeline: 2, weightMemory: 'rom', clockMHz: 100, machine: { vectorLanes: 16, attentionLanes: 32, headLanes: 64 } },
  'tiny-base3': { kind: 'arch', name: 'tiny-base3', lanes: 4, simd: 8, weightKind: 'ternary', actBits: 8, treePipeline: 2, weightMemory: 'rom', weightPacking: 'base3', clockMHz: 100 },
  'default-base3': { kind: 'arch', name: 'default-base3', lanes: 16, simd: 32, weightKind: 'ternary', actBits: 8, treePipeline: 2, weightMemory: 'rom', weightPacking: 'base3', clockMHz: 100, machine: { vectorLanes: 16, attentionLanes: 32, headLanes: 64 } },
  'default-binary': { kind: 'arch', name: 'default-binary', lanes: 16, simd: 32, weightKind: 'binary', actBits: 8, treePipeline: 2, weightMemory: 'rom', clockMHz: 100, machine: { vectorLanes: 16, attentionLanes: 32, headLanes: 64 } },
};

/** A preset name, a JSON file path, or the JSON itself (starting with `{`: what sweep workers get). */
export function loadArch(spec: string): ArchSpec {
  const preset = ARCH_PRESETS[spec];
  if (preset) return preset;
  if (spec.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(spec);
    } catch (e) {
      fail('AR002', '--arch', `the inline architecture is not valid JSON (${(e as Error).message})`, 'pass a preset name, a JSON file, or a complete JSON object');
    }
    return parseArch(json, '--arch (inline JSON)');
  }
  if (!fs.existsSync(spec)) {
    fail('AR001', spec, 'not a preset name or an existing file', `use one of ${Object.keys(ARCH_PRESETS).join(', ')} or a JSON file`);
  }
  return parseArch(readJsonInput(spec, 'AR002', 'architecture file'), spec);
}

export function parseArch(json: unknown, where: string): ArchSpec {
  const r = ArchSchema.safeParse(json);
  if (!r.success) {
    throw new BitnetError(r.error.issues.map((i) => diag('AR003', `${where}:${i.path.join('.') || '(root)'}`, `architecture field: ${i.message}`, 'see ARCH_PRESETS in src/ir/arch.ts for valid specs')));
  }
  const arch = r.data as ArchSpec;
  const m = machineOf(arch);
  const least = expSchedule(m.fpAddLatency, m.fpMulLatency).latency;
  if (m.expLatency < least) {
    fail('AR004', `${where}:machine.expLatency`, `${m.expLatency} cycles is less than the ${least} the exact exp pipeline needs with fpAddLatency ${m.fpAddLatency} and fpMulLatency ${m.fpMulLatency} (src/ir/exp-pipeline.ts)`, `use expLatency >= ${least}, or leave it out to get ${least}`, `>= ${least}`);
  }
  return arch;
}

export function validateArchForModel(arch: ArchSpec, weightKinds: readonly WeightKind[], where: string): Diagnostic[] {
  const ds: Diagnostic[] = [];
  if (arch.weightPacking === 'base3' && arch.weightKind !== 'ternary') {
    ds.push(diag('AR011', where, 'base-3 packing holds ternary weights', 'remove weightPacking or use weightKind "ternary"', 'weightKind ternary'));
  }
  for (const k of new Set(weightKinds)) {
    if (k !== arch.weightKind) {
      ds.push(diag('AR010', where, `the model has ${k} weights but the architecture is built for ${arch.weightKind}`, `use an architecture with weightKind "${k}" (e.g. preset ${k === 'binary' ? 'tiny-binary' : 'tiny'})`, k));
    }
  }
  return ds;
}
