/**
 * The engine plan: how a model's BitLinear layers map onto an architecture. One pure function
 * decides every size, address and constant; the RTL generator, the host driver and the simulator
 * all read this plan, so they cannot disagree.
 *
 * Needs: a validated model and an architecture. Guarantees: every layer the engine runs fits its
 * datapath (per-token int8 activations, no bias, normal f32 weight scales), widths are the proven
 * minimum for the worst case (accumulatorBits of the longest input), and weight words are laid
 * out tile-major: word `wBase + tile*chunks + chunk` holds lanes 0..P-1 x inputs 0..S-1.
 */
import type { ArchSpec } from './arch.js';
import { validateArchForModel } from './arch.js';
import type { BitLinearIR, Model } from './types.js';
import { allBitLinears } from './types.js';
import { BitnetError, diag, type Diagnostic } from '../util/diagnostics.js';
import { f32Bits } from '../util/float.js';
import { accumulatorBits, scaleNumerator } from '../numerics/index.js';
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
}

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
  readonly codeBits: 1 | 2;
  readonly layers: readonly LayerPlan[];
  readonly nMax: number;
  readonly chunksMax: number;
  readonly wDepth: number;
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
    const e = (f32Bits(v) >>> 23) & 0xff;
    if (e === 0 || e === 255) ds.push(diag('CG004', `${p}.scale[${i}]`, `weight scale ${v} is not a normal binary32`, 'rescale the weights so the scale is a normal number'));
  });
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
    };
    wBase += chunks * tiles;
    return lp;
  });
  return assemblePlan(layers, arch);
}

/** Everything derived from the layer list and the architecture: widths, tree, memory depth. */
export function assemblePlan(layers: LayerPlan[], arch: ArchSpec): EnginePlan {
  const P = arch.lanes;
  const S = arch.simd;
  const wBase = layers.reduce((a, l) => a + l.chunks * l.tiles, 0);
  const codeBits = arch.weightKind === 'ternary' ? 2 : 1;
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
    layers,
    nMax,
    chunksMax: Math.max(...layers.map((l) => l.chunks)),
    wDepth: wBase,
    wordBits: P * S * codeBits,
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
export function planFromShapes(shapes: readonly { name: string; n: number; out: number }[], arch: ArchSpec): EnginePlan {
  let wBase = 0;
  const layers: LayerPlan[] = shapes.map((sh, index) => {
    const chunks = Math.ceil(sh.n / arch.simd);
    const tiles = Math.ceil(sh.out / arch.lanes);
    const lp: LayerPlan = {
      index, name: sh.name, n: sh.n, out: sh.out, chunks, tiles, wBase, weightGroups: 1, rowsPerGroup: sh.out,
      scaleBits: [f32Bits(1)], convention: 'multiply', qscale: 127, halfAway: false, epsBits: f32Bits(Math.fround(1e-5)),
    };
    wBase += chunks * tiles;
    return lp;
  });
  return assemblePlan(layers, arch);
}

/**
 * The weight memory image: `wDepth` words of `wordBits` bits, as bytes little-endian within a
 * word (bit b of the word is bit b%8 of byte floor(b/8)). Lane p, input s of a word sit at bits
 * [(p*S + s)*codeBits, +codeBits). Ternary codes are w+1 (00 -1, 01 0, 10 +1); binary bit 1 = +1.
 * Padding (rows past `out`, inputs past `n`) holds the zero code (ternary 01, binary 0 with q = 0).
 */
export function weightImage(model: Model, plan: EnginePlan): Uint8Array {
  const bytesPerWord = Math.ceil(plan.wordBits / 8);
  const img = new Uint8Array(plan.wDepth * bytesPerWord);
  const bls = new Map(allBitLinears(model.ir).map((b) => [b.name, b]));
  const { P, S, codeBits } = plan;
  for (const l of plan.layers) {
    const bl = bls.get(l.name)!;
    const w = model.tensors.get(bl.weight.tensor.name)!.data as Uint8Array;
    const bpr = bl.weight.tensor.shape[1]!;
    for (let t = 0; t < l.tiles; t++) {
      for (let k = 0; k < l.chunks; k++) {
        const word = (l.wBase + t * l.chunks + k) * bytesPerWord;
        for (let p = 0; p < P; p++) {
          const r = t * P + p;
          for (let s = 0; s < S; s++) {
            const c = k * S + s;
            let code: number;
            if (r >= l.out || c >= l.n) code = codeBits === 2 ? 1 : 0;
            else if (codeBits === 2) code = (w[r * bpr + (c >> 2)]! >> ((c & 3) * 2)) & 3;
            else code = (w[r * bpr + (c >> 3)]! >> (c & 7)) & 1;
            const bit = (p * S + s) * codeBits;
            img[word + (bit >> 3)]! |= code << (bit & 7);
          }
        }
      }
    }
  }
  return img;
}
