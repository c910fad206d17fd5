/**
 * Decide, then print: the typed view model of the generated RTL. Every width, name, constant,
 * tree node and table row is computed here from the engine plan; the Handlebars templates in
 * templates/verilog only substitute and loop.
 *
 * Needs: an EnginePlan. Guarantees: identifiers are legal Verilog, every width is the derived
 * minimum (see engine-plan.ts), and the view is a pure function of the plan (reproducible output).
 */
import type { EnginePlan } from '../ir/engine-plan.js';
import { bitsFor } from '../ir/engine-plan.js';
import { f32Bits } from '../util/float.js';
import { memoryContext, memoryLayout } from './memory.js';

export interface TableRow {
  readonly key: string;
  readonly value: string;
}

/** A layer-table function: key (layer id, or {layer id, group}) -> a constant. */
export interface TableView {
  readonly name: string;
  readonly width: number;
  readonly width1: number;
  readonly keyW1: number;
  readonly rows: readonly TableRow[];
  readonly dflt: string;
}

export interface DelayStage {
  readonly v: string;
  readonly f: string;
  readonly l: string;
  readonly vIn: string;
  readonly fIn: string;
  readonly lIn: string;
}

export interface EngineView {
  readonly header: string;
  readonly top: string;
  readonly modelName: string;
  readonly archName: string;
  readonly kind: string;
  readonly ternary: boolean;
  readonly packing: string;
  readonly base3: boolean;
  readonly weightMemory: string;
  readonly loadPort: boolean;
  /** Weights streamed from DRAM through a read port into a weight FIFO. */
  readonly dram: boolean;
  readonly weightsFile: string;
  readonly layerCount: number;
  readonly P: number;
  readonly P1: number;
  readonly S: number;
  readonly S1: number;
  readonly S2: number;
  readonly sm1: number;
  readonly widths: Record<string, number>;
  readonly tables: readonly TableView[];
  readonly ctrlDelay: readonly DelayStage[];
  readonly tagDelay: readonly { tag: string; tagIn: string }[];
  readonly macV: string;
  readonly macF: string;
  readonly macL: string;
  readonly macAct: string;
  readonly macW: string;
  readonly tagOut: string;
  readonly qiDelay: readonly { v: string; pad: string; s: string; ha: string; tag: string; vIn: string; padIn: string; sIn: string; haIn: string; tagIn: string }[];
  readonly qiLast: { v: string; pad: string; s: string; ha: string; tag: string };
  readonly alignLines: readonly string[];
  readonly xLat: number;
  readonly qLat: number;
  readonly wLat: number;
  readonly memories: readonly Record<string, unknown>[];
  /** ROM init files per weight bank (name -> first word index, words). */
  readonly weightBanks: readonly { file: string; first: number; words: number }[];
  /** Read stages between an issue and the MAC array's input (2, or 3 with the base-3 decoder). */
  readonly readStages: number;
  readonly mac: {
    readonly laneLines: readonly string[];
    readonly ctrlStages: readonly number[];
    readonly ctrlShifts: readonly string[];
    readonly finalV: string;
    readonly finalF: string;
    readonly finalL: string;
    readonly leafW: number;
    readonly rootW: number;
    readonly sumW: number;
    readonly treeRegs: number;
  };
  /** Contexts of the sub-module templates. */
  readonly qelem: Record<string, unknown>;
  readonly dq: Record<string, unknown>;
  readonly b3dec: Record<string, unknown> | null;
}

/** A legal Verilog identifier: letters, digits, _ ; never starting with a digit; no keywords. */
export function legalizeIdentifier(s: string): string {
  let id = s.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(id)) id = `_${id}`;
  const reserved = new Set(['module', 'input', 'output', 'wire', 'reg', 'begin', 'end', 'always', 'assign', 'case', 'default', 'function', 'integer', 'parameter', 'localparam', 'initial', 'for', 'if', 'else', 'generate', 'genvar']);
  return reserved.has(id) ? `${id}_` : id;
}

