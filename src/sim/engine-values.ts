/**
 * The engine unit's values for the whole-model simulator: a BitLinear token in the hw numerics,
 * computed from the model's weights with a kernel of its own (never the reference's): weights
 * regrouped into base-3 (ternary) or base-2 (binary) indexes of four inputs, one 81- or 16-entry
 * table of partial sums per group and token, then src/numerics for the codes and the outputs.
 * The cycle-level engine model (engine.ts) is proven bit-exact with the RTL and with these values.
 */
import type { BitLinearIR, Model } from '../ir/types.js';
import { packedBytesPerRow } from '../ir/types.js';
import { dequantConstant, quantizeActs, weightFactor, type WeightFactor } from '../numerics/index.js';
import { f32Bits } from '../util/float.js';

interface LayerKernel {
  readonly n: number;
  readonly out: number;
  readonly groups: number;
  readonly ternary: boolean;
  /** [groups][out] index of each row's four weights (group-major: the accumulate loop is sequential). */
  readonly idx: Uint8Array;
  readonly factors: readonly WeightFactor[];
  readonly rowsPerGroup: number;
  readonly bl: BitLinearIR;
}

export class EngineValueModel {
  private readonly kernels = new Map<string, LayerKernel>();
  private readonly table = new Int32Array(81);
  constructor(private readonly model: Model) {}

  private kernel(bl: BitLinearIR): LayerKernel {
    const hit = this.kernels.get(bl.name);
    if (hit) return hit;
    const t = this.model.tensors.get(bl.weight.tensor.name)!;
    const w = t.data as Uint8Array;
    const n = bl.inFeatures;
    const out = bl.outFeatures;
    const ternary = bl.weight.weightKind === 'ternary';
    const bpr = packedBytesPerRow(bl.weight.weightKind, n);
    const groups = Math.ceil(n / 4);
    const idx = new Uint8Array(out * groups);
    for (let r = 0; r < out; r++) {
      for (let g = 0; g < groups; g++) {
        let v = 0;
        for (let k = 3; k >= 0; k--) {
          const c = g * 4 + k;
          // The code of weight c: ternary 0 -1, 1 0, 2 +1; binary 0 -1, 1 +1. Padding: weight 0
          // (ternary) or a code whose activation is 0 (binary: the table entry ignores it).
          const code = c >= n ? (ternary ? 1 : 0) : ternary ? (w[r * bpr + (c >> 2)]! >> ((c & 3) * 2)) & 3 : (w[r * bpr + (c >> 3)]! >> (c & 7)) & 1;
          v = v * (ternary ? 3 : 2) + code;
        }
        idx[g * out + r] = v;
      }
    }
    const ws = this.model.tensors.get(bl.scale.tensor.name)!.data as Float32Array;
    const k: LayerKernel = { n, out, groups, ternary, idx, factors: Array.from(ws, (v) => weightFactor(v, bl.scale.convention)), rowsPerGroup: out / bl.scale.groups, bl };
    this.kernels.set(bl.name, k);
    return k;
  }

  /** y = BitLinear(x) for one token, hw numerics, f32. */
  run(bl: BitLinearIR, x: Float32Array, y: Float32Array): void {
    const k = this.kernel(bl);
    const qa = quantizeActs(x, 1, k.n, bl.actQuant, bl.name);
    const q = qa.q;
    const sBits = f32Bits(qa.s[0]!);
    const acc = new Int32Array(k.out);
    const tbl = this.table;
    const ternary = k.ternary;
    for (let g = 0; g < k.groups; g++) {
      const j0 = g * 4;
      const q0 = j0 < k.n ? q[j0]! : 0;
      const q1 = j0 + 1 < k.n ? q[j0 + 1]! : 0;
      const q2 = j0 + 2 < k.n ? q[j0 + 2]! : 0;
      const q3 = j0 + 3 < k.n ? q[j0 + 3]! : 0;
      // Entry e = ((d3 * B + d2) * B + d1) * B + d0, d the four weights' codes (B = 3 or 2).
      if (ternary) {
        let e = 0;
        for (let d3 = -1; d3 <= 1; d3++) {
          const s3 = d3 * q3;
          for (let d2 = -1; d2 <= 1; d2++) {
            const s2 = s3 + d2 * q2;
            for (let d1 = -1; d1 <= 1; d1++) {
              const s1 = s2 + d1 * q1;
              tbl[e++] = s1 - q0;
              tbl[e++] = s1;
              tbl[e++] = s1 + q0;
            }
          }
        }
      } else {
        let e = 0;
        for (let d3 = -1; d3 <= 1; d3 += 2) {
          const s3 = d3 * q3;
          for (let d2 = -1; d2 <= 1; d2 += 2) {
            const s2 = s3 + d2 * q2;
            for (let d1 = -1; d1 <= 1; d1 += 2) {
              const s1 = s2 + d1 * q1;
              tbl[e++] = s1 - q0;
              tbl[e++] = s1 + q0;
            }
          }
        }
      }
      const idx = k.idx;
      for (let row = 0, o = g * k.out; row < k.out; row++, o++) acc[row]! += tbl[idx[o]!]!;
    }
    // hwDequant's one rounding of acc * C * 2^E (acc * C is exact: < 2^53), its scale hoisted.
    for (let g = 0, row = 0; g < k.factors.length; g++) {
      const c = dequantConstant(sBits, k.factors[g]!);
      const C = c.C;
      const scale = 2 ** c.E;
      for (const end = row + k.rowsPerGroup; row < end; row++) y[row] = Math.fround(acc[row]! * C * scale);
    }
  }
}
