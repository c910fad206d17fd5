/**
 * The program's two printed forms: a human-readable listing and the binary image the whole-model
 * RTL loads into its program memory (with a manifest describing it). Pure and reproducible.
 *
 * Image format (little-endian): twelve u32 per instruction:
 *   [0] opcode | flags << 8   [1] f0   [2] f1   [3] f2   [4] f3   [5] n   [6] imm   [7] 0
 *   [8] wait engine | wait vector << 16   [9] wait sfu | wait attention << 16
 *   [10] wait head | wait kv << 16   [11] 0
 * Operands are scratchpad word addresses (or parameter addresses where flagged), engine layer
 * ids, KV layer indexes and counts; `imm` holds an fp32 constant (eps). Flags: lin bit 0 chain;
 * vmul bit 0 broadcast scalar b, bit 1 b in the parameter memory; vadd bit 1 likewise; act: the
 * activation (0 relu2-gated, 1 swiglu, 2 gelu). The waits are the issue rule (src/ir/deps.ts):
 * the instruction issues once that many instructions of each unit have finished.
 */
import { assertNever, fail } from '../util/diagnostics.js';
import { COUNTED_UNITS, programDeps, type CountedUnit } from './deps.js';
import { f32Bits } from '../util/float.js';
import { OPCODES, type Instr, type Program } from './program.js';
import { unitOf } from './units.js';

const ACT_CODES = { 'relu2-gated': 0, swiglu: 1, gelu: 2 } as const;
export const IMAGE_WORDS_PER_INSTR = 12;
/** Bits of each wait count in the image. */
export const WAIT_BITS = 16;

/** Where the wait count of COUNTED_UNITS[k] sits in an instruction: its word and bit shift. */
export function waitField(k: number): { readonly word: number; readonly shift: number } {
  return { word: 8 + (k >> 1), shift: WAIT_BITS * (k & 1) };
}

export function encodeInstr(p: Program, i: Instr, wait: Readonly<Record<CountedUnit, number>>): Uint32Array {
  const w = new Uint32Array(IMAGE_WORDS_PER_INSTR);
  const buf = (id: number): number => p.buffers[id]!.base;
  const par = (id: number): number => p.params[id]!.base;
  let flags = 0;
  const set = (f0: number, f1 = 0, f2 = 0, f3 = 0, n = 0, imm = 0): void => {
    w[1] = f0;
    w[2] = f1;
    w[3] = f2;
    w[4] = f3;
    w[5] = n;
    w[6] = imm;
  };
  switch (i.op) {
    case 'embed':
      set(buf(i.dst));
      break;
    case 'lin':
      flags = i.chain ? 1 : 0;
      set(buf(i.src), buf(i.dst), i.layer);
      break;
    case 'vmul':
      flags = (i.bcast ? 1 : 0) | (i.bParam ? 2 : 0);
      set(buf(i.dst), buf(i.a), i.bParam ? par(i.b) : buf(i.b), 0, i.n);
      break;
    case 'vadd':
      flags = i.bParam ? 2 : 0;
      set(buf(i.dst), buf(i.a), i.bParam ? par(i.b) : buf(i.b), 0, i.n);
      break;
    case 'vsumsq':
    case 'vmean':
      set(buf(i.dst), buf(i.a), 0, 0, i.n);
      break;
    case 'vsubs':
      set(buf(i.dst), buf(i.a), buf(i.s), 0, i.n);
      break;
    case 'rsqrt':
      set(buf(i.dst), buf(i.a), 0, 0, i.n, f32Bits(i.eps));
      break;
    case 'rope':
      set(buf(i.buf), 0, i.table, i.headDim, i.heads);
      break;
    case 'kvw':
      set(buf(i.k), buf(i.v), i.layer);
      break;
    case 'attn':
      set(buf(i.q), buf(i.dst), i.layer);
      break;
    case 'act':
      flags = ACT_CODES[i.kind];
      set(buf(i.dst), i.gate >= 0 ? buf(i.gate) : 0, buf(i.up), 0, i.n);
      break;
    case 'head':
      set(buf(i.src), buf(i.dst));
      break;
    case 'argmax':
      set(buf(i.src), 0, 0, 0, i.n);
      break;
    case 'end':
      break;
    default:
      assertNever(i, 'instruction');
  }
  w[0] = OPCODES[i.op] | (flags << 8);
  COUNTED_UNITS.forEach((u, k) => {
    const f = waitField(k);
    w[f.word]! |= wait[u] << f.shift;
  });
  return w;
}

