/**
 * The whole-model accelerator's head unit (templates/verilog/bnhw_head.v.hbs) for a compiled
 * program: `embed`, the head's logits and `argmax`, on the embedding/head table
 * (bnhw_etab.v.hbs, its image a $readmemh file; a second table when the head is not tied).
 *
 * Needs: a program compiled for the architecture (scratchpad bases aligned to the vector lanes)
 * and the tables' words (from the model: modelHeadTables; a bench may pass its own). Guarantees:
 * every width (addresses, counts, token ids) and every constant of the head's schedule
 * (src/ir/units.ts headSchedule) is decided here; head lanes must be a power of two (`CG048`);
 * files are a pure function of the program, the machine block, the tables and the templates
 * (reproducible byte for byte).
 */
import { createHash } from 'node:crypto';
import type { ArchSpec } from '../ir/arch.js';
import { machineOf } from '../ir/arch.js';
import { canonicalJson } from '../ir/irfile.js';
import { OPCODES, type Program } from '../ir/program.js';
import type { ModelIR, TensorStore } from '../ir/types.js';
import { headSchedule, headTableDepth, headTableLatency, tableFifoLines, tableFormat, unitContracts, type HeadSchedule } from '../ir/units.js';
import { BANK_DEPTH, memoryLayout } from '../ir/memory-layout.js';
import { stored } from '../ref/tensors.js';
import { fail } from '../util/diagnostics.js';
import { f16ToF32, f32Bits } from '../util/float.js';
import { generateFpUnits, type FpUnitsDesign } from './fpu.js';
import { memoryContext } from './memory.js';
import { verilogTemplate, verilogTemplateSource } from './templates.js';
import { planVector, unitTemplate, unitTemplateText, unitViewBase, type UnitBuildOptions, type VectorPlan } from './vec.js';

export const HEAD_GENERATOR_VERSION = '0.1.0';

/**
 * The tables' words as the hardware stores them: fp32 bit patterns, or bf16 halves (widened
 * exactly by appending 16 zero bits). An f16 table is stored as the fp32 words it widens to.
 */
export interface HeadTables {
  readonly format: 'f32' | 'bf16';
  /** vocab x hidden elements, row-major. */
  readonly embed: Uint32Array;
  /** The head's own table; null when the head is tied to the embedding. */
  readonly head: Uint32Array | null;
}

function tableWords(store: TensorStore, ref: ModelIR['embedding']['weight']): { format: 'f32' | 'bf16'; words: Uint32Array } {
  const t = stored(store, ref);
  if (t.dtype === 'bf16') return { format: 'bf16', words: Uint32Array.from(t.data as Uint16Array) };
  if (t.dtype === 'f16') return { format: 'f32', words: Uint32Array.from(t.data as Uint16Array, (h) => f32Bits(f16ToF32(h))) };
  const f = t.data as Float32Array;
  return { format: 'f32', words: new Uint32Array(f.buffer, f.byteOffset, f.length) };
}

/** The model's embedding (and untied head) table. */
export function modelHeadTables(ir: ModelIR, store: TensorStore): HeadTables {
  const e = tableWords(store, ir.embedding.weight);
  if (ir.head.tied || ir.head.weight.name === ir.embedding.weight.name) return { format: e.format, embed: e.words, head: null };
  const h = tableWords(store, ir.head.weight);
  if (h.format !== e.format) throw new Error(`modelHeadTables: the embedding is ${e.format}, the head ${h.format}`);
  return { format: e.format, embed: e.words, head: h.words };
}

/**
 * What the RTL needs of the tables when their contents are not wanted (tables in DRAM, generated
 * without images): their element format and whether the head has its own.
 */
export interface HeadTableShape {
  readonly format: 'f32' | 'bf16';
  readonly untied: boolean;
}

/** The model's tables' shape, from its IR alone (the tensors' dtypes, as modelHeadTables reads them). */
export function headTableShape(ir: ModelIR): HeadTableShape {
  const fmt = (d: string): 'f32' | 'bf16' => tableFormat(d).format;
  const untied = !(ir.head.tied || ir.head.weight.name === ir.embedding.weight.name);
  if (untied && fmt(ir.head.weight.dtype) !== fmt(ir.embedding.weight.dtype)) throw new Error(`headTableShape: the embedding is ${ir.embedding.weight.dtype}, the head ${ir.head.weight.dtype}`);
  return { format: fmt(ir.embedding.weight.dtype), untied };
}

const hasContents = (t: HeadTables | HeadTableShape): t is HeadTables => 'embed' in t;

