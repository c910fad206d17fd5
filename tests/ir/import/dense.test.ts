/**
 * The full-precision baseline (dense linear layers) is a model the float reference runs, so the
 * comparison a BitNet exists for can be made; the hw numerics and every hardware command refuse
 * it with a coded error and write nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/ir/load.js';
import { allLinears, isBitNet } from '../../../src/ir/types.js';
import { runSequence } from '../../../src/ref/model.js';
import { applyDense } from '../../../src/ref/ops.js';
import { getF32 } from '../../../src/ref/tensors.js';
import { codesOf, repoRoot, tmpDir } from '../../helpers.js';

const fp = path.join(repoRoot(), 'models', 'fp-baseline');
const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('the full-precision baseline', () => {
  it('imports as dense linears; a dense layer is W x as stored, rounded once to f32; the float reference runs it and hw numerics refuse it', () => {
    const m = loadModel(fp);
    expect(m.ir.source).toBe('hf-dense');
    expect(isBitNet(m.ir)).toBe(false);
    const lins = allLinears(m.ir);
    expect(lins.length).toBe(28);
    for (const l of lins) expect(l.kind).toBe('dense-linear');
    // A dense layer is W x with W as stored: check one output of layers.0.attn.q against its definition.
    const q = m.ir.layers[0]!.attention.q;
    if (q.kind !== 'dense-linear') throw new Error('expected a dense layer');
    const w = getF32(m.tensors, q.weight);
    expect(w.length).toBe(q.outFeatures * q.inFeatures);
    const x = Float32Array.from({ length: 2 * q.inFeatures }, (_, i) => Math.sin(i * 0.37) * 3);
    const y = applyDense(q, m.tensors, x, 2);
    for (const [t, row] of [[0, 0], [1, 77], [1, 127]] as const) {
      let acc = 0;
      for (let c = 0; c < q.inFeatures; c++) acc += w[row * q.inFeatures + c]! * x[t * q.inFeatures + c]!;
      expect(y[t * q.outFeatures + row]).toBe(Math.fround(acc));
    }
    const r = runSequence(m, [256, 84, 104], { numerics: 'float' });
    expect(r.argmax.length).toBe(3);
    for (const v of r.logits) expect(Number.isFinite(v)).toBe(true);
    expect(codesOf(() => runSequence(m, [1], { numerics: 'hw' }))).toEqual(['RUN010']);
  });
  it('inspect, eval and generate accept it; every hardware command refuses it (IR080) and writes nothing', () => {
    const ins = JSON.parse(cli('inspect', fp, '--json').stdout) as { source: string; weight_kind: string };
    expect(ins).toMatchObject({ source: 'hf-dense', weight_kind: 'full-precision' });
    const ev = cli('eval', fp, '--json');
    expect(ev.status, ev.stderr).toBe(0);
    const e = JSON.parse(ev.stdout) as { bits_per_byte: number };
    const b158 = JSON.parse(cli('eval', path.join(repoRoot(), 'models', 'bitnet-b158'), '--json').stdout) as { bits_per_byte: number };
    expect(e.bits_per_byte).toBeGreaterThan(1);
    expect(e.bits_per_byte).not.toBe(b158.bits_per_byte);
    console.log(`held-out bits per byte: fp-baseline ${e.bits_per_byte}, bitnet-b158 ${b158.bits_per_byte}`);
    expect(cli('generate', fp, '--prompt', 'The ', '--max-tokens', '4').status).toBe(0);
    expect(cli('dump', fp).stdout).toMatch(/dense layers\.0\.attn\.q 128x128 weight=/);
    // The IR file keeps the dense kind: the same held-out figure from it.
    const irFile = path.join(tmpDir('bnhw-dense-ir-'), 'fp.bitnet.safetensors');
    expect(cli('convert', fp, '--out', irFile).status).toBe(0);
    expect((JSON.parse(cli('eval', irFile, '--json').stdout) as { bits_per_byte: number }).bits_per_byte).toBe(e.bits_per_byte);
    const out = path.join(tmpDir('bnhw-dense-'), 'o');
    for (const args of [['gen', fp, '--out', out], ['verify', fp], ['sim', fp], ['impl', fp], ['compile', fp, '--out', out], ['crosscheck', fp, '--prompt', 'a'], ['demo', fp, '--out', out], ['report', fp, '--out', out], ['energy', fp, '--method', 'activity'], ['run', fp, '--tokens', '1', '--backend', 'sim']]) {
      const r = cli(...args, '--json');
      expect(r.status, args.join(' ')).toBe(2);
      expect((JSON.parse(r.stdout) as { error: { diagnostics: { code: string }[] } }).error.diagnostics[0]!.code, args.join(' ')).toBe('IR080');
      expect(fs.existsSync(out), args.join(' ')).toBe(false);
    }
    const hw = cli('eval', fp, '--numerics', 'hw', '--json');
    expect(hw.status).toBe(2);
    expect(hw.stdout).toContain('RUN010');
  }, 300_000);
});