/** Text safe inside a one-line Verilog comment: printable ASCII only, no comment terminators. */
export function legalizeComment(s: string, max = 80): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?').replace(/\*\//g, '*?').replace(/\/\*/g, '?*');
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

/** Sign-extend `name` (width `from`) to `to` bits as a Verilog expression. */
export function sext(name: string, from: number, to: number): string {
  if (to < from) throw new Error(`sext: ${name} ${from} -> ${to}`);
  return to === from ? name : `{{${to - from}{${name}[${from - 1}]}}, ${name}}`;
}

function zext(name: string, from: number, to: number): string {
  return to === from ? name : `{${to - from}'d0, ${name}}`;
}

const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

function macLines(plan: EnginePlan, accW: number): EngineView['mac'] {
  const { S } = plan;
  const ternary = plan.codeBits === 2;
  const lines: string[] = [];
  for (let s = 0; s < S; s++) {
    lines.push(`wire [7:0] a${s} = a_in[${s * 8 + 7}:${s * 8}];`);
    if (ternary) {
      lines.push(`wire ng${s} = ~(w[${2 * s}] | w[${2 * s + 1}]);`);
      lines.push(`wire [7:0] n0_${s} = (a${s} & {8{~w[${2 * s}]}}) ^ {8{ng${s}}};`);
    } else {
      lines.push(`wire ng${s} = ~w[${s}];`);
      lines.push(`wire [7:0] n0_${s} = a${s} ^ {8{ng${s}}};`);
    }
  }
  // The negative-weight count is a tree of its own, pipelined with the adder tree, so no stage
  // holds an S-input popcount.
  const cwOf = (leaves: number): number => bitsFor(leaves);
  let prevNames = Array.from({ length: S }, (_, s) => `n0_${s}`);
  let prevWidths = plan.tree[0]!.nodes.map((n) => n.width);
  let prevCounts = Array.from({ length: S }, (_, s) => `ng${s}`);
  let prevCountW = Array.from({ length: S }, () => 1);
  // The lane's input register (a_in, w in the template) is the first control stage.
  const ctrlStages: number[] = [1];
  for (const lvl of plan.tree.slice(1)) {
    const names: string[] = [];
    const counts: string[] = [];
    lvl.nodes.forEach((node, i) => {
      const a = 2 * i;
      const b = 2 * i + 1;
      const cw = cwOf(node.leaves);
      const cexpr = b < prevCounts.length ? `${zext(prevCounts[a]!, prevCountW[a]!, cw)} + ${zext(prevCounts[b]!, prevCountW[b]!, cw)}` : zext(prevCounts[a]!, prevCountW[a]!, cw);
      lines.push(`wire [${cw - 1}:0] c${lvl.level}_${i} = ${cexpr};`);
      if (lvl.registered) {
        lines.push(`reg [${cw - 1}:0] q${lvl.level}_${i};`);
        lines.push(`always @(posedge clk) q${lvl.level}_${i} <= c${lvl.level}_${i};`);
        counts.push(`q${lvl.level}_${i}`);
      } else counts.push(`c${lvl.level}_${i}`);
    });
    lvl.nodes.forEach((node, i) => {
      const a = 2 * i;
      const b = 2 * i + 1;
      const W = node.width;
      const expr = b < prevNames.length ? `${sext(prevNames[a]!, prevWidths[a]!, W)} + ${sext(prevNames[b]!, prevWidths[b]!, W)}` : sext(prevNames[a]!, prevWidths[a]!, W);
      lines.push(`wire [${W - 1}:0] n${lvl.level}_${i} = ${expr};`);
      if (lvl.registered) {
        lines.push(`reg [${W - 1}:0] r${lvl.level}_${i};`);
        lines.push(`always @(posedge clk) r${lvl.level}_${i} <= n${lvl.level}_${i};`);
        names.push(`r${lvl.level}_${i}`);
      } else names.push(`n${lvl.level}_${i}`);
    });
    if (lvl.registered) ctrlStages.push(ctrlStages.length + 1);
    prevNames = names;
    prevWidths = lvl.nodes.map((n) => n.width);
    prevCounts = counts;
    prevCountW = lvl.nodes.map((n) => cwOf(n.leaves));
  }
  const corrName = prevCounts[0]!;
  const corrW = prevCountW[0]!;
  const rootW = prevWidths[0]!;
  const sumW = plan.treeOutWidth;
  lines.push(`wire [${sumW - 1}:0] tsum = ${sext(prevNames[0]!, rootW, sumW)} + ${zext(corrName, corrW, sumW)};`);
  lines.push(`wire [${accW - 1}:0] sum_ext = ${sext('tsum', sumW, accW)};`);
  // The root register (sum_q, in the template) is one more control stage.
  ctrlStages.push(ctrlStages.length + 1);
  const ctrlShifts = ctrlStages.map((i) =>
    i === 1 ? 'v1 <= in_valid; f1 <= in_first; l1 <= in_last;' : `v${i} <= v${i - 1}; f${i} <= f${i - 1}; l${i} <= l${i - 1};`,
  );
  const R = ctrlStages.length;
  return {
    laneLines: lines,
    ctrlStages,
    ctrlShifts,
    finalV: R ? `v${R}` : 'in_valid',
    finalF: R ? `f${R}` : 'in_first',
    finalL: R ? `l${R}` : 'in_last',
    leafW: 8,
    rootW,
    sumW,
    treeRegs: plan.treeRegisters,
  };
}

