import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateRtl, writeRtl } from '../../src/codegen/verilog.js';
import { ARCH_PRESETS, parseArch, type ArchSpec } from '../../src/ir/arch.js';
import { loadModel } from '../../src/ir/load.js';
import { asBitLinear } from '../../src/ir/types.js';
import { planEngine, signedBits } from '../../src/ir/engine-plan.js';
import { accumulatorBits } from '../../src/numerics/index.js';
import { syntheticModelDir } from '../../src/util/paths.js';
import { codesOf, fixture, tmpDir } from '../helpers.js';

const odd = (lanes: number, simd: number, treePipeline: number, weightKind: 'ternary' | 'binary' = 'ternary', weightMemory: 'rom' | 'load-port' = 'rom'): ArchSpec =>
  parseArch({ name: `p${lanes}s${simd}t${treePipeline}`, lanes, simd, weightKind, treePipeline, weightMemory, clockMHz: 100 }, 'test');

function lint(dir: string, sources: readonly string[]): string {
  const r = spawnSync('verilator', ['--lint-only', '-Wall', '--top-module', 'bnhw_engine', ...sources.map((s) => path.join(dir, s))], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : `\nexit ${r.status}`);
}

function icarus(dir: string, sources: readonly string[]): string {
  const r = spawnSync('iverilog', ['-g2005', '-Wall', '-o', path.join(dir, 'a.vvp'), '-s', 'bnhw_engine', ...sources.map((s) => path.join(dir, s))], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : `\nexit ${r.status}`);
}

describe('RTL generation', () => {
  const model = loadModel(syntheticModelDir());
  const binModel = loadModel(fixture({ format: 'paper-binary', groups: 2 }));
  const cases: [string, ReturnType<typeof loadModel>, ArchSpec][] = [
    ['tiny', model, ARCH_PRESETS['tiny']!],
    ['default', model, ARCH_PRESETS['default']!],
    ['tiny-binary (groups)', binModel, ARCH_PRESETS['tiny-binary']!],
    ['odd 3x5, no tree registers', model, odd(3, 5, 0)],
    ['odd 5x7, a register every level', model, odd(5, 7, 1)],
    ['1x2', model, odd(1, 2, 0)],
    ['base-3 weights, 3x7 (a partial last byte)', model, parseArch({ name: 'b3', lanes: 3, simd: 7, weightKind: 'ternary', treePipeline: 1, weightMemory: 'rom', weightPacking: 'base3', clockMHz: 100 }, 'test')],
    ['load port, 7x12 binary', binModel, odd(7, 12, 3, 'binary', 'load-port')],
  ];
  for (const [name, m, arch] of cases) {
    it(`is clean under verilator --lint-only -Wall and iverilog -Wall: ${name}`, () => {
      const d = generateRtl(m, arch);
      const dir = tmpDir('bnhw-rtl-');
      writeRtl(d, dir);
      expect(lint(dir, d.manifest.sources)).toBe('');
      expect(icarus(dir, d.manifest.sources)).toBe('');
    });
  }
  it('is byte-for-byte reproducible and free of paths and timestamps', () => {
    const a = generateRtl(model, ARCH_PRESETS['tiny']!);
    const b = generateRtl(loadModel(syntheticModelDir()), ARCH_PRESETS['tiny']!);
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
    for (const [, content] of a.files) {
      expect(content).not.toMatch(/\/(tmp|work|home|root)\//);
      expect(content).not.toMatch(/20\d\d-\d\d-\d\d/);
    }
  });
  it('derives widths from the worst case: accumulator = accumulatorBits(longest input)', () => {
    const plan = planEngine(model, ARCH_PRESETS['default']!);
    expect(plan.accBits).toBe(accumulatorBits(320));
    // Root of a 32-leaf tree plus the negative-weight count: [-128*32, 128*32].
    expect(plan.treeOutWidth).toBe(signedBits(-4096, 4096));
    expect(plan.tree.at(-1)!.nodes[0]!.leaves).toBe(32);
    expect(plan.wDepth).toBe(plan.layers.reduce((a, l) => a + l.tiles * l.chunks, 0));
  });
  it('writes a manifest with ports, memory map and layer table; one layer with --layer', () => {
    const d = generateRtl(model, ARCH_PRESETS['tiny']!, 'layers.1.ffn.down');
    expect(d.manifest.layers.map((l) => l.name)).toEqual(['layers.1.ffn.down']);
    expect(d.manifest.ports.map((p) => p.name)).toContain('m_ready');
    expect(d.manifest.memories[0]!.init).toBe('bnhw_weights.hex');
    const hex = d.files.get('bnhw_weights.hex')!.trim().split('\n');
    expect(hex.length).toBe(d.manifest.memories[0]!.words);
    expect(hex[0]!.length).toBe(Math.ceil((4 * 8 * 2) / 4));
  });
  it('rejects a model/architecture mismatch, unknown layers and unsupported quantization', () => {
    expect(codesOf(() => generateRtl(model, ARCH_PRESETS['tiny-binary']!))).toContain('AR010');
    expect(codesOf(() => generateRtl(model, ARCH_PRESETS['tiny']!, 'layers.9.attn.q'))).toEqual(['CG010']);
    expect(codesOf(() => parseArch({ name: 'x', lanes: 0, simd: 4, weightKind: 'ternary', treePipeline: 1, weightMemory: 'rom', clockMHz: 1 }, 'f'))).toEqual(['AR003']);
    const tensorModel = { ...model, ir: { ...model.ir, layers: model.ir.layers.map((l) => ({ ...l, attention: { ...l.attention, q: { ...asBitLinear(l.attention.q), actQuant: { ...asBitLinear(l.attention.q).actQuant, granularity: 'per-tensor' as const } } } })) } };
    expect(codesOf(() => generateRtl(tensorModel, ARCH_PRESETS['tiny']!))).toContain('CG001');
  });
  it('writeRtl replaces the output folder atomically', () => {
    const dir = tmpDir('bnhw-out-');
    fs.writeFileSync(path.join(dir, 'stale.v'), 'junk');
    writeRtl(generateRtl(model, ARCH_PRESETS['tiny']!), dir);
    expect(fs.existsSync(path.join(dir, 'stale.v'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'bnhw_engine.v'))).toBe(true);
  });
});
