/**
 * The program compiler: lowers a model IR and an architecture to the accelerator program
 * (program.ts). Pure.
 *
 * Needs: a validated IR (weights optional: a shape IR from presets.ts compiles too) and an
 * architecture. Guarantees: one token's complete forward pass (embedding, every layer, the final
 * norm, the head, argmax) in the numerics of src/numerics/model.ts, every norm decomposed into the
 * vector operations whose fixed order the numerics define; chained BitLinears (q, k, v; gate, up)
 * marked so the engine streams them back to back; every buffer sized for the row block
 * (machine.prefillRows tokens; the logits one row); scratchpad buffers placed by a linear scan over
 * their live ranges (no two live buffers overlap); parameters and the KV cache laid out; a coded
 * error when the architecture cannot hold the program.
 */
import type { ArchSpec } from './arch.js';
import { machineOf } from './arch.js';
import type { LinearIR, ModelIR, NormIR } from './types.js';
import { allBitLinears } from './types.js';
import { PROGRAM_FORMAT_VERSION, reads, writes, type BufferAlloc, type Instr, type ParamAlloc, type Program } from './program.js';
import { fail } from '../util/diagnostics.js';

interface VirtualBuffer {
  readonly name: string;
  readonly rowWords: number;
  readonly rows: number;
}

