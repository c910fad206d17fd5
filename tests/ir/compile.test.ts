/**
 * The program compiler: scratchpad placement never overlaps two live buffers, the binary image
 * is reproducible and carries every operand, chained BitLinears are marked, impossible or
 * malformed architectures get coded errors, and the `compile` command prints, writes and refuses
 * as the CLI rules say.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ARCH_PRESETS, parseArch } from '../../src/ir/arch.js';
import { compileProgram } from '../../src/ir/compile.js';
import { loadModel } from '../../src/ir/load.js';
import { MODEL_PRESETS, shapeIR } from '../../src/ir/presets.js';
import { OPCODES, reads, writes, type Program } from '../../src/ir/program.js';
import { encodeProgram, IMAGE_WORDS_PER_INSTR } from '../../src/ir/program-image.js';
import { COUNTED_UNITS, programDeps } from '../../src/ir/deps.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { codesOf, fixture, repoRoot, tmpDir } from '../helpers.js';

const model = loadModel(defaultModelDir());

function liveRanges(p: Program): { first: number[]; last: number[] } {
  const first = p.buffers.map(() => Infinity);
  const last = p.buffers.map(() => -1);
  p.instructions.forEach((i, pc) => {
    for (const b of [...reads(i), ...writes(i)]) {
      first[b] = Math.min(first[b]!, pc);
      last[b] = Math.max(last[b]!, pc);
    }
  });
  for (const name of ['x', 'logits']) {
    const id = p.buffers.findIndex((b) => b.name === name);
    first[id] = 0;
    last[id] = p.instructions.length;
  }
  return { first, last };
}

describe('program compiler', () => {
  const programs: [string, Program][] = [
    ['bitnet-b158 on tiny', compileProgram(model.ir, ARCH_PRESETS['tiny']!)],
    ['2b4t on default', compileProgram(shapeIR(MODEL_PRESETS['2b4t']!), ARCH_PRESETS['default']!)],
    ['paper-125m on default-binary', compileProgram(shapeIR(MODEL_PRESETS['paper-125m']!), ARCH_PRESETS['default-binary']!)],
    ['GQA fixture on tiny', compileProgram(loadModel(fixture({ format: 'hf-packed' })).ir, ARCH_PRESETS['tiny']!)],
  ];
  for (const [name, p] of programs) {
    it(`${name}: no two live buffers share a word; every buffer inside the scratchpad`, () => {
      const { first, last } = liveRanges(p);
      const used = p.buffers.map((_, i) => i).filter((i) => last[i]! >= 0);
      for (const a of used) {
        const A = p.buffers[a]!;
        expect(A.base + A.words).toBeLessThanOrEqual(p.scratchpadWords);
        for (const b of used) {
          if (b <= a) continue;
          const B = p.buffers[b]!;
          const liveTogether = first[a]! <= last[b]! && first[b]! <= last[a]!;
          const overlap = A.base < B.base + B.words && B.base < A.base + A.words;
          expect(liveTogether && overlap, `${A.name}@${A.base} and ${B.name}@${B.base} live together`).toBe(false);
        }
      }
    });
  }
  it('chains q, k, v and gate, up; every BitLinear exactly once per token, in engine-plan order', () => {
    const p = programs[0]![1];
    const lins = p.instructions.filter((i) => i.op === 'lin') as Extract<Program['instructions'][number], { op: 'lin' }>[];
    expect(lins.map((l) => l.layer)).toEqual(p.engineLayers.map((_, i) => i));
    expect(lins.map((l) => l.chain)).toEqual(p.engineLayers.map((n) => /attn\.(k|v)$|ffn\.up$/.test(n)));
    expect(p.instructions.at(-1)!.op).toBe('end');
  });
  it('the image is reproducible, twelve words per instruction, opcode in the low byte, the issue rule\'s waits', () => {
    const p = programs[1]![1];
    const a = encodeProgram(p);
    const b = encodeProgram(compileProgram(shapeIR(MODEL_PRESETS['2b4t']!), ARCH_PRESETS['default']!));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.length).toBe(p.instructions.length * IMAGE_WORDS_PER_INSTR * 4);
    const w = new Uint32Array(a.buffer, a.byteOffset, a.length / 4);
    p.instructions.forEach((ins, pc) => expect(w[pc * IMAGE_WORDS_PER_INSTR]! & 0xff).toBe(OPCODES[ins.op]));
    // lin: src and dst scratchpad addresses, the engine layer id.
    const pc = p.instructions.findIndex((i) => i.op === 'lin');
    const lin = p.instructions[pc] as Extract<Program['instructions'][number], { op: 'lin' }>;
    const W = IMAGE_WORDS_PER_INSTR;
    expect([...w.subarray(pc * W + 1, pc * W + 4)]).toEqual([p.buffers[lin.src]!.base, p.buffers[lin.dst]!.base, lin.layer]);
    // the waits: sixteen bits per unit in words 8-10, as src/ir/deps.ts computes them
    const deps = programDeps(p);
    p.instructions.forEach((_, k) => {
      const got = COUNTED_UNITS.map((_u, j) => (w[k * W + 8 + (j >> 1)]! >>> (16 * (j & 1))) & 0xffff);
      expect(got).toEqual(COUNTED_UNITS.map((u) => deps.wait[k]![u]));
    });
    // end waits for every instruction; the first lin for the norm before it
    expect(COUNTED_UNITS.map((u) => deps.wait[p.instructions.length - 1]![u])).toEqual(COUNTED_UNITS.map((u) => deps.total[u]));
    expect(deps.wait[pc]!.vector).toBeGreaterThan(0);
  });
  it('a scratchpad too small, a context too short for use, malformed machine fields: coded errors', () => {
    expect(codesOf(() => compileProgram(model.ir, parseArch({ ...ARCH_PRESETS['tiny']!, machine: { scratchpadWords: 100 } }, 't')))).toEqual(['PRG001']);
    expect(codesOf(() => parseArch({ ...ARCH_PRESETS['tiny']!, machine: { vectorLanes: 0, divCycles: 3, kvFormat: 'fp8', bogus: 1 } }, 't'))).toEqual(['AR003', 'AR003', 'AR003', 'AR003']);
    const p = compileProgram(model.ir, parseArch({ ...ARCH_PRESETS['tiny']!, machine: { context: 64 } }, 't'));
    expect(p.context).toBe(64);
    expect(p.kvWords).toBe(model.ir.layers.length * 64 * 2 * p.kvRowWords);
  });
});

describe('compile command', () => {
  const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
  const cli = (...a: string[]) => spawnSync(process.execPath, [bin, ...a], { encoding: 'utf8' });
  it('prints the listing, writes program.{bin,json,lst}, refuses a foreign folder and a wrong weight kind', () => {
    const r = cli('compile', defaultModelDir(), '--arch', 'tiny', '--listing');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^; bitnet-hw accelerator program v2/);
    expect(r.stdout).toMatch(/0005 {2}lin {5}layers\.0\.attn\.q@/);
    const out = path.join(tmpDir(), 'prog');
    const w = cli('compile', defaultModelDir(), '--arch', 'tiny', '--out', out, '--json');
    expect(w.status, w.stderr).toBe(0);
    const doc = JSON.parse(w.stdout) as { instructions: number; imageSha256: string };
    expect(fs.readdirSync(out).filter((f) => !f.startsWith('.')).sort()).toEqual(['program.bin', 'program.json', 'program.lst']);
    expect(fs.statSync(path.join(out, 'program.bin')).size).toBe(doc.instructions * IMAGE_WORDS_PER_INSTR * 4);
    expect(cli('compile', defaultModelDir(), '--arch', 'tiny', '--out', out).status).toBe(0); // ours: replaced
    const foreign = tmpDir();
    fs.writeFileSync(path.join(foreign, 'keep.txt'), 'mine');
    const f = cli('compile', defaultModelDir(), '--arch', 'tiny', '--out', foreign);
    expect(f.status).toBe(2);
    expect(fs.readFileSync(path.join(foreign, 'keep.txt'), 'utf8')).toBe('mine');
    expect(cli('compile', defaultModelDir(), '--arch', 'tiny-binary').status).toBe(2);
    expect(cli('compile', '2b4t', '--arch', 'default', '--bogus').status).toBe(2);
  });
});
