/**
 * The whole-model accelerator (templates/verilog/bnhw_top.v.hbs): token ids in, logits and the
 * argmax out. Every unit comes from its own generator (the sequencer and its program image, the
 * BitLinear engine, the vector, special-function, head, KV and attention units, the scratchpad);
 * this pass adds the engine's scratchpad adapter (bnhw_lin.v.hbs), the parameter ROM
 * (bnhw_prom.v.hbs) and the top that joins them to the host interface.
 *
 * Needs: a model (weights, norm parameters, embedding/head tables) and an architecture whose
 * KV cache fits on chip, with its weights in a ROM that fits on chip or streamed from DRAM
 * (weightMemory "dram": the engine's weight port and the head unit's table port become the
 * top's). Guarantees: every width, name and table is decided here (the templates substitute and
 * loop); the units' shared files are byte-identical or the generation fails; files are a pure
 * function of the model, the architecture and the templates (reproducible byte for byte).
 * Refusals: a load-port engine or ROM weights past the chip's capacity (`CG052`), a KV cache
 * past it (`CG053`), the memories' images left out of an on-chip design (`CG055`).
 */
import { createHash } from 'node:crypto';
import type { ArchSpec } from '../ir/arch.js';
import { dramTiming, systemOf } from '../ir/arch.js';
import { canonicalJson } from '../ir/irfile.js';
import { compileProgram } from '../ir/compile.js';
import { COUNTED_UNITS } from '../ir/deps.js';
import type { Program } from '../ir/program.js';
import { engineAdapterLead, unitContracts } from '../ir/units.js';
import type { Model } from '../ir/types.js';
import { paramMemory } from '../ir/param-memory.js';
import { fail } from '../util/diagnostics.js';
import { f32Bits } from '../util/float.js';
import { generateAttention } from './attn.js';
import { generateFpUnits } from './fpu.js';
import { generateHead, headTableShape, modelHeadTables, TABLES_DRAM_FILE } from './head.js';
import { generateSequencer, SEQ_START_CYCLES } from './seq.js';
import { generateSfu } from './sfu.js';
import { verilogTemplate, verilogTemplateSource } from './templates.js';
import { generateVector } from './vec.js';
import { generateRtl } from './verilog.js';
import { engineActionsOf, type EnginePlan } from '../ir/engine-plan.js';

export const WHOLE_GENERATOR_VERSION = '0.1.0';
export const WHOLE_TOP = 'bnhw_top';
export const WHOLE_MANIFEST_VERSION = 1;

/**
 * One action counter of the simulation build: its unit and port, and the simulator's
 * component.action keys whose counts it must equal (summed).
 */
export interface WholeAction {
  readonly unit: string;
  readonly counter: string;
  readonly keys: readonly string[];
}

export interface WholeManifest {
  readonly kind: 'bitnet-hw-whole';
  readonly version: number;
  readonly generator: string;
  readonly configHash: string;
  readonly top: string;
  readonly sources: readonly string[];
  readonly model: string;
  readonly arch: string;
  readonly program: { readonly instructions: number; readonly rows: number; readonly context: number; readonly vocab: number; readonly hidden: number; readonly image: string };
  readonly host: { readonly tokenBits: number; readonly maxRows: number; readonly startCycles: number; readonly logitsBase: number; readonly lanes: number; readonly lineBits: number };
  /**
   * The KV cache's layout (the attention unit's, src/codegen/attn.ts planKv): `banks` banks; K of
   * position j, word c of a layer at line layer * kDepth + (j / banks) * rowWords + c of bank
   * j mod banks; V word c at line layer * vDepth + j * (rowWords / banks) + c / banks of bank
   * c mod banks; elements of elementBits.
   */
  readonly kv: { readonly banks: number; readonly rowWords: number; readonly kDepth: number; readonly vDepth: number; readonly kAddrBits: number; readonly vAddrBits: number; readonly elementBits: number };
  /**
   * Weights streamed from DRAM: the image behind the top's w_ar/w_r port (`words` words of
   * `wordBits`, one per line of the hex file), the port's widths, and its timing contract at the
   * target clock (src/ir/arch.ts dramTiming), which the harness's memory implements.
   */
  readonly dram?: { readonly image: string | null; readonly words: number; readonly wordBits: number; readonly addrBits: number; readonly lenBits: number; readonly latency: number; readonly interval: number; readonly clockMHz: number };
  /** With weights in DRAM, the embedding and head tables too: the image behind the head unit's t_ar/t_r port (lines of `lineBits`) and its timing. */
  readonly tablesDram?: { readonly image: string | null; readonly lines: number; readonly lineBits: number; readonly addrBits: number; readonly latency: number; readonly interval: number; readonly clockMHz: number };
  /** The simulation build's action counters, in the order of the top's `act` bus (48 bits each, counter 0 lowest); null when built for synthesis. */
  readonly actions: readonly WholeAction[] | null;
}