class Builder {
  readonly vbufs: VirtualBuffer[] = [];
  readonly params: ParamAlloc[] = [];
  private paramWords = 0;
  readonly code: Instr[] = [];
  readonly layerOf: number[] = [];
  layer = -1;
  private readonly engineIds: Map<string, number>;
  constructor(
    readonly ir: ModelIR,
    private readonly rows: number,
    private readonly align: number,
  ) {
    this.engineIds = new Map(allBitLinears(ir).map((b, i) => [b.name, i]));
  }
  /** A buffer of one row per token of the block (`single`: one row, the logits). */
  buf(name: string, rowWords: number, single = false): number {
    this.vbufs.push({ name, rowWords, rows: single ? 1 : this.rows });
    return this.vbufs.length - 1;
  }
  /** A parameter segment; bases are multiples of the vector lanes, as in the scratchpad. */
  param(name: string, words: number, source: ParamAlloc['source']): number {
    const id = this.params.length;
    const base = alignUp(this.paramWords, this.align);
    this.params.push({ kind: 'param', id, name, words, base, source });
    this.paramWords = base + words;
    return id;
  }
  get paramTotal(): number {
    return this.paramWords;
  }
  emit(i: Instr): void {
    this.code.push(i);
    this.layerOf.push(this.layer);
  }
  lin(bl: LinearIR, src: number, chain: boolean): number {
    const dst = this.buf(bl.name, bl.outFeatures);
    this.emit({ op: 'lin', layer: this.engineIds.get(bl.name)!, src, dst, chain });
    return dst;
  }
  /** A norm as vector operations (the order of numerics/model.ts rmsNormHw / layerNormHw). */
  norm(n: NormIR, label: string, src: number): number {
    const w = this.param(`${label}.weight`, n.dim, { tensor: n.weight.name });
    const b = n.bias ? this.param(`${label}.bias`, n.dim, { tensor: n.bias.name }) : null;
    const eps = Math.fround(n.eps);
    const r = this.buf(`${label}.r`, 1);
    const t = this.buf(`${label}.t`, n.dim);
    const dst = this.buf(label, n.dim);
    let x = src;
    if (n.type === 'layernorm') {
      const mu = this.buf(`${label}.mean`, 1);
      this.emit({ op: 'vmean', dst: mu, a: src, n: n.dim });
      x = this.buf(`${label}.centered`, n.dim);
      this.emit({ op: 'vsubs', dst: x, a: src, s: mu, n: n.dim });
    }
    const ss = this.buf(`${label}.ss`, 1);
    this.emit({ op: 'vsumsq', dst: ss, a: x, n: n.dim });
    this.emit({ op: 'rsqrt', dst: r, a: ss, eps, n: n.dim });
    this.emit({ op: 'vmul', dst: t, a: x, b: r, n: n.dim, bcast: true, bParam: false });
    this.emit({ op: 'vmul', dst, a: t, b: w, n: n.dim, bcast: false, bParam: true });
    if (b !== null) this.emit({ op: 'vadd', dst, a: dst, b, n: n.dim, bParam: true });
    return dst;
  }
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/**
 * Scratchpad placement: linear scan over live ranges [first instruction, last instruction]. Every
 * base is a multiple of `align` (the vector lanes: the scratchpad's banks are word-interleaved, so
 * an aligned buffer starts in bank 0 and a line of the vector unit reads one word per bank).
 */
function allocate(vbufs: readonly VirtualBuffer[], code: readonly Instr[], pinned: ReadonlySet<number>, align: number): { buffers: BufferAlloc[]; words: number } {
  const first = vbufs.map(() => Infinity);
  const last = vbufs.map(() => -1);
  code.forEach((ins, pc) => {
    for (const b of [...reads(ins), ...writes(ins)]) {
      first[b] = Math.min(first[b]!, pc);
      last[b] = Math.max(last[b]!, pc);
    }
  });
  for (const b of pinned) {
    first[b] = -1;
    last[b] = code.length;
  }
  const order = vbufs.map((_, i) => i).filter((i) => last[i]! >= 0).sort((a, b) => first[a]! - first[b]! || a - b);
  const live: { id: number; base: number; words: number }[] = [];
  const bases = vbufs.map(() => -1);
  let top = 0;
  for (const id of order) {
    // Free buffers whose last use is before this one's first (an instruction may read and write
    // different buffers; a buffer is reused only by a later instruction).
    for (let j = live.length - 1; j >= 0; j--) if (last[live[j]!.id]! < first[id]!) live.splice(j, 1);
    const words = vbufs[id]!.rowWords * vbufs[id]!.rows;
    // First fit in address order.
    const taken = [...live].sort((a, b) => a.base - b.base);
    let base = 0;
    for (const t of taken) {
      if (base + words <= t.base) break;
      base = Math.max(base, alignUp(t.base + t.words, align));
    }
    bases[id] = base;
    live.push({ id, base, words });
    top = Math.max(top, base + words);
  }
  return { buffers: vbufs.map((v, id) => ({ kind: 'buffer', id, name: v.name, rowWords: v.rowWords, rows: v.rows, words: v.rowWords * v.rows, base: bases[id]! })), words: top };
}

export function compileProgram(ir: ModelIR, arch: ArchSpec): Program {
  const m = machineOf(arch);
  const B = new Builder(ir, m.prefillRows, m.vectorLanes);
  const h = ir.hidden;
  const a0 = ir.layers[0]!.attention;
  const context = Math.min(m.context ?? ir.maxPositions, ir.maxPositions);
  const x = B.buf('x', h);
  B.emit({ op: 'embed', dst: x });
  for (const [li, layer] of ir.layers.entries()) {
    const L = `layers.${li}`;
    B.layer = li;
    const a = layer.attention;
    if (a.heads !== a0.heads || a.kvHeads !== a0.kvHeads || a.headDim !== a0.headDim) {
      fail('PRG003', `${L}.attention`, 'layers with different attention shapes', 'the accelerator program needs one attention geometry for every layer');
    }
    const xn = B.norm(layer.attnNorm, `${L}.attn_norm`, x);
    const q = B.lin(a.q, xn, false);
    const k = B.lin(a.k, xn, true);
    const v = B.lin(a.v, xn, true);
    if (a.rope) {
      B.emit({ op: 'rope', buf: q, heads: a.heads, headDim: a.headDim, table: 0 });
      B.emit({ op: 'rope', buf: k, heads: a.kvHeads, headDim: a.headDim, table: 0 });
    }
    B.emit({ op: 'kvw', layer: li, k, v });
    const att = B.buf(`${L}.attn`, a.heads * a.headDim);
    B.emit({ op: 'attn', layer: li, q, dst: att });
    const attIn = a.subNorm ? B.norm(a.subNorm, `${L}.attn_sub_norm`, att) : att;
    const o = B.lin(a.o, attIn, false);
    B.emit({ op: 'vadd', dst: x, a: x, b: o, n: h, bParam: false });
    const xn2 = B.norm(layer.ffnNorm, `${L}.ffn_norm`, x);
    const f = layer.ffn;
    const g = f.gate ? B.lin(f.gate, xn2, false) : -1;
    const u = B.lin(f.up, xn2, f.gate !== null);
    const mm = B.buf(`${L}.ffn_act`, f.hidden);
    B.emit({ op: 'act', kind: f.activation, gate: g, up: u, dst: mm, n: f.hidden });
    const mIn = f.subNorm ? B.norm(f.subNorm, `${L}.ffn_sub_norm`, mm) : mm;
    const d = B.lin(f.down, mIn, false);
    B.emit({ op: 'vadd', dst: x, a: x, b: d, n: h, bParam: false });
  }
  B.layer = -1;
  const xf = B.norm(ir.finalNorm, 'final_norm', x);
  const logits = B.buf('logits', ir.embedding.vocabSize, true);
  B.emit({ op: 'head', src: xf, dst: logits });
  B.emit({ op: 'argmax', src: logits, n: ir.embedding.vocabSize });
  B.emit({ op: 'end' });
  // The residual stream and the logits live for the whole token (the host reads the logits).
  const { buffers, words } = allocate(B.vbufs, B.code, new Set([x, logits]), m.vectorLanes);
  if (words > m.scratchpadWords) {
    fail('PRG001', `arch ${arch.name}.machine.scratchpadWords`, `the program needs ${words} scratchpad words, the architecture has ${m.scratchpadWords}`, 'raise machine.scratchpadWords', `>= ${words}`);
  }
  const kvRowWords = a0.kvHeads * a0.headDim;
  return {
    kind: 'program',
    version: PROGRAM_FORMAT_VERSION,
    model: ir.name,
    arch: arch.name,
    hidden: h,
    vocab: ir.embedding.vocabSize,
    context,
    rows: m.prefillRows,
    attention: { heads: a0.heads, kvHeads: a0.kvHeads, headDim: a0.headDim, ropeTheta: a0.rope ? a0.rope.theta : null },
    kvFormat: m.kvFormat,
    embeddingBits: ir.embedding.weight.dtype === 'f32' ? 32 : 16,
    engineLayers: allBitLinears(ir).map((b) => b.name),
    buffers,
    scratchpadWords: words,
    params: B.params,
    paramWords: B.paramTotal,
    kvRowWords,
    kvWords: ir.layers.length * context * 2 * kvRowWords,
    instructions: B.code,
    layerOf: B.layerOf,
  };
}
