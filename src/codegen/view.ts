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

export interface EngineView {
  readonly header: string;
  readonly top: string;
  readonly modelName: string;
  readonly archName: string;
  readonly kind: string;
  readonly ternary: boolean;
  readonly weightMemory: string;
  readonly loadPort: boolean;
  readonly weightsFile: string;
  readonly layerCount: number;
  readonly P: number;
  readonly P1: number;
  readonly S: number;
  readonly sm1: number;
  readonly widths: Record<string, number>;
  readonly layers: readonly {
    index: number;
    n: number;
    chunks: number;
    tiles: number;
    out: number;
    wBase: number;
    weightGroups: number;
    rowsPerGroup: number;
    qscale: number;
    halfAway: number;
    divide: number;
    epsHex: string;
  }[];
  readonly scales: readonly { key: string; bits: string }[];
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
    lines.push(`wire [7:0] a${s} = in_act[${s * 8 + 7}:${s * 8}];`);
    if (ternary) {
      lines.push(`wire ng${s} = ~(w[${2 * s}] | w[${2 * s + 1}]);`);
      lines.push(`wire [7:0] n0_${s} = (a${s} & {8{~w[${2 * s}]}}) ^ {8{ng${s}}};`);
    } else {
      lines.push(`wire ng${s} = ~w[${s}];`);
      lines.push(`wire [7:0] n0_${s} = a${s} ^ {8{ng${s}}};`);
    }
  }
  const cw = plan.corrWidth;
  lines.push(`wire [${cw - 1}:0] corr0 = ${Array.from({ length: S }, (_, s) => zext(`ng${s}`, 1, cw)).join(' + ')};`);
  let prevNames = Array.from({ length: S }, (_, s) => `n0_${s}`);
  let prevWidths = plan.tree[0]!.nodes.map((n) => n.width);
  let corrName = 'corr0';
  const ctrlStages: number[] = [];
  for (const lvl of plan.tree.slice(1)) {
    const names: string[] = [];
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
    if (lvl.registered) {
      lines.push(`reg [${cw - 1}:0] corr${lvl.level};`);
      lines.push(`always @(posedge clk) corr${lvl.level} <= ${corrName};`);
      corrName = `corr${lvl.level}`;
      ctrlStages.push(ctrlStages.length + 1);
    }
    prevNames = names;
    prevWidths = lvl.nodes.map((n) => n.width);
  }
  const rootW = prevWidths[0]!;
  const sumW = plan.treeOutWidth;
  lines.push(`wire [${sumW - 1}:0] tsum = ${sext(prevNames[0]!, rootW, sumW)} + ${zext(corrName, cw, sumW)};`);
  lines.push(`wire [${accW - 1}:0] sum_ext = ${sext('tsum', sumW, accW)};`);
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
    treeRegs: R,
  };
}

export function buildView(plan: EnginePlan, opts: { modelName: string; configHash: string; version: string }): EngineView {
  const { P, S } = plan;
  const accW = Math.max(plan.accBits, plan.treeOutWidth);
  const maxOf = (f: (l: EnginePlan['layers'][number]) => number): number => Math.max(...plan.layers.map(f));
  const cw = bitsFor(plan.chunksMax * S);
  const chw = bitsFor(plan.chunksMax);
  const tw = bitsFor(maxOf((l) => l.tiles));
  const ow = bitsFor(maxOf((l) => l.out));
  const gw = bitsFor(maxOf((l) => l.weightGroups));
  const lw = plan.layerIdBits;
  const waw = bitsFor(Math.max(plan.wDepth - 1, 1));
  const xaw = bitsFor(Math.max(plan.chunksMax * S - 1, 1));
  const sw = bitsFor(Math.max(S - 1, 1));
  const pw = bitsFor(P);
  const widths: Record<string, number> = {
    cw, chw, tw, ow, gw, lw, waw, xaw, sw, pw,
    accW,
    qww: S * 8,
    wordW: plan.wordBits,
    accBusW: P * accW,
    actW: S * 8,
    wW: plan.wordBits,
    laneWW: S * plan.codeBits,
    prodW: accW + 24,
  };
  // Derived "-1" forms for templates (no arithmetic in templates).
  for (const [k, v] of Object.entries({ ...widths })) widths[`${k}1`] = v - 1;
  widths['xdepth1'] = 2 ** xaw - 1;
  widths['qdepth1'] = 2 ** chw - 1;
  widths['wdepth1'] = 2 ** waw - 1;
  widths['gdepth1'] = 2 ** gw - 1;
  widths['rdepth1'] = 2 ** pw - 1;
  widths['prodW24'] = accW + 24 - 24;
  widths['prodW25'] = accW + 24 - 25;
  widths['prodW26'] = accW + 24 - 26;
  const scales: { key: string; bits: string }[] = [];
  for (const l of plan.layers) {
    l.scaleBits.forEach((b, g) => scales.push({ key: `${lw + gw}'d${l.index * 2 ** gw + g}`, bits: hex8(b) }));
  }
  return {
    header: `Generated by bitnet-hw ${opts.version} (config ${opts.configHash}). Do not edit: regenerate with \`bitnet-hw gen\`.`,
    top: 'bnhw_engine',
    modelName: legalizeIdentifier(opts.modelName),
    archName: legalizeComment(plan.arch.name),
    kind: plan.codeBits === 2 ? 'ternary' : 'binary',
    ternary: plan.codeBits === 2,
    weightMemory: plan.arch.weightMemory,
    loadPort: plan.arch.weightMemory === 'load-port',
    weightsFile: 'bnhw_weights.hex',
    layerCount: plan.layers.length,
    P,
    P1: P - 1,
    S,
    sm1: S - 1,
    widths,
    layers: plan.layers.map((l) => ({
      index: l.index,
      n: l.n,
      chunks: l.chunks,
      tiles: l.tiles,
      out: l.out,
      wBase: l.wBase,
      weightGroups: l.weightGroups,
      rowsPerGroup: l.rowsPerGroup,
      qscale: l.qscale,
      halfAway: l.halfAway ? 1 : 0,
      divide: l.convention === 'divide' ? 1 : 0,
      epsHex: hex8(l.epsBits),
    })),
    scales,
    mac: macLines(plan, accW),
  };
}
