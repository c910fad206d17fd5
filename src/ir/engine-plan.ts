/**
 * The engine plan: how a model's BitLinear layers map onto an architecture. One pure function
 * decides every size, address and constant; the RTL generator, the host driver and the simulator
 * all read this plan, so they cannot disagree.
 *
 * Needs: a validated model and an architecture. Guarantees: every layer the engine runs fits its
 * datapath (per-token int8 activations, no bias, weight scales in [2^-40, 2^40], eps >= 2^-40, at
 * least 2 inputs), so that the scale s, the constants C and every finite output are normal
 * binary32; widths are the proven minimum for the worst case (accumulatorBits of the longest
 * input); weight words are laid out tile-major: word `wBase + tile*chunks + chunk` holds lanes
 * 0..P-1 x inputs 0..S-1, as 2-bit codes (ternary), 1-bit codes (binary), or base-3 bytes of five
 * ternary weights each (`weightPacking: base3`, 1.6 bits per weight).
 */
import type { ArchSpec } from './arch.js';
import { validateArchForModel } from './arch.js';
import type { BitLinearIR, Model } from './types.js';
import { allBitLinears } from './types.js';
import { BitnetError, diag, type Diagnostic } from '../util/diagnostics.js';
import { f32Bits } from '../util/float.js';
import { accumulatorBits, scaleNumerator, weightFactor } from '../numerics/index.js';
import { getF32 } from '../ref/tensors.js';

export interface LayerPlan {
  readonly index: number;
  readonly name: string;
  readonly n: number;
  readonly out: number;
  readonly chunks: number;
  readonly tiles: number;
  readonly wBase: number;
  readonly weightGroups: number;
  readonly rowsPerGroup: number;
  /** IEEE binary32 bits of each weight group's scale. */
  readonly scaleBits: readonly number[];
  readonly convention: 'multiply' | 'divide';
  readonly qscale: 127 | 128;
  readonly halfAway: boolean;
  readonly epsBits: number;
  /** Per weight group: the weight factor W = wm * 2^we (numerics weightFactor). */
  readonly wm: readonly number[];
  readonly we: readonly number[];
}

/** Range the engine plan allows for weight scales and eps (keeps s, C and outputs normal). */
export const SCALE_MIN = 2 ** -40;
export const SCALE_MAX = 2 ** 40;

/** How weight codes are stored in the weight memory. */
export type WeightPacking = '2bit' | '1bit' | 'base3';

export interface TreeLevel {
  readonly level: number;
  /** Leaves summed by each node of this level (the last node may have fewer). */
  readonly nodes: readonly { leaves: number; width: number }[];
  /** A pipeline register follows this level. */
  readonly registered: boolean;
}

export interface EnginePlan {
  readonly arch: ArchSpec;
  readonly P: number;
  readonly S: number;
  /** Bits per weight code at the MAC array (after the base-3 decoder, if any). */
  readonly codeBits: 1 | 2;
  readonly packing: WeightPacking;
  readonly layers: readonly LayerPlan[];
  readonly nMax: number;
  readonly chunksMax: number;
  readonly wDepth: number;
  /** Bits of one weight memory word (P*S codes, or 8*ceil(P*S/5) for base-3). */
  readonly wordBits: number;
  readonly accBits: number;
  readonly layerIdBits: number;
  readonly tree: readonly TreeLevel[];
  /** Registers inside the tree (pipeline depth added by treePipeline). */
  readonly treeRegisters: number;
  readonly corrWidth: number;
  readonly treeOutWidth: number;
}

/** Minimal two's-complement width holding every integer in [lo, hi]. */
export function signedBits(lo: number, hi: number): number {
  let w = 1;
  while (-(2 ** (w - 1)) > lo || 2 ** (w - 1) - 1 < hi) w++;
  return w;
}

export function bitsFor(maxValue: number): number {
  let w = 1;
  while (2 ** w - 1 < maxValue) w++;
  return w;
}

