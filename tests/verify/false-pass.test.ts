/**
 * A checker that can pass what it did not run makes every other figure worthless (issue 9).
 * Seeded mutants of a generated design are verified through the real CLI with `--rtl`, on
 * Verilator and on Icarus: every one must fail (exit 1) and name its first mismatch. The demo must
 * fail too when its RTL check fails: a harness built from a mutant is planted in an isolated cache
 * under the clean design's key (a corrupt cache entry), and the demo has to notice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateRtl, writeRtl } from '../../src/codegen/verilog.js';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { loadModel } from '../../src/ir/load.js';
import { Rng } from '../../src/util/prng.js';
import { syntheticModelDir } from '../../src/util/paths.js';
import { buildHarness, harnessBuildRoot } from '../../src/verify/verilator.js';
import { MUTATIONS } from '../../scripts/mutate-rtl.js';
import { repoRoot, tmpDir } from '../helpers.js';

const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
const model = loadModel(syntheticModelDir());
const design = generateRtl(model, ARCH_PRESETS['tiny']!);

/** Mutants that apply to this design, picked with a fixed, printed seed. */
function pick(seed: number, count: number): { name: string; dir: string }[] {
  const rng = new Rng(seed);
  const applicable = MUTATIONS.filter((m) => {
    const src = design.files.get(m.file);
    return src !== undefined && src.replace(m.find, m.replace) !== src;
  });
  const chosen: typeof applicable = [];
  while (chosen.length < count) {
    const m = applicable[rng.int(0, applicable.length - 1)]!;
    if (!chosen.includes(m)) chosen.push(m);
  }
  return chosen.map((m) => {
    const dir = path.join(tmpDir('bnhw-mutant-'), 'rtl');
    writeRtl(design, dir);
    const f = path.join(dir, m.file);
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(m.find, m.replace));
    return { name: m.name, dir };
  });
}

describe('verify --rtl runs exactly the RTL it is given', () => {
  for (const [sim, seed, vectors] of [['verilator', 41, '400'], ['icarus', 42, '28']] as const) {
    it(`seeded mutants (seed ${seed}) all fail on ${sim}, naming the first mismatch`, () => {
      for (const m of pick(seed, 3)) {
        const r = spawnSync(process.execPath, [bin, 'verify', syntheticModelDir(), '--arch', 'tiny', '--rtl', m.dir, '--sim', sim, '--vectors', vectors, '--json'], { encoding: 'utf8' });
        expect(r.status, `${m.name} on ${sim}: ${r.stderr.slice(-500)}`).toBe(1);
        const doc = JSON.parse(r.stdout) as { passed: boolean; rtl: string; failures: string[]; first_mismatches: { layer: string }[]; rerun: string | null };
        expect(doc.passed).toBe(false);
        expect(doc.rtl).toBe(path.resolve(m.dir));
        expect(doc.failures.length).toBeGreaterThan(0);
        console.log(`mutant "${m.name}" on ${sim}: ${doc.failures.join('; ')}`);
      }
    }, 600_000);
  }
  it('the unmutated folder passes on both simulators, and a mismatch writes a waveform and a rerun command', () => {
    const clean = path.join(tmpDir(), 'rtl');
    writeRtl(design, clean);
    for (const sim of ['verilator', 'icarus']) {
      const r = spawnSync(process.execPath, [bin, 'verify', syntheticModelDir(), '--arch', 'tiny', '--rtl', clean, '--sim', sim, '--vectors', '28', '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr.slice(-500)).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ passed: true, vectors: 28, vectors_requested: 28, mismatches: 0 });
    }
    const [m] = pick(43, 1);
    const trace = path.join(tmpDir(), 'fail.fst');
    const r = spawnSync(process.execPath, [bin, 'verify', syntheticModelDir(), '--arch', 'tiny', '--rtl', m!.dir, '--vectors', '28', '--trace', trace, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { trace: string; rerun: string; first_mismatches: { token: number; tile: number; lane: number; got_hex: string; want_hex: string }[] };
    expect(doc.trace).toBe(trace);
    expect(fs.statSync(trace).size).toBeGreaterThan(100);
    expect(doc.rerun).toContain(`--token ${doc.first_mismatches[0]!.token}`);
    expect(doc.first_mismatches[0]!.got_hex).not.toBe(doc.first_mismatches[0]!.want_hex);
    // The printed rerun command reproduces the failure on that token alone.
    const args = doc.rerun.split(' ').slice(1).map((a) => a.replace(/^'(.*)'$/, '$1')).filter((a, i, all) => a !== '--trace' && all[i - 1] !== '--trace');
    const again = spawnSync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ passed: false, vectors_requested: 1 });
  }, 600_000);
});

describe('demo fails when its checks fail', () => {
  it('a harness that computes wrong results (planted in the cache) makes the demo exit 1', () => {
    const cache = tmpDir('bnhw-cache-');
    const saved = process.env['BITNET_HW_CACHE_DIR'];
    process.env['BITNET_HW_CACHE_DIR'] = cache;
    try {
      const [m] = pick(44, 1);
      const bad = buildHarness(design, { rtlDir: m!.dir });
      const root = path.dirname(path.dirname(bad.exe));
      fs.cpSync(root, harnessBuildRoot(design), { recursive: true });
      const out = path.join(tmpDir(), 'demo');
      const r = spawnSync(process.execPath, [bin, 'demo', syntheticModelDir(), '--arch', 'tiny', '--vectors', '28', '--out', out, '--json'], { encoding: 'utf8', env: { ...process.env, BITNET_HW_CACHE_DIR: cache } });
      expect(r.status, r.stderr.slice(-800)).toBe(1);
      const doc = JSON.parse(r.stdout) as { passed: boolean; failures: string[] };
      expect(doc.passed).toBe(false);
      expect(doc.failures.some((f) => f.startsWith('rtl-verify:'))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['BITNET_HW_CACHE_DIR'];
      else process.env['BITNET_HW_CACHE_DIR'] = saved;
    }
  }, 600_000);
});