export interface WholeDesign {
  readonly program: Program;
  readonly configHash: string;
  readonly files: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
  readonly top: string;
  readonly manifest: WholeManifest;
}

const bitsFor = (max: number): number => Math.max(1, Math.ceil(Math.log2(max + 1)));

/** The counters of each unit (port names of the units' templates) and the simulator's actions they count. */
function actionTable(ropeOn: boolean, engine: EnginePlan): WholeAction[] {
  const base3 = engine.packing === 'base3';
  const streamed = engine.arch.weightMemory === 'dram';
  return [
    ...engineActionsOf(engine).map((a) => ({ unit: 'eng', counter: a.counter, keys: a.component === 'b3dec' && !base3 ? [] : [`${a.component}.${a.action}`] })),
    { unit: 'vec', counter: 'act_mul', keys: ['vector.fp32_mul'] },
    { unit: 'vec', counter: 'act_add', keys: ['vector.fp32_add'] },
    { unit: 'vec', counter: 'act_div', keys: ['vector.fp32_div'] },
    ...(ropeOn ? [{ unit: 'vec', counter: 'act_table', keys: ['rope_table.read'] }] : [{ unit: 'vec', counter: 'act_table', keys: [] }]),
    { unit: 'sfu', counter: 'act_div', keys: ['sfu.fp32_div'] },
    { unit: 'sfu', counter: 'act_sqrt', keys: ['sfu.fp32_sqrt'] },
    { unit: 'sfu', counter: 'act_add', keys: ['sfu.fp32_add'] },
    ...(streamed
      ? [
          { unit: 'head', counter: 'act_dram', keys: ['dram.read_embedding', 'dram.read_head'] },
          { unit: 'head', counter: 'act_tfifo_write', keys: ['tfifo.write'] },
          { unit: 'head', counter: 'act_tfifo_read', keys: ['tfifo.read'] },
        ]
      : [{ unit: 'head', counter: 'act_table', keys: ['embedding.read', 'head.table_read'] }]),
    { unit: 'head', counter: 'act_mac', keys: ['head.fp32_mac'] },
    { unit: 'head', counter: 'act_cmp', keys: ['head.compare'] },
    { unit: 'kv', counter: 'act_write', keys: ['kv_cache.write'] },
    { unit: 'att', counter: 'act_mac', keys: ['attention.fp32_mac'] },
    { unit: 'att', counter: 'act_mul', keys: ['attention.fp32_mul'] },
    { unit: 'att', counter: 'act_add', keys: ['attention.fp32_add'] },
    { unit: 'att', counter: 'act_exp', keys: ['attention.fp32_exp'] },
    { unit: 'att', counter: 'act_div', keys: ['attention.fp32_div'] },
    { unit: 'att', counter: 'act_cmp', keys: ['attention.compare'] },
    { unit: 'att', counter: 'act_kv', keys: ['kv_cache.read'] },
  ];
}

/** The parameter ROM's bank images: word w of the parameter memory in bank w mod lanes, line w / lanes. */
function paramImages(model: Model, p: Program, lanes: number, lines: number): string[] {
  const par = paramMemory(model, p);
  return Array.from({ length: lanes }, (_, b) => {
    const out: string[] = [];
    for (let l = 0; l < lines; l++) {
      const w = l * lanes + b;
      out.push((w < par.length ? f32Bits(par[w]!) : 0).toString(16).padStart(8, '0'));
    }
    return out.join('\n') + '\n';
  });
}