function checkLayer(bl: BitLinearIR, model: Model, ds: Diagnostic[]): void {
  const p = `bitlinear ${bl.name}`;
  const aq = bl.actQuant;
  if (aq.granularity !== 'per-token') ds.push(diag('CG001', p, `${aq.granularity} activation quantization is not supported by the streaming engine`, 'use per-token activation quantization (the inference setting of every released BitNet)', 'per-token'));
  if (aq.bits !== 8) ds.push(diag('CG002', p, `${aq.bits}-bit activations`, 'the engine quantizer is int8', '8'));
  if (bl.bias) ds.push(diag('CG003', p, 'BitLinear has a bias', 'BitNet linears have no bias; fold it elsewhere'));
  const ws = getF32(model.tensors, bl.scale.tensor);
  ws.forEach((v, i) => {
    if (!(v >= SCALE_MIN && v <= SCALE_MAX)) ds.push(diag('CG004', `${p}.scale[${i}]`, `weight scale ${v} is outside [2^-40, 2^40]`, 'the engine keeps every constant a normal binary32; rescale the weights', '2^-40 <= scale <= 2^40'));
  });
  const eps = Math.fround(aq.epsilon);
  if (!(eps >= SCALE_MIN && eps <= SCALE_MAX)) ds.push(diag('CG005', `${p}.actQuant.epsilon`, `eps ${aq.epsilon} is outside [2^-40, 2^40]`, 'use eps = 1e-5 (the released checkpoints\' value)', '2^-40 <= eps <= 2^40'));
  if (bl.inFeatures < 2) ds.push(diag('CG006', p, `${bl.inFeatures} input(s)`, 'the engine streams at least 2 inputs per token', '>= 2'));
}

export function planEngine(model: Model, arch: ArchSpec, layerName?: string): EnginePlan {
  let bls = allBitLinears(model.ir);
  const ds: Diagnostic[] = [];
  if (layerName !== undefined) {
    bls = bls.filter((b) => b.name === layerName);
    if (bls.length === 0) {
      ds.push(diag('CG010', `--layer ${layerName}`, 'no BitLinear of that name', `use one of ${allBitLinears(model.ir).slice(0, 7).map((b) => b.name).join(', ')}, ...`));
      throw new BitnetError(ds);
    }
  }
  ds.push(...validateArchForModel(arch, bls.map((b) => b.weight.weightKind), `arch ${arch.name}`));
  for (const b of bls) checkLayer(b, model, ds);
  if (ds.length) throw new BitnetError(ds);
  const P = arch.lanes;
  const S = arch.simd;
  let wBase = 0;
  const layers: LayerPlan[] = bls.map((b, index) => {
    const chunks = Math.ceil(b.inFeatures / S);
    const tiles = Math.ceil(b.outFeatures / P);
    const ws = getF32(model.tensors, b.scale.tensor);
    const lp: LayerPlan = {
      index,
      name: b.name,
      n: b.inFeatures,
      out: b.outFeatures,
      chunks,
      tiles,
      wBase,
      weightGroups: b.scale.groups,
      rowsPerGroup: b.outFeatures / b.scale.groups,
      scaleBits: Array.from(ws, f32Bits),
      convention: b.scale.convention,
      qscale: scaleNumerator(8, b.actQuant.scaleNumerator) as 127 | 128,
      halfAway: b.actQuant.rounding === 'half-away',
      epsBits: f32Bits(Math.fround(b.actQuant.epsilon)),
      ...weightFactors(ws, b.scale.convention),
    };
    wBase += chunks * tiles;
    return lp;
  });
  return assemblePlan(layers, arch);
}

function weightFactors(ws: Float32Array, convention: 'multiply' | 'divide'): { wm: number[]; we: number[] } {
  const f = Array.from(ws, (v) => weightFactor(v, convention));
  return { wm: f.map((x) => x.m), we: f.map((x) => x.e) };
}

export function packingOf(arch: ArchSpec): WeightPacking {
  return arch.weightKind === 'binary' ? '1bit' : arch.weightPacking === 'base3' ? 'base3' : '2bit';
}

/** Bits of one weight word for P*S weights under a packing. */
export function wordBitsFor(packing: WeightPacking, weights: number): number {
  return packing === 'base3' ? 8 * Math.ceil(weights / 5) : packing === '2bit' ? 2 * weights : weights;
}

/** Weight bits moved per weight: log2(3) is the information content the floor uses for ternary. */
export function floorBitsPerWeight(kind: 'binary' | 'ternary'): number {
  return kind === 'ternary' ? Math.log2(3) : 1;
}

/**
 * The memory geometry of a whole design: the longest input (in chunks) and the weight memory
 * depth. Memory read latencies depend on it, so a timing plan for a few layers must carry the
 * geometry of the design they belong to.
 */
export interface PlanGeometry {
  readonly chunksMax: number;
  readonly wDepth: number;
}

export function geometryOf(plan: EnginePlan): PlanGeometry {
  return { chunksMax: plan.chunksMax, wDepth: plan.wDepth };
}

