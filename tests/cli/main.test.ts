/** The CLI as a user runs it: the compiled bin, real processes, exit codes and JSON documents. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture, repoRoot, tmpDir } from '../helpers.js';

const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('bitnet-hw CLI (needs `npm run build`)', () => {
  const model = fixture({ format: 'hf-packed' });

  it('inspect --json prints one JSON document with config, counts and tensors', () => {
    const r = cli('inspect', model, '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.source).toBe('hf-packed');
    expect(doc.weight_kind).toBe('ternary');
    expect(doc.config.kv_heads).toBe(2);
    expect(doc.parameters.total).toBeGreaterThan(doc.parameters.linear);
    expect(doc.tensors.find((t: { name: string }) => t.name === 'model.embed_tokens.weight').dtype).toBe('bf16');
  });
  it('run --json gives tokens, one logits row per position, and argmax', () => {
    for (const numerics of ['float', 'hw']) {
      const r = cli('run', model, '--tokens', '1,2,3', '--numerics', numerics, '--json');
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout) as { tokens: number[]; logits: number[][]; argmax: number[] };
      expect(Object.keys(doc).sort()).toEqual(['argmax', 'backend', 'logits', 'numerics', 'schema', 'tokens']);
      expect(doc.tokens).toEqual([1, 2, 3]);
      expect(doc.logits.length).toBe(3);
      expect(doc.logits[0]!.length).toBe(40);
      doc.argmax.forEach((a, i) => expect(doc.logits[i]![a]).toBe(Math.max(...doc.logits[i]!)));
    }
  });
  it('run and generate --backend sim equal --backend ref --numerics hw; backend flags are checked', () => {
    const sim = cli('run', model, '--tokens', '1,2,3,9', '--backend', 'sim', '--json');
    expect(sim.status, sim.stderr).toBe(0);
    const ref = cli('run', model, '--tokens', '1,2,3,9', '--numerics', 'hw', '--json');
    const a = JSON.parse(sim.stdout) as { logits: number[][]; cycles: number; backend: string };
    expect(a.logits).toEqual((JSON.parse(ref.stdout) as { logits: number[][] }).logits);
    expect(a.backend).toBe('sim');
    expect(a.cycles).toBeGreaterThan(0);
    const g1 = JSON.parse(cli('generate', model, '--tokens', '1,2', '--max-tokens', '6', '--backend', 'sim', '--json').stdout);
    const g2 = JSON.parse(cli('generate', model, '--tokens', '1,2', '--max-tokens', '6', '--numerics', 'hw', '--json').stdout);
    expect(g1.generated).toEqual(g2.generated);
    for (const bad of [['--backend', 'fpga'], ['--backend', 'sim', '--numerics', 'float'], ['--arch', 'tiny'], ['--backend', 'sim', '--arch', 'tiny-binary']]) {
      const r = cli('run', model, '--tokens', '1,2', ...bad);
      expect(r.status, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error (CLI016|CLI017|CLI018|AR010)/);
    }
  });
  it('usage errors and bad values exit 2 with a coded message', () => {
    expect(cli('run', model).status).toBe(2); // missing --tokens
    const bad = cli('run', model, '--tokens', '1,x', '--json');
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout).error.diagnostics[0].code).toBe('CLI002');
    expect(cli('run', model, '--tokens', '1', '--numerics', 'fp8').status).toBe(2);
    expect(cli('run', model, '--tokens', '1000').status).toBe(2);
    expect(cli('frobnicate').status).toBe(2);
    expect(cli().status).toBe(2);
    expect(cli('--help').status).toBe(0);
    expect(cli('run', '--help').stdout).toContain('--numerics');
  });
  it('convert writes an IR file that inspect, run and dump accept, with identical results', () => {
    const out = path.join(tmpDir(), 'm.bitnet.safetensors');
    expect(cli('convert', model, '--out', out).status).toBe(0);
    const a = JSON.parse(cli('run', model, '--tokens', '4,5', '--numerics', 'hw', '--json').stdout);
    const b = JSON.parse(cli('run', out, '--tokens', '4,5', '--numerics', 'hw', '--json').stdout);
    expect(b).toEqual(a);
    expect(cli('dump', out).stdout).toBe(cli('dump', model).stdout);
  });
  it('generate and validate', () => {
    const g = cli('generate', model, '--tokens', '2,3', '--max-tokens', '4', '--json');
    expect(g.status).toBe(0);
    expect(JSON.parse(g.stdout).generated.length).toBeLessThanOrEqual(4);
    expect(JSON.parse(cli('validate', model, '--json').stdout).valid).toBe(true);
  });
  it('eval reports held-out bits per byte; generate continues a text prompt', () => {
    const e = cli('eval', path.join(repoRoot(), 'models', 'bitnet-b158'), '--json');
    expect(e.status).toBe(0);
    const doc = JSON.parse(e.stdout);
    expect(Object.keys(doc).sort()).toEqual(['backend', 'bits_per_byte', 'next_byte_accuracy', 'numerics', 'perplexity', 'schema', 'tokens']);
    expect(doc.tokens).toBeGreaterThan(1000);
    expect(doc.bits_per_byte).toBeGreaterThan(0);
    expect(doc.bits_per_byte).toBeLessThan(8); // better than a uniform byte model
    // The same text through the accelerator program on the simulator and through the hw reference.
    const es = JSON.parse(cli('eval', path.join(repoRoot(), 'models', 'bitnet-b158'), '--backend', 'sim', '--arch', 'tiny', '--json').stdout);
    const eh = JSON.parse(cli('eval', path.join(repoRoot(), 'models', 'bitnet-b158'), '--numerics', 'hw', '--json').stdout);
    expect(es.bits_per_byte).toBe(eh.bits_per_byte);
    expect(es).toMatchObject({ backend: 'sim', numerics: 'hw', tokens: doc.tokens });
    expect(Math.abs(eh.bits_per_byte - doc.bits_per_byte) / doc.bits_per_byte).toBeLessThan(0.005);
    const g = cli('generate', path.join(repoRoot(), 'models', 'bitnet-b158'), '--prompt', 'The ', '--max-tokens', '12', '--json');
    expect(g.status).toBe(0);
    expect(JSON.parse(g.stdout).generated.length).toBeGreaterThan(0);
  }, 120_000);
  it('demo runs every pipeline step on the shipped default model', { timeout: 300_000 }, () => {
    const out = tmpDir('bnhw-demo-');
    const r = cli('demo', '--json', '--out', out, '--vectors', '300');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { steps: { step: string; summary: Record<string, unknown> }[] };
    expect(doc.steps.map((s) => s.step)).toEqual([
      'import', 'validate', 'reference-float', 'reference-hw', 'bitlinear-kernels', 'generate',
      'accelerator-program', 'rtl-generate', 'rtl-verify', 'whole-rtl', 'simulate', 'energy-report',
    ]);
    const whole = doc.steps.find((s) => s.step === 'whole-rtl')!.summary;
    expect(whole['passed']).toBe(true);
    expect(whole['mismatches']).toBe(0);
    expect(whole['rtl_cycles']).toBe(whole['sim_cycles']);
    expect(fs.existsSync(path.join(out, 'whole', 'manifest.json'))).toBe(true);
    expect(doc.steps.find((s) => s.step === 'bitlinear-kernels')!.summary['mismatches']).toBe(0);
    expect(doc.steps.find((s) => s.step === 'rtl-verify')!.summary['mismatches']).toBe(0);
    expect(doc.steps.find((s) => s.step === 'simulate')!.summary['layers_cycle_exact_with_rtl']).toMatch(/^(\d+)\/\1$/);
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(true);
  });
});