export function encodeProgram(p: Program): Uint8Array {
  const deps = programDeps(p);
  for (const u of COUNTED_UNITS) {
    if (deps.total[u] >= 2 ** WAIT_BITS) fail('PRG004', `program ${p.model} on ${p.arch}`, `${deps.total[u]} ${u} instructions do not fit the image's ${WAIT_BITS}-bit wait counts`, 'split the model (fewer layers per program)', `< ${2 ** WAIT_BITS}`);
  }
  const out = new Uint32Array(p.instructions.length * IMAGE_WORDS_PER_INSTR);
  p.instructions.forEach((ins, pc) => out.set(encodeInstr(p, ins, deps.wait[pc]!), pc * IMAGE_WORDS_PER_INSTR));
  return new Uint8Array(out.buffer);
}


function operands(p: Program, i: Instr): string {
  const b = (id: number): string => {
    const x = p.buffers[id]!;
    return `${x.name}@${x.base}`;
  };
  const par = (id: number): string => `param:${p.params[id]!.name}@${p.params[id]!.base}`;
  switch (i.op) {
    case 'embed':
      return `${b(i.dst)} <- embedding[token]`;
    case 'lin':
      return `${b(i.dst)} <- engine layer ${i.layer} (${p.engineLayers[i.layer]}) of ${b(i.src)}${i.chain ? ', chained' : ''}`;
    case 'vmul':
      return `${b(i.dst)} <- ${b(i.a)} * ${i.bParam ? par(i.b) : b(i.b)}${i.bcast ? ' (scalar)' : ''}  n=${i.n}`;
    case 'vadd':
      return `${b(i.dst)} <- ${b(i.a)} + ${i.bParam ? par(i.b) : b(i.b)}  n=${i.n}`;
    case 'vsumsq':
      return `${b(i.dst)} <- sum of squares of ${b(i.a)}  n=${i.n}`;
    case 'vmean':
      return `${b(i.dst)} <- mean of ${b(i.a)}  n=${i.n}`;
    case 'vsubs':
      return `${b(i.dst)} <- ${b(i.a)} - ${b(i.s)} (scalar)  n=${i.n}`;
    case 'rsqrt':
      return `${b(i.dst)} <- 1 / sqrt(${b(i.a)} / ${i.n} + ${i.eps})`;
    case 'rope':
      return `${b(i.buf)} <- rope(${b(i.buf)}, position)  ${i.heads} heads of ${i.headDim}`;
    case 'kvw':
      return `kv[layer ${i.layer}][position] <- ${b(i.k)}, ${b(i.v)}`;
    case 'attn':
      return `${b(i.dst)} <- attention(${b(i.q)}, kv[layer ${i.layer}][0..position])`;
    case 'act':
      return `${b(i.dst)} <- ${i.kind}(${i.gate >= 0 ? `${b(i.gate)}, ` : ''}${b(i.up)})  n=${i.n}`;
    case 'head':
      return `${b(i.dst)} <- head(${b(i.src)})`;
    case 'argmax':
      return `token <- argmax(${b(i.src)})  n=${i.n}`;
    case 'end':
      return 'logits and token to the host';
    default:
      return assertNever(i, 'instruction');
  }
}

export function listing(p: Program): string {
  const lines = [
    `; bitnet-hw accelerator program v${p.version}: model ${p.model} on ${p.arch}`,
    `; hidden ${p.hidden}, vocab ${p.vocab}, context ${p.context}, ${p.attention.heads} heads (${p.attention.kvHeads} KV) of ${p.attention.headDim}, KV ${p.kvFormat}`,
    `; row block ${p.rows} tokens, scratchpad ${p.scratchpadWords} words, parameters ${p.paramWords} words, KV cache ${p.kvWords} words, ${p.instructions.length} instructions`,
  ];
  const deps = programDeps(p);
  const waits = (pc: number): string => {
    const w = COUNTED_UNITS.filter((u) => deps.wait[pc]![u] > 0).map((u) => `${u} ${deps.wait[pc]![u]}`);
    return w.length ? `, after ${w.join(', ')}` : '';
  };
  p.instructions.forEach((ins, pc) => lines.push(`${String(pc).padStart(4, '0')}  ${ins.op.padEnd(7)} ${operands(p, ins)}  ; ${unitOf(ins)}${waits(pc)}`));
  return lines.join('\n') + '\n';
}

/** The manifest beside the image: layout, memories and the engine layer table. */
export function programManifest(p: Program): Record<string, unknown> {
  return {
    format: `bitnet-hw-program/${p.version}`,
    model: p.model,
    arch: p.arch,
    instructions: p.instructions.length,
    image: { file: 'program.bin', bytesPerInstruction: IMAGE_WORDS_PER_INSTR * 4 },
    scratchpadWords: p.scratchpadWords,
    paramWords: p.paramWords,
    kv: { words: p.kvWords, rowWords: p.kvRowWords, context: p.context, format: p.kvFormat },
    attention: p.attention,
    rows: p.rows,
    buffers: p.buffers.map((b) => ({ name: b.name, base: b.base, rowWords: b.rowWords, rows: b.rows })),
    params: p.params.map((x) => ({ name: x.name, base: x.base, words: x.words, source: x.source })),
    engineLayers: p.engineLayers,
  };
}