export interface HeadPlan {
  readonly vector: VectorPlan;
  readonly lanes: number;
  readonly laneBits: number;
  readonly schedule: HeadSchedule;
  /** Table lines (groups x hidden), address bits, bits per element. */
  readonly depth: number;
  readonly tableAddrBits: number;
  readonly elementBits: number;
  /** Token id bits (at least the lane bits). */
  readonly tokenBits: number;
  readonly countBits: number;
  readonly untied: boolean;
  /**
   * Cycles from a table line's address to the line (headTableLatency): 1 for a table in one block
   * RAM memory, or the banked memory's with registered reads (machine.registeredReads); then
   * `banks` image files per table, one per bank.
   */
  readonly tableLatency: number;
  readonly tableBanks: number;
  /**
   * With weights in DRAM (weightMemory "dram") the tables are too: their image (the embedding
   * table's lines, then the head's when untied) behind a DRAM read port, read through a FIFO of
   * `fifoDepth` lines (two groups' worth: one read while the next arrives). null: tables on chip.
   */
  readonly stream: { readonly fifoDepth: number; readonly imageLines: number; readonly lineBits: number; readonly headBase: number; readonly portBits: number } | null;
}

export interface HeadDesign {
  readonly plan: HeadPlan;
  readonly configHash: string;
  /** bnhw_head.v, the table(s) and their images, the fp units, sorted. */
  readonly files: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
}

const bitsFor = (max: number): number => Math.max(1, Math.ceil(Math.log2(max + 1)));

export const EMBED_TABLE_FILE = 'bnhw_etab.hex';
export const HEAD_TABLE_FILE = 'bnhw_htab.hex';
/** With the tables in DRAM: their image behind the head unit's port. */
export const TABLES_DRAM_FILE = 'bnhw_tables.hex';

export function planHead(p: Program, arch: ArchSpec, tables: HeadTables | HeadTableShape): HeadPlan {
  const m = machineOf(arch);
  const HL = m.headLanes;
  if (HL < 2 || (HL & (HL - 1)) !== 0) {
    fail('CG048', `arch ${arch.name}.machine.headLanes`, `${HL} lanes: a token's table bank is its id's low bits`, 'use a power of two >= 2', 'a power of two >= 2');
  }
  const vector = planVector(p, arch);
  const u = unitContracts(arch);
  const schedule = headSchedule(p.vocab, p.hidden, u);
  const want = p.vocab * p.hidden;
  if (hasContents(tables) && (tables.embed.length !== want || (tables.head !== null && tables.head.length !== want))) {
    throw new Error(`planHead: tables of ${tables.embed.length} elements for a ${p.vocab} x ${p.hidden} table`);
  }
  if (!hasContents(tables) && arch.weightMemory !== 'dram') throw new Error('planHead: tables on chip need their contents');
  const depth = headTableDepth(p.vocab, p.hidden, HL);
  const tableAddrBits = bitsFor(depth - 1);
  const laneBits = Math.log2(HL);
  const nMax = Math.max(p.vocab, ...p.instructions.map((i) => (i.op === 'argmax' ? i.n : 0)));
  const tokenBits = Math.max(bitsFor(nMax - 1), laneBits);
  // Streamed tables are addressed only by the request (its own width), not by the unit's counters.
  const countBits = Math.max(vector.spadAddrBits, arch.weightMemory === 'dram' ? 0 : tableAddrBits, bitsFor(nMax), bitsFor(schedule.period), bitsFor(schedule.groups), bitsFor(p.hidden), vector.rowBits + 1, tokenBits, 5);
  const untied = hasContents(tables) ? tables.head !== null : tables.untied;
  const imageLines = depth * (untied ? 2 : 1);
  const elementBits = tableFormat(tables.format).elementBits;
  const stream = arch.weightMemory === 'dram' ? { fifoDepth: tableFifoLines(p.hidden), imageLines, lineBits: HL * elementBits, headBase: untied ? depth : 0, portBits: bitsFor(imageLines) } : null;
  const tableLatency = headTableLatency(p.vocab, p.hidden, u);
  if (tableLatency < u.readLatency) {
    fail('CG056', `arch ${arch.name}.machine.registeredReads`, `the head unit's table lines come ${tableLatency} cycle(s) after their read, before the hidden words from the scratchpad's registered reads (${u.readLatency}): a head term's two operands would not meet`, 'keep the tables on chip with registeredReads (weightMemory other than "dram"), or turn registeredReads off', 'tables on chip');
  }
  const tableBanks = u.head.tableBanked ? memoryLayout(depth, HL * elementBits).banks : 1;
  return { vector, lanes: HL, laneBits, schedule, depth, tableAddrBits, elementBits, tokenBits, countBits, untied, tableLatency, tableBanks, stream };
}

