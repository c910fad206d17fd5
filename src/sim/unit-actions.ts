/**
 * The arithmetic actions of the vector and special-function units' instructions, per row of the
 * block, as those units do them (templates/verilog/bnhw_vec.v.hbs, bnhw_sfu.v.hbs): the simulator
 * counts these (src/sim/machine.ts), and the units' RTL action counters must count the same
 * (their bench checks every instruction). Pure.
 */
import type { Instr, Program } from '../ir/program.js';

export interface UnitAction {
  readonly component: 'vector' | 'sfu' | 'rope_table';
  readonly action: 'fp32_mul' | 'fp32_add' | 'fp32_div' | 'fp32_sqrt' | 'fp32_exp' | 'read';
  readonly count: number;
}

/** null: not a vector or special-function instruction. */
export function unitActions(i: Instr): UnitAction[] | null {
  switch (i.op) {
    case 'vmul':
      return [{ component: 'vector', action: 'fp32_mul', count: i.n }];
    case 'vadd':
    case 'vsubs':
      return [{ component: 'vector', action: 'fp32_add', count: i.n }];
    case 'vsumsq':
      // every term through the product-sum lane: a product, an add into its partial; three adds close it
      return [
        { component: 'vector', action: 'fp32_mul', count: i.n },
        { component: 'vector', action: 'fp32_add', count: i.n + 3 },
      ];
    case 'vmean':
      // the product-sum lane with every term times 1.0, then the unit's divider
      return [
        { component: 'vector', action: 'fp32_mul', count: i.n },
        { component: 'vector', action: 'fp32_add', count: i.n + 3 },
        { component: 'vector', action: 'fp32_div', count: 1 },
      ];
    case 'rsqrt':
      // the special-function unit's own divider (a / n, 1 / root), adder and square root
      return [
        { component: 'sfu', action: 'fp32_div', count: 2 },
        { component: 'sfu', action: 'fp32_sqrt', count: 1 },
        { component: 'sfu', action: 'fp32_add', count: 1 },
      ];
    case 'rope':
      // four products and two sums per pair; a cos and a sin for every pair of every head
      return [
        { component: 'vector', action: 'fp32_mul', count: 2 * i.heads * i.headDim },
        { component: 'vector', action: 'fp32_add', count: i.heads * i.headDim },
        { component: 'rope_table', action: 'read', count: i.heads * i.headDim },
      ];
    case 'act':
      if (i.kind === 'relu2-gated') return [{ component: 'vector', action: 'fp32_mul', count: 2 * i.n }];
      // swiglu and gelu as the simulator prices them (no RTL yet: CG046)
      return [
        { component: 'vector', action: 'fp32_mul', count: 2 * i.n },
        { component: 'sfu', action: 'fp32_exp', count: i.n },
        { component: 'sfu', action: 'fp32_div', count: i.n },
      ];
    default:
      return null;
  }
}

export interface HeadAction {
  readonly component: 'embedding' | 'head' | 'dram' | 'tfifo';
  readonly action: 'read' | 'write' | 'table_read' | 'fp32_mac' | 'compare' | 'read_embedding' | 'read_head';
  /** Bits per action (the energy table's key). */
  readonly bits: number;
  readonly count: number;
}

/**
 * The head unit's actions (templates/verilog/bnhw_head.v.hbs) for embed (per row), head and
 * argmax: table words read (from the on-chip table, or streamed from DRAM when the weights are
 * off chip), the head's multiply-adds (a term taken by a lane of a vocab row) and argmax's
 * compares. With the tables behind the unit's own DRAM port (`stream`: weightMemory "dram"),
 * whole table lines of `lineBits` come from DRAM into the unit's FIFO and are read from it:
 * a row's `hidden` lines for embed, every group's for head. null: not a head-unit instruction.
 */
export function headActions(i: Instr, p: Program, onChip: boolean, stream: { readonly lineBits: number; readonly headLines: number } | null = null): HeadAction[] | null {
  const tableBits = p.embeddingBits;
  const lines = (n: number, dram: 'read_embedding' | 'read_head'): HeadAction[] =>
    stream
      ? [
          { component: 'dram', action: dram, bits: stream.lineBits, count: n },
          { component: 'tfifo', action: 'write', bits: stream.lineBits, count: n },
          { component: 'tfifo', action: 'read', bits: stream.lineBits, count: n },
        ]
      : [];
  switch (i.op) {
    case 'embed':
      if (stream) return lines(p.hidden, 'read_embedding');
      return onChip ? [{ component: 'embedding', action: 'read', bits: tableBits, count: p.hidden }] : [{ component: 'dram', action: 'read_embedding', bits: 1, count: p.hidden * tableBits }];
    case 'head':
      if (stream) return [{ component: 'head', action: 'fp32_mac', bits: 32, count: p.vocab * p.hidden }, ...lines(stream.headLines, 'read_head')];
      return [
        { component: 'head', action: 'fp32_mac', bits: 32, count: p.vocab * p.hidden },
        onChip ? { component: 'head', action: 'table_read', bits: tableBits, count: p.vocab * p.hidden } : { component: 'dram', action: 'read_head', bits: 1, count: p.vocab * p.hidden * tableBits },
      ];
    case 'argmax':
      return [{ component: 'head', action: 'compare', bits: 32, count: i.n }];
    default:
      return null;
  }
}

export interface AttentionAction {
  readonly component: 'attention' | 'kv_cache' | 'kv_dram';
  readonly action: 'fp32_mac' | 'fp32_mul' | 'fp32_add' | 'fp32_exp' | 'fp32_div' | 'compare' | 'read';
  readonly bits: number;
  readonly count: number;
}

/**
 * The attention unit's actions (templates/verilog/bnhw_attn.v.hbs) for one query row over len
 * positions, every head: the lanes' multiply-adds (scores and value sums), their multiplies (the
 * scale, 1 / sum), the adds (s - m, the softmax sum's terms and its three closing adds), the exps,
 * one division per head, the tree's compares (one per score), and the K and V words read (from the
 * cache on chip, or streamed from DRAM).
 */
export function attentionActions(p: Program, len: number, kvOnChip: boolean): AttentionAction[] {
  const { heads, headDim: hd } = p.attention;
  const kvBits = p.kvFormat === 'fp32' ? 32 : 16;
  return [
    { component: 'attention', action: 'fp32_mac', bits: 32, count: 2 * heads * len * hd },
    { component: 'attention', action: 'fp32_mul', bits: 32, count: heads * (len + hd) },
    { component: 'attention', action: 'fp32_add', bits: 32, count: heads * (2 * len + 3) },
    { component: 'attention', action: 'fp32_exp', bits: 32, count: heads * len },
    { component: 'attention', action: 'fp32_div', bits: 32, count: heads },
    { component: 'attention', action: 'compare', bits: 32, count: heads * len },
    { component: kvOnChip ? 'kv_cache' : 'kv_dram', action: 'read', bits: kvBits, count: 2 * heads * len * hd },
  ];
}
