/**
 * The BitNet papers' energy method, exactly as shared/bitnet-spec.md section 5 states it:
 * arithmetic only; per layer the six linear matmuls (q, k, v, o; FFN up and down) plus QK^T and AV
 * over a sequence of `seq` tokens; no embedding or output head. A (m x n) by (n x p) matmul costs
 * ADD = m(n-1)p and MUL = mnp at full precision; a BitLinear costs the same ADDs at INT8 and only
 * MUL = mp + mn (rescale and quantizer) at INT8. For BitNet the attention matmuls are FP16; the
 * baselines cost everything at their own precision. For models with GQA or a gated FFN the
 * model's real projection shapes are used.
 */
import type { ModelShape } from '../ir/presets.js';
import type { EnergyTable } from './tables.js';

export interface PaperEnergy {
  readonly method: 'paper';
  readonly node: string;
  readonly seq: number;
  readonly model: string;
  readonly results: readonly { arch: 'bitnet' | 'fp16' | 'fp32'; mul_J: number; add_J: number; total_J: number }[];
}

export interface MatmulCounts {
  linearAdd: number;
  linearMulFull: number;
  linearMulBit: number;
  attnAdd: number;
  attnMul: number;
}

export function paperCounts(shape: ModelShape, seq: number): MatmulCounts {
  const m = seq;
  let linearAdd = 0;
  let linearMulFull = 0;
  let linearMulBit = 0;
  for (const p of shape.perLayer) {
    linearAdd += m * (p.n - 1) * p.out;
    linearMulFull += m * p.n * p.out;
    linearMulBit += m * p.out + m * p.n;
  }
  const h = shape.hidden;
  // QK^T: (seq x h) by (h x seq); AV: (seq x seq) by (seq x h), all heads together.
  const attnAdd = m * (h - 1) * m + m * (m - 1) * h;
  const attnMul = m * h * m + m * m * h;
  const L = shape.layers;
  return { linearAdd: linearAdd * L, linearMulFull: linearMulFull * L, linearMulBit: linearMulBit * L, attnAdd: attnAdd * L, attnMul: attnMul * L };
}

export function paperEnergy(shape: ModelShape, table: EnergyTable, seq = 512): PaperEnergy {
  const c = paperCounts(shape, seq);
  const o = table.ops;
  const J = (pj: number): number => pj / 1e12;
  const bitMul = J(c.linearMulBit * o.int8_mul + c.attnMul * o.fp16_mul);
  const bitAdd = J(c.linearAdd * o.int8_add + c.attnAdd * o.fp16_add);
  const full = (mul: number, add: number): { mul_J: number; add_J: number; total_J: number } => {
    const m = J((c.linearMulFull + c.attnMul) * mul);
    const a = J((c.linearAdd + c.attnAdd) * add);
    return { mul_J: m, add_J: a, total_J: m + a };
  };
  return {
    method: 'paper',
    node: table.node,
    seq,
    model: shape.name,
    results: [
      { arch: 'bitnet', mul_J: bitMul, add_J: bitAdd, total_J: bitMul + bitAdd },
      { arch: 'fp16', ...full(o.fp16_mul, o.fp16_add) },
      { arch: 'fp32', ...full(o.fp32_mul, o.fp32_add) },
    ],
  };
}
