/**
 * The generated RTL against the reference: the Verilator C++ harness (1e5 token vectors per
 * preset, seeded random stalls and back-pressure), the cocotb benches on Verilator and Icarus,
 * and the mutation check. Seeds are fixed and printed by the benches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateRtl, writeRtl } from '../../src/codegen/verilog.js';
import { ARCH_PRESETS, parseArch } from '../../src/ir/arch.js';
import { loadModel } from '../../src/ir/load.js';
import { syntheticModelDir } from '../../src/util/paths.js';
import { runCocotb, type Bench, type Sim } from '../../src/verify/cocotb.js';
import { writeQuantizerVectors, writeVectorsForPlan } from '../../src/verify/vectors.js';
import { runHarness } from '../../src/verify/verilator.js';
import { BASE3_ARCH, ODD_BINARY_ARCH, runMutations } from '../../scripts/mutate-rtl.js';
import { fixture, repoRoot, tmpDir } from '../helpers.js';

const model = loadModel(syntheticModelDir());

describe('Verilator harness: 1e5 token vectors per preset, bit-exact', () => {
  for (const preset of ['tiny', 'default'] as const) {
    it(`preset ${preset}`, () => {
      const d = generateRtl(model, ARCH_PRESETS[preset]!);
      const vec = path.join(tmpDir(), 'v.bin');
      writeVectorsForPlan(model, d.plan, 100_000, 2024, vec);
      const r = runHarness(d, vec, { seed: 2024, inStall: 15, outStall: 15 });
      expect(r.vectors).toBe(100_000);
      expect(r.first_mismatches).toEqual([]);
      expect(r.mismatches).toBe(0);
      expect(r.c_error).toBe(0);
    }, 900_000);
  }
  it('binary weights with weight groups and 2^(b-1) scaling, and odd lane/SIMD sizes', () => {
    const bin = loadModel(fixture({ format: 'paper-binary', groups: 4 }));
    for (const arch of [ARCH_PRESETS['tiny-binary']!, parseArch({ name: 'odd', lanes: 3, simd: 5, weightKind: 'binary', treePipeline: 1, weightMemory: 'rom', clockMHz: 50 }, 't')]) {
      const d = generateRtl(bin, arch);
      const vec = path.join(tmpDir(), 'v.bin');
      writeVectorsForPlan(bin, d.plan, 3000, 7, vec);
      const r = runHarness(d, vec, { seed: 7, inStall: 40, outStall: 40 });
      expect(r.mismatches).toBe(0);
    }
    const odd = parseArch({ name: 'odd-t', lanes: 5, simd: 7, weightKind: 'ternary', treePipeline: 0, weightMemory: 'rom', clockMHz: 50 }, 't');
    const d = generateRtl(model, odd);
    const vec = path.join(tmpDir(), 'v.bin');
    writeVectorsForPlan(model, d.plan, 3000, 8, vec);
    expect(runHarness(d, vec, { seed: 8, inStall: 50, outStall: 60 }).mismatches).toBe(0);
  });
  it('base-3 weight memory (1.6 bits per weight) on two sizes, one with a partial last byte', () => {
    for (const arch of [ARCH_PRESETS['tiny-base3']!, parseArch({ name: 'b3odd', lanes: 3, simd: 7, weightKind: 'ternary', treePipeline: 1, weightMemory: 'rom', weightPacking: 'base3', clockMHz: 50 }, 't')]) {
      const d = generateRtl(model, arch);
      const vec = path.join(tmpDir(), 'v.bin');
      writeVectorsForPlan(model, d.plan, 3000, 13, vec);
      const r = runHarness(d, vec, { seed: 13, inStall: 30, outStall: 30 });
      expect(r.vectors).toBe(3000);
      expect(r.mismatches).toBe(0);
    }
  }, 300_000);
  it('load-port designs: weights written through the port by the harness, then bit-exact', () => {
    for (const [lanes, simd] of [[7, 12], [16, 32]] as const) {
      const d = generateRtl(model, parseArch({ name: 'lp', lanes, simd, weightKind: 'ternary', treePipeline: 2, weightMemory: 'load-port', clockMHz: 100 }, 't'));
      const vec = path.join(tmpDir(), 'v.bin');
      writeVectorsForPlan(model, d.plan, 800, 12, vec);
      expect(runHarness(d, vec, { seed: 12, inStall: 25, outStall: 25 }).mismatches).toBe(0);
    }
  }, 300_000);
  it('a single-layer design (--layer) matches too', () => {
    const d = generateRtl(model, ARCH_PRESETS['tiny']!, 'layers.0.ffn.down');
    const vec = path.join(tmpDir(), 'v.bin');
    writeVectorsForPlan(model, d.plan, 500, 9, vec);
    expect(runHarness(d, vec, { seed: 9, inStall: 10, outStall: 10 }).mismatches).toBe(0);
  });
});

describe('cocotb benches (driver, monitor, model, checker)', () => {
  const d = generateRtl(model, ARCH_PRESETS['tiny']!);
  const dir = tmpDir();
  const vec = path.join(dir, 'engine.bin');
  const qvec = path.join(dir, 'quant.bin');
  writeVectorsForPlan(model, d.plan, 60, 31, vec);
  writeQuantizerVectors(model, d.plan, 20_000, 31, qvec);
  const env = {
    BNHW_VECTORS: vec,
    BNHW_QVECTORS: qvec,
    BNHW_SEED: '31',
    BNHW_P: String(d.plan.P),
    BNHW_S: String(d.plan.S),
    BNHW_TERNARY: '1',
    BNHW_ACCW: String(d.view.widths['accW']),
    BNHW_FRAMES: '150',
  };
  for (const sim of ['verilator', 'icarus'] as Sim[]) {
    for (const bench of ['quantizer', 'mac_array', 'engine'] as Bench[]) {
      it(`${bench} on ${sim}`, () => {
        const r = runCocotb(d, bench, sim, env);
        if (!r.passed) console.log(r.log.slice(-4000));
        expect(r.passed).toBe(true);
        expect(r.tests).toBe(1);
      });
    }
  }
});

describe('verify command', () => {
  it('prints {vectors, mismatches, cycles, sim} and exits 0; a corrupted RTL folder exits 1', () => {
    const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
    const ok = spawnSync(process.execPath, [bin, 'verify', syntheticModelDir(), '--arch', 'tiny', '--vectors', '300', '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc).toMatchObject({ vectors: 300, mismatches: 0, sim: 'verilator' });
    expect(doc.cycles).toBeGreaterThan(0);
    expect(doc.per_layer.length).toBe(14);
    const rtl = tmpDir();
    writeRtl(generateRtl(model, ARCH_PRESETS['tiny']!), rtl);
    const f = path.join(rtl, 'bnhw_dq.v');
    const src = fs.readFileSync(f, 'utf8');
    expect(src).toContain('{g_neg, g_expr[7:0], g_frac}');
    fs.writeFileSync(f, src.replace('{g_neg, g_expr[7:0], g_frac}', "{1'b0, g_expr[7:0], g_frac}"));
    const bad = spawnSync(process.execPath, [bin, 'verify', syntheticModelDir(), '--arch', 'tiny', '--rtl', rtl, '--vectors', '100', '--json'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).mismatches).toBeGreaterThan(0);
    const other = spawnSync(process.execPath, [bin, 'verify', syntheticModelDir(), '--arch', 'default', '--rtl', rtl, '--json'], { encoding: 'utf8' });
    expect(other.status).toBe(2);
    expect(JSON.parse(other.stdout).error.diagnostics[0].code).toBe('VER011');
  });
});

describe('mutation check', () => {
  it('kills every one of at least 20 seeded RTL mutants', () => {
    const bin = fixture({ format: 'paper-binary', hidden: 64, layers: 1, heads: 4, kvHeads: 2, ffnHidden: 96, vocab: 64, groups: 2, seed: 3 });
    const results = runMutations(
      [
        { modelDir: syntheticModelDir(), arch: 'tiny' },
        { modelDir: bin, arch: 'tiny-binary' },
        { modelDir: syntheticModelDir(), arch: BASE3_ARCH },
        { modelDir: bin, arch: ODD_BINARY_ARCH },
      ],
      400,
    );
    console.log(results.map((r) => `${r.killed ? 'killed  ' : 'SURVIVED'} ${r.name}: ${r.how}`).join('\n'));
    expect(results.length).toBeGreaterThanOrEqual(30);
    expect(results.filter((r) => !r.killed).map((r) => r.name)).toEqual([]);
  }, 600_000);
});