/** Everything derived from the layer list and the architecture: widths, tree, memory depth. */
export function assemblePlan(layers: LayerPlan[], arch: ArchSpec, geometry?: PlanGeometry): EnginePlan {
  const P = arch.lanes;
  const S = arch.simd;
  const wBase = layers.reduce((a, l) => a + l.chunks * l.tiles, 0);
  const codeBits = arch.weightKind === 'ternary' ? 2 : 1;
  const packing = packingOf(arch);
  const nMax = Math.max(...layers.map((l) => l.n));
  // Tree: leaves are the sign-folded int8 terms in [-128, 127]; the correction count is added last.
  const tree: TreeLevel[] = [];
  let counts = Array.from({ length: S }, () => 1);
  let level = 0;
  let treeRegisters = 0;
  tree.push({ level: 0, nodes: counts.map((k) => ({ leaves: k, width: signedBits(-128 * k, 127 * k) })), registered: false });
  while (counts.length > 1) {
    level++;
    const next: number[] = [];
    for (let i = 0; i < counts.length; i += 2) next.push(counts[i]! + (counts[i + 1] ?? 0));
    counts = next;
    const last = counts.length === 1;
    const registered = arch.treePipeline > 0 && level % arch.treePipeline === 0 && !last;
    if (registered) treeRegisters++;
    tree.push({ level, nodes: counts.map((k) => ({ leaves: k, width: signedBits(-128 * k, 127 * k) })), registered });
  }
  return {
    arch,
    P,
    S,
    codeBits,
    packing,
    layers,
    nMax,
    chunksMax: Math.max(geometry?.chunksMax ?? 0, ...layers.map((l) => l.chunks)),
    wDepth: Math.max(geometry?.wDepth ?? 0, wBase),
    wordBits: wordBitsFor(packing, P * S),
    accBits: Math.max(...layers.map((l) => accumulatorBits(l.n))),
    layerIdBits: bitsFor(Math.max(layers.length - 1, 1)),
    tree,
    treeRegisters,
    corrWidth: bitsFor(S),
    treeOutWidth: signedBits(-128 * S, 128 * S),
  };
}


/**
 * A plan from layer shapes alone (no weights): for timing simulation of model presets. Scales are
 * 1.0, activations per-token int8 with the 127 numerator; none of that changes cycle counts.
 */
export function planFromShapes(shapes: readonly { name: string; n: number; out: number }[], arch: ArchSpec, geometry?: PlanGeometry): EnginePlan {
  let wBase = 0;
  const layers: LayerPlan[] = shapes.map((sh, index) => {
    const chunks = Math.ceil(sh.n / arch.simd);
    const tiles = Math.ceil(sh.out / arch.lanes);
    const lp: LayerPlan = {
      index, name: sh.name, n: sh.n, out: sh.out, chunks, tiles, wBase, weightGroups: 1, rowsPerGroup: sh.out,
      scaleBits: [f32Bits(1)], convention: 'multiply', qscale: 127, halfAway: false, epsBits: f32Bits(Math.fround(1e-5)),
      ...weightFactors(Float32Array.of(1), 'multiply'),
    };
    wBase += chunks * tiles;
    return lp;
  });
  return assemblePlan(layers, arch, geometry);
}

/**
 * The weight memory image: `wDepth` words of `wordBits` bits, as bytes little-endian within a
 * word (bit b of the word is bit b%8 of byte floor(b/8)). Weight i = p*S + s of a word (lane p,
 * input s) is, by packing: 2-bit code w+1 at bits [2i, 2i+2) (00 -1, 01 0, 10 +1); binary bit i
 * (1 = +1); base-3: byte floor(i/5) = sum of (w+1) * 3^(i mod 5). Padding (rows past `out`,
 * inputs past `n`) holds weight 0 (ternary) or -1 with q = 0 (binary).
 */
export function weightImage(model: Model, plan: EnginePlan): Uint8Array {
  const bytesPerWord = Math.ceil(plan.wordBits / 8);
  const img = new Uint8Array(plan.wDepth * bytesPerWord);
  const bls = new Map(allBitLinears(model.ir).map((b) => [b.name, b]));
  const { P, S, codeBits, packing } = plan;
  const codes = new Uint8Array(P * S);
  for (const l of plan.layers) {
    const bl = bls.get(l.name)!;
    const w = model.tensors.get(bl.weight.tensor.name)!.data as Uint8Array;
    const bpr = bl.weight.tensor.shape[1]!;
    for (let t = 0; t < l.tiles; t++) {
      for (let k = 0; k < l.chunks; k++) {
        for (let p = 0; p < P; p++) {
          const r = t * P + p;
          for (let s = 0; s < S; s++) {
            const c = k * S + s;
            let code: number;
            if (r >= l.out || c >= l.n) code = codeBits === 2 ? 1 : 0;
            else if (codeBits === 2) code = (w[r * bpr + (c >> 2)]! >> ((c & 3) * 2)) & 3;
            else code = (w[r * bpr + (c >> 3)]! >> (c & 7)) & 1;
            codes[p * S + s] = code;
          }
        }
        packWord(codes, packing, img, (l.wBase + t * l.chunks + k) * bytesPerWord);
      }
    }
  }
  return img;
}