/**
 * `images: false` (weights in DRAM only): leave out the memories' images (the weight image and the
 * tables'), which need the weights and tables themselves; the RTL needs only their scales, shapes
 * and formats, so a model too large to hold in memory can still be generated and linted.
 */
export function generateWhole(model: Model, arch: ArchSpec, opts: { readonly actions?: boolean; readonly images?: boolean } = {}): WholeDesign {
  const actions = opts.actions ?? false;
  const images = opts.images ?? true;
  const p = compileProgram(model.ir, arch);
  const where = `arch ${arch.name} for ${model.ir.name}`;
  const sys = systemOf(arch);
  if (arch.weightMemory === 'load-port') fail('CG052', `${where}: weightMemory`, 'the whole-model top holds the BitLinear weights in ROM or streams them from DRAM; a load-port engine has no loader in it', 'use weightMemory "rom" or "dram"', 'rom or dram');
  if (!images && arch.weightMemory !== 'dram') fail('CG055', `${where}: weightMemory`, 'only a design with its weights and tables in DRAM can be generated without their images: on chip they are part of the RTL', 'use weightMemory "dram", or generate with the images', 'dram');
  const engine = generateRtl(model, arch, undefined, { actions, images });
  const weightBits = engine.plan.wDepth * engine.plan.wordBits;
  if (arch.weightMemory === 'rom' && weightBits > sys.onChipWeightBits) fail('CG052', `${where}: system.onChipWeightBits`, `the weights take ${weightBits} bits, more than the chip's ${sys.onChipWeightBits}`, 'stream them from DRAM (weightMemory "dram"), use a smaller model or raise onChipWeightBits', `>= ${weightBits}`);
  const kvBits = p.kvWords * (p.kvFormat === 'fp32' ? 32 : 16);
  if (kvBits > sys.onChipKvBits) fail('CG053', `${where}: system.onChipKvBits`, `the KV cache takes ${kvBits} bits, more than the chip's ${sys.onChipKvBits}`, 'shorten machine.context or raise onChipKvBits', `>= ${kvBits}`);
  p.instructions.forEach((i, pc) => {
    if (i.op === 'lin' && i.chain && p.instructions[pc - 1]?.op !== 'lin') throw new Error(`generateWhole: chained lin ${pc} does not follow a lin`);
  });
  const fp = generateFpUnits(arch);
  const vec = generateVector(p, arch, fp, { actions });
  const sfu = generateSfu(p, arch, fp, { actions });
  const head = generateHead(p, arch, images ? modelHeadTables(model.ir, model.tensors) : headTableShape(model.ir), fp, { actions });
  const kv = generateAttention(p, arch, fp, { actions });
  const seq = generateSequencer(p);
  const vp = vec.plan;
  const V = vp.lanes;
  const LB = vp.laneBits;
  const SL = vp.spadAddrBits - LB;
  const PL = vp.paramAddrBits - LB;

  const files = new Map<string, string>();
  const put = (name: string, text: string): void => {
    const had = files.get(name);
    if (had !== undefined && had !== text) throw new Error(`generateWhole: two generators wrote different ${name}`);
    files.set(name, text);
  };
  for (const d of [vec, sfu, head, kv, seq]) for (const [f, t] of d.files) if (f !== 'bnhw_pmem.v') put(f, t);
  for (const [f, t] of engine.files) if (f.endsWith('.v') || f.endsWith('.hex')) put(f, t);

  const configHash = createHash('sha256')
    .update(canonicalJson({ generator: WHOLE_GENERATOR_VERSION, actions, units: [vec.configHash, sfu.configHash, head.configHash, kv.configHash, seq.configHash, engine.manifest.configHash] }))
    .update(verilogTemplateSource('bnhw_top'))
    .update(verilogTemplateSource('bnhw_lin'))
    .update(verilogTemplateSource('bnhw_prom'))
    .digest('hex')
    .slice(0, 16);
  const header = `Generated by bitnet-hw ${WHOLE_GENERATOR_VERSION} (whole-model accelerator ${configHash}). Do not edit: regenerate with \`bitnet-hw gen --whole\`.`;

  // ---- the parameter ROM ----
  const promFile = (k: number): string => `bnhw_prom_${k}.hex`;
  paramImages(model, p, V, vp.paramLines).forEach((img, k) => put(promFile(k), img));
  put(
    'bnhw_prom.v',
    verilogTemplate('bnhw_prom')({
      header,
      r2: vp.readLatency === 2,
      lanes: V,
      lines: vp.paramLines,
      lastLine: vp.paramLines - 1,
      lineBits: PL,
      addrHi: V * PL - 1,
      dataHi: 32 * V - 1,
      banks: Array.from({ length: V }, (_, k) => ({ k, file: promFile(k), lo: k * PL, lo32: k * 32 })),
    }),
  );

  // ---- the engine adapter ----
  const LW = engine.plan.layerIdBits;
  const linCw = vp.spadAddrBits;
  let segMax = 1;
  let run = 0;
  for (const i of p.instructions) {
    if (i.op !== 'lin') continue;
    run = i.chain ? run + 1 : 1;
    segMax = Math.max(segMax, run);
  }
  const qi = Math.max(1, bitsFor(segMax - 1));
  const Q = 2 ** qi;
  const rowsW = vp.rowBits;
  const layers = engine.plan.layers.map((l, id) => ({ id, n: l.n, out: l.out }));
  if (layers.some((l) => l.n >= 2 ** linCw || l.out >= 2 ** linCw)) throw new Error('generateWhole: a BitLinear longer than the scratchpad');
  put(
    'bnhw_lin.v',
    verilogTemplate('bnhw_lin')({
      header,
      lead: engineAdapterLead(unitContracts(arch)),
      r2: vp.readLatency === 2,
      lanes: V,
      lanesHi: V - 1,
      laneBits: LB,
      laneHi: LB - 1,
      cw: linCw,
      cwHi: linCw - 1,
      cwLineHi: LB + SL - 1,
      lw: LW,
      lwHi: LW - 1,
      maxRows: p.rows,
      rowsW,
      rowsHi: rowsW - 1,
      rowsW1: rowsW + 1,
      sAddrHi: V * SL - 1,
      dataHi: 32 * V - 1,
      layers,
      qLast: Q - 1,
      qb: qi + 1,
      qbHi: qi,
      qi,
      qiHi: qi - 1,
    }),
  );

  // ---- the top ----
  const hp = head.plan;
  const kp = kv.plan;
  const TB = hp.tokenBits;
  const logits = p.buffers.find((b) => b.name === 'logits');
  if (!logits) throw new Error('generateWhole: the program has no logits buffer');
  const saW = vp.spadAddrBits;
  const obW = Math.max(saW, bitsFor(p.vocab));
  const used = {
    f0: Math.max(vp.countBits, sfu.countBits, hp.countBits, kp.countBits, linCw),
    f1: Math.max(vp.countBits, sfu.countBits, hp.countBits, kp.countBits, linCw),
    f2: Math.max(vp.countBits, bitsFor(kp.layers - 1), LW),
    n: Math.max(vp.countBits, sfu.countBits, hp.countBits),
  };
  const acts = actions ? actionTable(vp.rope, engine.plan) : [];
  const dram = engine.manifest.dram;
  const actWire = (a: WholeAction): string => `${a.unit}_${a.counter}`;
  const unitActs = (unit: string): { port: string; wire: string }[] => acts.filter((a) => a.unit === unit).map((a) => ({ port: a.counter, wire: actWire(a) }));
  const spadUsers = ['eng', 'vec', 'sfu', 'att', 'head', 'kv'];
  const top = verilogTemplate('bnhw_top')({
    header,
    r2: vp.readLatency === 2,
    model: p.model,
    arch: p.arch,
    instructions: p.instructions.length,
    maxRows: p.rows,
    maxRowsM1: p.rows - 1,
    tokLast: 2 ** rowsW - 1,
    vocab: p.vocab,
    vocabM1: p.vocab - 1,
    context: p.context,
    startCycles: SEQ_START_CYCLES,
    startCyclesM1: SEQ_START_CYCLES - 1,
    tbHi: TB - 1,
    lanes: V,
    lanesHi: V - 1,
    laneBits: LB,
    laneHi: LB - 1,
    sAddrW: V * SL,
    sAddrHi: V * SL - 1,
    dataW: 32 * V,
    dataHi: 32 * V - 1,
    pAddrHi: V * PL - 1,
    rowsW,
    rowsHi: rowsW - 1,
    rowsPad: 33 - rowsW,
    posPad: 32 - rowsW,
    units: COUNTED_UNITS,
    usedF0: used.f0,
    usedF1: used.f1,
    usedF2: used.f2,
    usedN: used.n,
    spadUsers,
    spadOwners: [
      { code: 'O_ENG', name: 'eng' },
      { code: 'O_VEC', name: 'vec' },
      { code: 'O_SFU', name: 'sfu' },
      { code: 'O_ATT', name: 'att' },
      { code: 'O_HEAD', name: 'head' },
      { code: 'O_KV', name: 'kv' },
    ],
    lwHi: LW - 1,
    linCwHi: linCw - 1,
    rope: vp.rope,
    vcwHi: vp.countBits - 1,
    scwHi: sfu.countBits - 1,
    hcwHi: hp.countBits - 1,
    kcwHi: kp.countBits - 1,
    klHi: bitsFor(kp.layers - 1) - 1,
    kaHi: kp.kAddrBits - 1,
    vaHi: kp.vAddrBits - 1,
    kvBanksHi: kp.banks - 1,
    kvDataHi: kp.banks * kp.elementBits - 1,
    engActs: unitActs('eng'),
    vecActs: unitActs('vec'),
    sfuActs: unitActs('sfu'),
    headActs: unitActs('head'),
    kvActs: unitActs('kv'),
    attActs: unitActs('att'),
    logitsBase: logits.base,
    vbW: obW,
    vbHi: obW - 1,
    oLineHi: saW - 1,
    actions,
    dram: dram !== undefined,
    wawHi: engine.view.widths['waw']! - 1,
    lenHi: engine.view.widths['lenW']! - 1,
    wordBits: engine.plan.wordBits,
    wordHi: engine.plan.wordBits - 1,
    tlaHi: (head.plan.stream?.portBits ?? 1) - 1,
    tLineBits: head.plan.stream?.lineBits ?? 1,
    tLineHi: (head.plan.stream?.lineBits ?? 1) - 1,
    actHi: 48 * Math.max(1, acts.length) - 1,
    actWires: acts.map(actWire),
    actConcat: [...acts].reverse().map(actWire).join(', '),
  });
  put(`${WHOLE_TOP}.v`, top);

  const sources = [...files.keys()].filter((f) => f.endsWith('.v')).sort();
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  const manifest: WholeManifest = {
    kind: 'bitnet-hw-whole',
    version: WHOLE_MANIFEST_VERSION,
    generator: `bitnet-hw ${WHOLE_GENERATOR_VERSION}`,
    configHash,
    top: WHOLE_TOP,
    sources,
    model: p.model,
    arch: p.arch,
    program: { instructions: p.instructions.length, rows: p.rows, context: p.context, vocab: p.vocab, hidden: p.hidden, image: 'bnhw_program.hex' },
    host: { tokenBits: TB, maxRows: p.rows, startCycles: SEQ_START_CYCLES, logitsBase: logits.base, lanes: V, lineBits: SL },
    kv: { banks: kp.banks, rowWords: kp.rowWords, kDepth: kp.kDepth, vDepth: kp.vDepth, kAddrBits: kp.kAddrBits, vAddrBits: kp.vAddrBits, elementBits: kp.elementBits },
    actions: actions ? acts : null,
    ...(dram
      ? {
          dram: {
            image: images ? 'bnhw_weights.hex' : null,
            words: engine.plan.wDepth,
            wordBits: engine.plan.wordBits,
            addrBits: engine.view.widths['waw']!,
            lenBits: engine.view.widths['lenW']!,
            latency: dram.latency,
            interval: dram.interval,
            clockMHz: dram.clockMHz,
          },
        }
      : {}),
    ...(head.plan.stream
      ? {
          tablesDram: {
            image: images ? TABLES_DRAM_FILE : null,
            lines: head.plan.stream.imageLines,
            lineBits: head.plan.stream.lineBits,
            addrBits: head.plan.stream.portBits,
            ...dramTiming(sys, arch.clockMHz, head.plan.stream.lineBits),
            clockMHz: arch.clockMHz,
          },
        }
      : {}),
  };
  return { program: p, configHash, files: sorted, sources, top: WHOLE_TOP, manifest };
}