/** A table's image: line a holds element (a mod hidden) of vocab row (a / hidden) * lanes + b in bank b. */
function tableImage(words: Uint32Array, p: Program, plan: HeadPlan): string {
  return tableLines(words, p, plan).join('\n') + '\n';
}

/** A banked table's image files: the lines of each bank (BANK_DEPTH of them, fewer in the last). */
function bankImages(words: Uint32Array, p: Program, plan: HeadPlan): string[] {
  const lines = tableLines(words, p, plan);
  return Array.from({ length: plan.tableBanks }, (_, b) => lines.slice(b * BANK_DEPTH, (b + 1) * BANK_DEPTH).join('\n') + '\n');
}

/** A banked table's image file names: `bnhw_etab.hex` as `bnhw_etab_0.hex`, `bnhw_etab_1.hex`, ... */
export function bankFileNames(file: string, banks: number): string[] {
  return Array.from({ length: banks }, (_, b) => file.replace(/\.hex$/, `_${b}.hex`));
}

function tableLines(words: Uint32Array, p: Program, plan: HeadPlan): string[] {
  const HL = plan.lanes;
  const H = p.hidden;
  const digits = plan.elementBits / 4;
  const out: string[] = [];
  for (let g = 0; g < plan.schedule.groups; g++) {
    for (let k = 0; k < H; k++) {
      let s = '';
      for (let b = HL - 1; b >= 0; b--) {
        const v = g * HL + b;
        s += (v < p.vocab ? words[v * H + k]! : 0).toString(16).padStart(digits, '0');
      }
      out.push(s);
    }
  }
  return out;
}

const FP_SOURCES = ['bnhw_fadd.v', 'bnhw_fmul.v', 'bnhw_fdot.v'];