/** Registers between the MAC array's input and its accumulator: the lane input, the tree's, the root's. */
export function macRegisters(plan: EnginePlan): number {
  return plan.treeRegisters + 2;
}

/** Pipeline depths of the sub-modules (the templates' fixed stage counts), shared with src/sim. */
export const QELEM_STAGES = 8;
export const DQ_STAGES = 10;
/** Output FIFO entries: the dequantizer's depth plus two, so a full-speed drain never waits. */
export const FIFO_DEPTH = DQ_STAGES + 2;
/**
 * Weight FIFO entries with weights streamed from DRAM: room for the words the DRAM port delivers
 * while a tile start waits for a result slot, so a port that keeps up is never held off for long.
 */
export const WFIFO_DEPTH = 16;
export const XSLOTS = 3;
export const QSLOTS = 2;
export const CSLOTS = 4;
export const RSLOTS = 2;

/** Every latency the engine's control depends on, shared by the RTL view and the simulator. */
export interface EngineTiming {
  /** Read latency of the activation buffer, the code buffer and the weight memory. */
  readonly xLat: number;
  readonly qLat: number;
  readonly wLat: number;
  /** Cycles from an issue to the MAC array's input (weights and codes aligned). */
  readonly readStages: number;
  readonly macRegs: number;
  readonly qelemStages: number;
  readonly dqStages: number;
  readonly fifoDepth: number;
}

export function memoryDepths(plan: EnginePlan): { xDepth: number; qDepth: number; wDepth: number; iw: number; kw: number } {
  const iw = bitsFor(Math.max(plan.chunksMax * plan.S - 1, 1));
  const kw = bitsFor(Math.max(plan.chunksMax - 1, 1));
  return { xDepth: XSLOTS * 2 ** iw, qDepth: QSLOTS * 2 ** kw, wDepth: plan.wDepth, iw, kw };
}

export function engineTiming(plan: EnginePlan): EngineTiming {
  const d = memoryDepths(plan);
  const xLat = memoryLayout(d.xDepth, 32).latency;
  const qLat = memoryLayout(d.qDepth, 8 * plan.S).latency;
  // Streamed weights are read from the weight FIFO, stored weights from the weight memory.
  const wLat = memoryLayout(plan.arch.weightMemory === 'dram' ? WFIFO_DEPTH : d.wDepth, plan.wordBits).latency;
  const b3 = plan.packing === 'base3' ? 1 : 0;
  return { xLat, qLat, wLat, readStages: Math.max(qLat, wLat + b3), macRegs: macRegisters(plan), qelemStages: QELEM_STAGES, dqStages: DQ_STAGES, fifoDepth: FIFO_DEPTH };
}

