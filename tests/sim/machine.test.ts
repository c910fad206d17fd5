/**
 * The accelerator program on the machine: `--backend sim` logits bit-identical to
 * `--backend ref --numerics hw` on the whole shipped held-out text and on greedy generation from
 * the fidelity prompts; the issue rule honoured by every trace; a GQA fixture and the binary model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTokens, runTokens } from '../../src/backend.js';
import { ARCH_PRESETS, parseArch } from '../../src/ir/arch.js';
import { loadModel } from '../../src/ir/load.js';
import { allBitLinears } from '../../src/ir/types.js';
import { reads, writes } from '../../src/ir/program.js';
import { unitOf } from '../../src/ir/units.js';
import { createKvCache, forward, generateGreedy } from '../../src/ref/model.js';
import { createMachine } from '../../src/sim/model.js';
import { heldoutTextPath, packageRoot } from '../../src/util/paths.js';
import { FIDELITY_PROMPTS } from '../../src/verify/fidelity.js';
import { codesOf, fixture } from '../helpers.js';

const text = [...fs.readFileSync(heldoutTextPath())];
const b158 = loadModel(path.join(packageRoot(), 'models', 'bitnet-b158'));
const binary = loadModel(path.join(packageRoot(), 'models', 'bitnet-binary'));

function firstDiff(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

describe('sim backend equals the hw reference bit for bit', () => {
  for (const [name, model, arch] of [['bitnet-b158', b158, 'tiny'], ['bitnet-binary', binary, 'tiny-binary']] as const) {
    it(`${name}: every position of the held-out text, teacher-forced in 128-byte windows`, () => {
      let positions = 0;
      for (let w = 0; w + 129 <= text.length; w += 128) {
        const seq = text.slice(w, w + 128);
        const sim = runTokens(model, seq, { kind: 'sim', arch: ARCH_PRESETS[arch]! });
        const ref = forward(model, seq, createKvCache(model, 128), { numerics: 'hw', logits: 'all' });
        const d = firstDiff(sim.logits, ref);
        expect(d, `window at byte ${w}: first differing logit ${d} (position ${Math.floor(d / 258)})`).toBe(-1);
        positions += seq.length;
      }
      console.log(`${name}: sim == ref hw on ${positions} held-out positions`);
      expect(positions).toBeGreaterThanOrEqual(3968);
    }, 300_000);
  }
  it('bitnet-b158: greedy 128 tokens from each of the 16 fidelity prompts, the same tokens', () => {
    for (const p of FIDELITY_PROMPTS) {
      const toks = [b158.ir.bosToken!, ...Buffer.from(p, 'utf8')];
      const sim = generateTokens(b158, toks, 128, { kind: 'sim', arch: ARCH_PRESETS['tiny']! }, false);
      const ref = generateGreedy(b158, toks, 128, { numerics: 'hw' });
      expect(sim.tokens, `prompt ${JSON.stringify(p)}`).toEqual(ref);
      expect(sim.cycles).toBeGreaterThan(0);
    }
  }, 300_000);
  it('a grouped-query (4 heads, 2 KV heads) LayerNorm GeLU fixture and a SwiGLU one', () => {
    for (const spec of [{ format: 'paper-binary' as const, groups: 2 }, { format: 'hf-packed' as const }, { format: 'llama-1bitllm' as const }]) {
      const m = loadModel(fixture(spec));
      const kind = allBitLinears(m.ir)[0]!.weight.weightKind;
      const toks = [1, 5, 9, 3, 30, 2, 7];
      const sim = runTokens(m, toks, { kind: 'sim', arch: ARCH_PRESETS[kind === 'binary' ? 'tiny-binary' : 'tiny']! });
      const ref = forward(m, toks, createKvCache(m, toks.length), { numerics: 'hw', logits: 'all' });
      expect(firstDiff(sim.logits, ref), `${spec.format} (${m.ir.layers[0]!.ffn.activation}, ${m.ir.layers[0]!.attnNorm.type})`).toBe(-1);
    }
  }, 120_000);
  it('the KV cache format is the architecture\'s: bf16 KV on both sides', () => {
    const arch = parseArch({ ...ARCH_PRESETS['tiny']!, name: 'tiny-kvbf16', machine: { kvFormat: 'bf16' } }, 't');
    const seq = text.slice(0, 64);
    const sim = runTokens(b158, seq, { kind: 'sim', arch });
    const ref = forward(b158, seq, createKvCache(b158, 64), { numerics: 'hw', logits: 'all', kvFormat: 'bf16' });
    expect(firstDiff(sim.logits, ref)).toBe(-1);
    const fp32 = forward(b158, seq, createKvCache(b158, 64), { numerics: 'hw', logits: 'all' });
    expect(firstDiff(sim.logits, fp32)).toBeGreaterThanOrEqual(0); // the format matters
  });
});

describe('row blocks', () => {
  it('a prompt in blocks of machine.prefillRows gives the last logits and the KV cache of one token at a time', () => {
    const prompt = text.slice(0, 45); // 16 + 16 + 13 rows
    const block = createMachine(b158.ir, ARCH_PRESETS['tiny']!, 100, b158);
    expect(block.program.rows).toBe(16);
    let last = null as Float32Array | null;
    for (let t = 0; t < prompt.length; t += 16) {
      const rows = prompt.slice(t, t + 16);
      const r = block.run(rows, { logits: t + rows.length === prompt.length });
      if (r.logits) last = r.logits;
      expect(r.position).toBe(t);
    }
    const single = createMachine(b158.ir, ARCH_PRESETS['tiny']!, 100, b158);
    let want = null as Float32Array | null;
    for (const t of prompt) want = single.token(t).logits;
    expect(firstDiff(last!, want!)).toBe(-1);
    // Decoding continues identically from both.
    expect(firstDiff(block.token(65).logits!, single.token(65).logits!)).toBe(-1);
    // Weights streamed from DRAM are read once per block, not once per token.
    const dramArch = parseArch({ ...ARCH_PRESETS['tiny']!, system: { onChipWeightBits: 0 } }, 't');
    const dram = (m: ReturnType<typeof createMachine>): number => [...m.actions.values()].find((a) => a.component === 'dram' && a.action === 'read')!.count;
    const b2 = createMachine(b158.ir, dramArch, 100);
    for (let t = 0; t < 48; t += 16) b2.run(new Array(16).fill(0), { logits: false });
    const s2 = createMachine(b158.ir, dramArch, 100);
    for (let t = 0; t < 48; t++) s2.token(0, { logits: false });
    expect(dram(b2) * 16).toBe(dram(s2));
  });
  it('refuses an empty block, one larger than the program\'s, and positions past the KV cache', () => {
    const m = createMachine(b158.ir, ARCH_PRESETS['tiny']!, 100);
    expect(codesOf(() => m.run([]))).toEqual(['SIM002']);
    expect(codesOf(() => m.run(new Array(17).fill(0)))).toEqual(['SIM002']);
    const short = createMachine(b158.ir, parseArch({ ...ARCH_PRESETS['tiny']!, machine: { context: 20 } }, 't'), 100);
    short.run(new Array(16).fill(0));
    expect(codesOf(() => short.run(new Array(5).fill(0)))).toEqual(['SIM001']);
  });
});

describe('the issue rule', () => {
  it('every instruction issues in order, after the instructions it depends on, on a free unit', () => {
    const m = createMachine(b158.ir, ARCH_PRESETS['tiny']!, 100);
    const p = m.program;
    for (let pos = 0; pos < 5; pos++) {
      const r = m.token(0);
      const rng = (id: number): [number, number] => [p.buffers[id]!.base, p.buffers[id]!.base + p.buffers[id]!.words];
      const ov = (a: [number, number], b: [number, number]): boolean => a[0] < b[1] && b[0] < a[1];
      const busyUntil = new Map<string, number>();
      r.trace.forEach((t, pc) => {
        const ins = p.instructions[pc]!;
        if (pc > 0) expect(t.issue).toBeGreaterThan(r.trace[pc - 1]!.issue);
        for (let j = 0; j < pc; j++) {
          const before = p.instructions[j]!;
          const raw = reads(ins).some((a) => writes(before).some((b) => ov(rng(a), rng(b))));
          const waw = writes(ins).some((a) => writes(before).some((b) => ov(rng(a), rng(b))));
          if (raw || waw) expect(t.issue, `pc ${pc} (${ins.op}) after pc ${j} (${before.op})`).toBeGreaterThanOrEqual(r.trace[j]!.finish);
        }
        const u = unitOf(ins);
        if (u !== 'engine' && u !== 'seq') {
          expect(t.issue).toBeGreaterThanOrEqual(busyUntil.get(u) ?? 0);
          busyUntil.set(u, t.finish);
        }
      });
      expect(r.cycles).toBe(Math.max(...r.trace.map((t) => t.finish)));
    }
  });
  it('attention work grows with the position; the first token is cheapest', () => {
    const m = createMachine(b158.ir, ARCH_PRESETS['tiny']!, 100);
    const c = Array.from({ length: 6 }, () => m.token(0).cycles);
    for (let i = 1; i < c.length; i++) expect(c[i]!).toBeGreaterThan(c[i - 1]!);
  });
});