/** `tables`: their contents, or (tables in DRAM, no images) only their shape. */
export function generateHead(p: Program, arch: ArchSpec, tables: HeadTables | HeadTableShape, fp: FpUnitsDesign = generateFpUnits(arch), opts: UnitBuildOptions = {}): HeadDesign {
  const m = machineOf(arch);
  const actions = opts.actions ?? false;
  const plan = planHead(p, arch, tables);
  const { vector: vp, lanes: HL, laneBits: HLB, schedule: s, countBits: CW, tableAddrBits: TA, tokenBits: TB, elementBits: EB } = plan;
  const V = vp.lanes;
  const LB = vp.laneBits;
  const T = plan.tableLatency;
  const u = unitContracts(arch);
  const R = u.readLatency;
  const h = createHash('sha256').update(canonicalJson({ plan, generator: HEAD_GENERATOR_VERSION, fp: fp.configHash, actions, model: p.model }));
  if (hasContents(tables)) for (const t of [tables.embed, tables.head]) if (t) h.update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  h.update(unitTemplateText(['bnhw_head', 'bnhw_etab']));
  h.update(verilogTemplateSource('bnhw_mem'));
  const configHash = h.digest('hex').slice(0, 16);
  const header = `Generated by bitnet-hw ${HEAD_GENERATOR_VERSION} (head unit ${configHash}). Do not edit: regenerate with \`bitnet-hw gen\`.`;
  const lineBits = vp.spadAddrBits - LB;
  const widen = (sig: string, idx: string): string => (EB === 32 ? `${sig}[${idx} * 32 +: 32]` : `{${sig}[${idx} * 16 +: 16], 16'd0}`);
  const lastMask = (2n ** BigInt(s.lastLanes) - 1n).toString(16);
  const allMask = (2n ** BigInt(HL) - 1n).toString(16);
  const popW = bitsFor(HL);
  const oneGroup = TB === HLB;
  const format = tables.format === 'bf16' ? 'bf16' : 'fp32';
  const text = unitTemplate('bnhw_head')({
    ...unitViewBase(vp, CW, header),
    lanesV: V,
    lanesVHi: V - 1,
    untied: plan.untied,
    tableWhat: plan.untied ? `${format}, bnhw_etab for embed and bnhw_htab for the head` : `${format}, tied: bnhw_etab for both`,
    period: s.period,
    periodM1: s.period - 1,
    groups: s.groups,
    groupsM1: s.groups - 1,
    wordsPerLine: Math.min(HL, V),
    hidden: p.hidden,
    hiddenM1: p.hidden - 1,
    opEmbed: OPCODES.embed,
    opHead: OPCODES.head,
    opArgmax: OPCODES.argmax,
    tb: TB,
    tbHi: TB - 1,
    akSrc: `ak[${TB - 1}:0]`,
    ta: TA,
    taHi: TA - 1,
    hl: HL,
    hlHi: HL - 1,
    hlb: HLB,
    hlbHi: HLB - 1,
    rowsW: vp.rowBits,
    oneGroup,
    tpad: oneGroup || TA === TB - HLB ? '' : `${TA - (TB - HLB)}'d0, `,
    gaps: Math.max(4, m.fpAddLatency) > 4,
    period4m1: Math.max(4, m.fpAddLatency) - 1,
    allMask,
    lastMask,
    lineBits,
    sAddrHi: V * lineBits - 1,
    countPastSpad: CW > LB + lineBits,
    spadBits: LB + lineBits,
    tabHi: HL * EB - 1,
    eb: EB,
    ebHi: EB - 1,
    laneWord: widen('ht_q', 'l'),
    embedWord: EB === 32 ? 'ew' : `{ew, 16'd0}`,
    multiLine: s.lines > 1,
    linesM1: s.lines - 1,
    nextLo: V,
    lineW: 32 * V,
    narrow: HL < V,
    actions,
    stream: plan.stream !== null,
    ...(plan.stream
      ? {
          fifoDepth: plan.stream.fifoDepth,
          fifoLast: plan.stream.fifoDepth - 1,
          faw: Math.log2(plan.stream.fifoDepth),
          fawHi: Math.log2(plan.stream.fifoDepth) - 1,
          fcw: bitsFor(plan.stream.fifoDepth),
          fcwHi: bitsFor(plan.stream.fifoDepth) - 1,
          fcwM1: bitsFor(plan.stream.fifoDepth) - 1,
          tla: plan.stream.portBits,
          tlaHi: plan.stream.portBits - 1,
          headBase: plan.stream.headBase,
          depth: plan.depth,
          trowExt: plan.stream.portBits === TA ? 'trow' : `{${plan.stream.portBits - TA}'d0, trow}`,
        }
      : {}),
    // the table's latency: delay lines of the embed writes' flags and the head terms' flags and word
    tLat: T,
    tLatOne: T === 1,
    tLatTwo: T === 2,
    tLatM1: T - 1,
    tLatHi: T - 1,
    tLatKeepHi: T - 2,
    ebsHi: T * HLB - 1,
    ebsLo: (T - 1) * HLB,
    ebsKeepHi: (T - 1) * HLB - 1,
    hmsHi: T * HL - 1,
    hmsLo: (T - 1) * HL,
    hmsKeepHi: (T - 1) * HL - 1,
    // the hidden word, read from the scratchpad beside the table line, waits T - R cycles for it
    hold: T - R,
    holdNone: T === R,
    holdOne: T - R === 1,
    hxsHi: 32 * (T - R) - 1,
    hxsLo: 32 * (T - R - 1),
    hxsKeepHi: 32 * (T - R - 1) - 1,
    rselSrc: `raddr[${plan.vector.laneBits - 1}:0]`,
    popW,
    popHi: popW - 1,
    popPad: popW - 1,
    cPad: 48 - popW,
  });
  const files = new Map<string, string>([['bnhw_head.v', text]]);
  // a table on chip: one memory, or (registered reads) banks one block RAM deep, an image each
  const putTable = (module: string, what: string, file: string, words: Uint32Array): void => {
    if (!u.head.tableBanked) {
      files.set(`${module}.v`, unitTemplate('bnhw_etab')({ header, module, what, model: p.model, vocab: p.vocab, hidden: p.hidden, format, lanes: HL, depth: plan.depth, file, addrHi: TA - 1, dataHi: HL * EB - 1, lastLine: plan.depth - 1 }));
      files.set(file, tableImage(words, p, plan));
      return;
    }
    const names = bankFileNames(file, plan.tableBanks);
    const mem = memoryContext({ name: module, depth: plan.depth, width: HL * EB, writable: false, initFiles: names, trimLastBank: true }, header);
    files.set(`${module}.v`, verilogTemplate('bnhw_mem')(mem));
    bankImages(words, p, plan).forEach((text, b) => files.set(names[b]!, text));
  };
  if (plan.stream) {
    if (hasContents(tables)) files.set(TABLES_DRAM_FILE, tableImage(tables.embed, p, plan) + (tables.head ? tableImage(tables.head, p, plan) : ''));
  } else if (hasContents(tables)) {
    putTable('bnhw_etab', plan.untied ? 'the embedding table' : 'the embedding table (the head is tied to it)', EMBED_TABLE_FILE, tables.embed);
    if (tables.head) putTable('bnhw_htab', 'the head table', HEAD_TABLE_FILE, tables.head);
  }
  for (const f of FP_SOURCES) files.set(f, fp.files.get(f)!);
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { plan, configHash, files: sorted, sources: [...sorted.keys()].filter((f) => f.endsWith('.v')) };
}