const maxOf = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);

function table(name: string, width: number, keyW: number, rows: { key: number; value: number }[], dflt = 0): TableView {
  const enc = (v: number): string => `d${v < 0 ? 2 ** width + v : v}`;
  return { name, width, width1: width - 1, keyW1: keyW - 1, rows: rows.map((r) => ({ key: `${keyW}'d${r.key}`, value: enc(r.value) })), dflt: enc(dflt) };
}

/** The base-3 decoder's context: a decode table for 5 trits and one for the last byte's remainder. */
function b3decView(plan: EnginePlan, header: string): Record<string, unknown> {
  const weights = plan.P * plan.S;
  const fn = (k: number): { name: string; outBits: number; outBits1: number; table: { value: number; bits: string }[]; defaultBits: string } => {
    const tableRows: { value: number; bits: string }[] = [];
    for (let v = 0; v < 3 ** k; v++) {
      let bits = '';
      let x = v;
      const trits: number[] = [];
      for (let j = 0; j < k; j++) {
        trits.push(x % 3);
        x = Math.floor(x / 3);
      }
      for (let j = k - 1; j >= 0; j--) bits += trits[j]!.toString(2).padStart(2, '0');
      tableRows.push({ value: v, bits });
    }
    return { name: `dec${k}`, outBits: 2 * k, outBits1: 2 * k - 1, table: tableRows, defaultBits: '01'.repeat(k) };
  };
  const full = Math.floor(weights / 5);
  const rest = weights % 5;
  const functions = [fn(5), ...(rest ? [fn(rest)] : [])];
  const bytes: { hi: number; lo: number; fn: string; inHi: number; inLo: number }[] = [];
  for (let j = 0; j < full + (rest ? 1 : 0); j++) {
    const k = j < full ? 5 : rest;
    bytes.push({ lo: 10 * j, hi: 10 * j + 2 * k - 1, fn: `dec${k}`, inLo: 8 * j, inHi: 8 * j + 7 });
  }
  return { header, inW1: plan.wordBits - 1, outW1: 2 * weights - 1, functions, bytes };
}