/** Pack one word's codes (0..2 ternary, 0..1 binary) at `off` of `img`. */
export function packWord(codes: Uint8Array, packing: WeightPacking, img: Uint8Array, off: number): void {
  if (packing === 'base3') {
    for (let j = 0; j * 5 < codes.length; j++) {
      let b = 0;
      for (let k = Math.min(4, codes.length - 1 - j * 5); k >= 0; k--) b = b * 3 + codes[j * 5 + k]!;
      img[off + j] = b;
    }
    return;
  }
  const bits = packing === '2bit' ? 2 : 1;
  for (let i = 0; i < codes.length; i++) {
    const bit = i * bits;
    img[off + (bit >> 3)]! |= codes[i]! << (bit & 7);
  }
}

/** The codes of one word (inverse of packWord), for the simulator's MAC model. */
export function unpackWord(img: Uint8Array, off: number, packing: WeightPacking, count: number, out: Uint8Array): void {
  if (packing === 'base3') {
    for (let j = 0; j * 5 < count; j++) {
      let b = img[off + j]!;
      for (let k = 0; k < 5 && j * 5 + k < count; k++) {
        out[j * 5 + k] = b % 3;
        b = Math.floor(b / 3);
      }
    }
    return;
  }
  const bits = packing === '2bit' ? 2 : 1;
  const mask = (1 << bits) - 1;
  for (let i = 0; i < count; i++) {
    const bit = i * bits;
    out[i] = (img[off + (bit >> 3)]! >> (bit & 7)) & mask;
  }
}

/**
 * The engine's actions, in the order its cycle-level model (src/sim/engine.ts) counts them: the
 * component and action the energy table prices, the bits one action moves or works on, and the
 * name of the RTL's counter for it (a simulation build's `act_*` port, src/codegen/verilog.ts).
 * `dram`: the action exists only with weights streamed from DRAM (true) or only without (false).
 */
export const ENGINE_ACTIONS: readonly { readonly component: string; readonly action: string; readonly counter: string; readonly bits: (plan: EnginePlan) => number; readonly dram?: boolean }[] = [
  { component: 'xbuf', action: 'write', counter: 'act_xbuf_write', bits: () => 32 },
  { component: 'xbuf', action: 'read', counter: 'act_xbuf_read', bits: () => 32 },
  { component: 'divider', action: 'iteration', counter: 'act_div', bits: () => 33 },
  { component: 'quantizer', action: 'quantize', counter: 'act_quantize', bits: () => 8 },
  { component: 'qbuf', action: 'write', counter: 'act_qbuf_write', bits: (p) => 8 * p.S },
  { component: 'qbuf', action: 'read', counter: 'act_qbuf_read', bits: (p) => 8 * p.S },
  { component: 'wmem', action: 'read', counter: 'act_wmem', bits: (p) => p.wordBits, dram: false },
  { component: 'b3dec', action: 'decode', counter: 'act_b3dec', bits: () => 8 },
  { component: 'mac_array', action: 'tree_add', counter: 'act_tree', bits: () => 8 },
  { component: 'mac_array', action: 'accumulate', counter: 'act_acc', bits: (p) => p.accBits },
  { component: 'rbuf', action: 'write', counter: 'act_rbuf', bits: (p) => p.accBits },
  { component: 'dequant', action: 'multiply', counter: 'act_dequant', bits: () => 32 },
  { component: 'output', action: 'beat', counter: 'act_out', bits: () => 32 },
  // Streamed weights: words taken from the DRAM port into the weight FIFO, and read from it.
  { component: 'dram', action: 'read', counter: 'act_dram', bits: (p) => p.wordBits, dram: true },
  { component: 'wfifo', action: 'write', counter: 'act_wfifo_write', bits: (p) => p.wordBits, dram: true },
  { component: 'wfifo', action: 'read', counter: 'act_wfifo_read', bits: (p) => p.wordBits, dram: true },
];

/** The engine's actions for `plan` (those of its weight memory kind), with their slot in ENGINE_ACTIONS. */
export function engineActionsOf(plan: EnginePlan): { readonly slot: number; readonly component: string; readonly action: string; readonly counter: string; readonly bits: number }[] {
  const dram = plan.arch.weightMemory === 'dram';
  return ENGINE_ACTIONS.flatMap((a, slot) => (a.dram === undefined || a.dram === dram ? [{ slot, component: a.component, action: a.action, counter: a.counter, bits: a.bits(plan) }] : []));
}