export function buildView(plan: EnginePlan, opts: { modelName: string; configHash: string; version: string }): EngineView {
  const { P, S } = plan;
  const accW = Math.max(plan.accBits, plan.treeOutWidth);
  const layers = plan.layers;
  const lw = plan.layerIdBits;
  const iw = bitsFor(Math.max(plan.chunksMax * S - 1, 1));
  const kw = bitsFor(Math.max(plan.chunksMax - 1, 1));
  const tiw = bitsFor(Math.max(maxOf(layers.map((l) => l.tiles)) - 1, 1));
  const ow = bitsFor(Math.max(maxOf(layers.map((l) => l.out)), P));
  const pjw = bitsFor(Math.max(P - 1, 1));
  const gw = bitsFor(Math.max(maxOf(layers.map((l) => l.weightGroups)) - 1, 1));
  const waw = bitsFor(Math.max(plan.wDepth - 1, 1));
  const sw = bitsFor(Math.max(S - 1, 1));
  const fpw = bitsFor(FIFO_DEPTH - 1);
  const ocw = bitsFor(FIFO_DEPTH);
  const macWW = P * S * plan.codeBits;
  const base3 = plan.packing === 'base3';
  const dram = plan.arch.weightMemory === 'dram';
  const lenW = bitsFor(maxOf(layers.map((l) => l.chunks * l.tiles)));
  const qtagW = 1 + S + kw + 1 + 2 + lw;
  const mtagW = 1 + pjw + 1 + 1 + 2 + lw;
  const widths: Record<string, number> = {
    lw, iw, kw, tiw, ow, pjw, gw, waw, sw, fpw, ocw, accW, lenW,
    wfaw: bitsFor(WFIFO_DEPTH - 1),
    wfcw: bitsFor(WFIFO_DEPTH),
    qww: S * 8,
    qpartW: (S - 1) * 8,
    wordW: plan.wordBits,
    macWW,
    accBusW: P * accW,
    actW: S * 8,
    wW: macWW,
    laneWW: S * plan.codeBits,
    qtagW,
    mtagW,
    rmetaW: mtagW - 1,
  };
  // Derived "-1" forms for templates (no arithmetic in templates).
  for (const [k, v] of Object.entries({ ...widths })) widths[`${k}1`] = v - 1;
  widths['cdepth1'] = CSLOTS * 2 ** gw - 1;
  widths['fifoDepth'] = FIFO_DEPTH;
  widths['fifoDepth1'] = FIFO_DEPTH - 1;
  widths['wfifoDepth'] = WFIFO_DEPTH;
  const per = (f: (l: (typeof layers)[number]) => number) => layers.map((l) => ({ key: l.index, value: f(l) }));
  const perGroup = (f: (l: (typeof layers)[number], g: number) => number) =>
    layers.flatMap((l) => Array.from({ length: l.weightGroups }, (_, g) => ({ key: l.index * 2 ** gw + g, value: f(l, g) })));
  const tables: TableView[] = [
    table('lt_nm1', iw, lw, per((l) => l.n - 1)),
    table('lt_qlast', iw, lw, per((l) => l.chunks * S - 1)),
    table('lt_ha', 1, lw, per((l) => (l.halfAway ? 1 : 0))),
    table('lt_eps', 31, lw, per((l) => l.epsBits & 0x7fffffff)),
    table('lt_nbits', 31, lw, per((l) => f32Bits(l.qscale))),
    table('lt_gm1', gw, lw, per((l) => l.weightGroups - 1)),
    table('lt_cm1', kw, lw, per((l) => l.chunks - 1)),
    table('lt_tm1', tiw, lw, per((l) => l.tiles - 1)),
    table('lt_out', ow, lw, per((l) => l.out)),
    table('lt_wbase', waw, lw, per((l) => l.wBase)),
    ...(dram ? [table('lt_words', lenW, lw, per((l) => l.chunks * l.tiles))] : []),
    table('lt_rpgm1', ow, lw, per((l) => l.rowsPerGroup - 1)),
    table('lt_wm', 32, lw + gw, perGroup((l, g) => l.wm[g]!)),
    table('lt_we', 12, lw + gw, perGroup((l, g) => l.we[g]! + 127)),
  ];
  const timing = engineTiming(plan);
  const readStages = timing.readStages;
  const ctrlDelay: DelayStage[] = [];
  for (let i = 1; i <= readStages; i++) {
    ctrlDelay.push({
      v: `d${i}_v`, f: `d${i}_f`, l: `d${i}_l`,
      vIn: i === 1 ? 'is_go' : `d${i - 1}_v`,
      fIn: i === 1 ? 'is_go && is_tstart' : `d${i - 1}_f`,
      lIn: i === 1 ? 'is_go && is_klast' : `d${i - 1}_l`,
    });
  }
  const tagStages = readStages + timing.macRegs;
  const tagDelay = Array.from({ length: tagStages }, (_, i) => ({ tag: `t${i + 1}_tag`, tagIn: i === 0 ? 'is_tag' : `t${i}_tag` }));
  const header = `Generated by bitnet-hw ${opts.version} (config ${opts.configHash}). Do not edit: regenerate with \`bitnet-hw gen\`.`;
  const absW = accW - 1;
  // The element pipeline's input registers: as many as the activation buffer's read latency.
  const qiDelay = Array.from({ length: timing.xLat }, (_, i) => {
    const p = `qi${i + 1}`;
    const q = `qi${i}`;
    return i === 0
      ? { v: `${p}_v`, pad: `${p}_pad`, s: `${p}_s`, ha: `${p}_ha`, tag: `${p}_tag`, vIn: 'qz_busy', padIn: 'qz_i > qz_nm1', sIn: 'qz_s', haIn: 'qz_ha', tagIn: '{qz_last, qz_slot, qz_word, qz_qslot, qz_cslot, qz_layer}' }
      : { v: `${p}_v`, pad: `${p}_pad`, s: `${p}_s`, ha: `${p}_ha`, tag: `${p}_tag`, vIn: `${q}_v`, padIn: `${q}_pad`, sIn: `${q}_s`, haIn: `${q}_ha`, tagIn: `${q}_tag` };
  });
  const qiLast = qiDelay[qiDelay.length - 1]!;
  // Align the weights and the codes to readStages cycles after the issue.
  const alignLines: string[] = [];
  const chain = (src: string, width: number, n: number, prefix: string): string => {
    let cur = src;
    for (let i = 1; i <= n; i++) {
      alignLines.push(`reg  [${width - 1}:0] ${prefix}${i};`);
      alignLines.push(`always @(posedge clk) ${prefix}${i} <= ${cur};`);
      cur = `${prefix}${i}`;
    }
    return cur;
  };
  const macAct = chain('act_q', S * 8, readStages - timing.qLat, 'act_d');
  const macW = chain(base3 ? 'w_dec' : 'w_q', macWW, readStages - timing.wLat - (base3 ? 1 : 0), 'w_d');
  const d = memoryDepths(plan);
  const wl = memoryLayout(d.wDepth, plan.wordBits);
  const weightBanks = Array.from({ length: wl.banks }, (_, b) => ({
    file: wl.banks === 1 ? 'bnhw_weights.hex' : `bnhw_weights_b${String(b).padStart(3, '0')}.hex`,
    first: b * wl.bankDepth,
    words: wl.banks === 1 ? d.wDepth : wl.bankDepth,
  }));
  const loadPort = plan.arch.weightMemory === 'load-port';
  const memories = [
    memoryContext({ name: 'bnhw_xbuf', depth: d.xDepth, width: 32, writable: true }, header),
    memoryContext({ name: 'bnhw_qbuf', depth: d.qDepth, width: S * 8, writable: true }, header),
    dram
      ? memoryContext({ name: 'bnhw_wfifo', depth: WFIFO_DEPTH, width: plan.wordBits, writable: true }, header)
      : memoryContext({ name: 'bnhw_wmem', depth: d.wDepth, width: plan.wordBits, writable: loadPort, ...(loadPort ? {} : { initFiles: weightBanks.map((w) => w.file) }) }, header),
  ];
  return {
    header,
    top: 'bnhw_engine',
    modelName: legalizeIdentifier(opts.modelName),
    archName: legalizeComment(plan.arch.name),
    kind: plan.codeBits === 2 ? 'ternary' : 'binary',
    ternary: plan.codeBits === 2,
    packing: plan.packing,
    base3,
    weightMemory: plan.arch.weightMemory,
    loadPort: plan.arch.weightMemory === 'load-port',
    dram,
    weightsFile: 'bnhw_weights.hex',
    layerCount: layers.length,
    P,
    P1: P - 1,
    S,
    S1: S - 1,
    S2: S - 2,
    sm1: S - 1,
    widths,
    tables,
    ctrlDelay,
    tagDelay,
    macV: `d${readStages}_v`,
    macF: `d${readStages}_f`,
    macL: `d${readStages}_l`,
    macAct,
    macW,
    tagOut: `t${tagStages}_tag`,
    qiDelay,
    qiLast,
    alignLines,
    xLat: timing.xLat,
    qLat: timing.qLat,
    wLat: timing.wLat,
    memories,
    weightBanks,
    readStages,
    mac: macLines(plan, accW),
    qelem: { header, tagW1: qtagW - 1 },
    dq: {
      header,
      accW1: accW - 1,
      absW,
      absW1: absW - 1,
      magW1: 21,
      tagW1: 0,
      magPad: absW === 21 ? 'a_abs' : `{${21 - absW}'d0, a_abs}`,
    },
    b3dec: base3 ? b3decView(plan, header) : null,
  };
}
