/** crosscheck: every BitLinear of a prompt on the Verilated RTL; exactness per layer, logits against a reference. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MUTATIONS } from '../../scripts/mutate-rtl.js';
import { repoRoot, tmpDir } from '../helpers.js';

const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
const model = path.join(repoRoot(), 'models', 'bitnet-b158');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

interface Doc {
  passed: boolean;
  exact: boolean;
  bitlinear_calls: number;
  max_abs_logit_diff: number;
  max_abs_logit_diff_over_range: number;
  argmax_agreement: number;
  positions: number;
  first_diverging_layer: { layer: string; position: number; row: number; got: string; want: string } | null;
  per_layer: { name: string; mismatches_vs_law: number; outputs: number }[];
}

describe('crosscheck', () => {
  it('against hw: the RTL path gives the hw reference\'s logits bit for bit; against float and torch: close, argmax agrees', () => {
    const hw = cli('crosscheck', model, '--arch', 'tiny', '--prompt', 'The hacker ', '--against', 'hw', '--json');
    expect(hw.status, hw.stderr).toBe(0);
    const h = JSON.parse(hw.stdout) as Doc;
    expect(h.passed && h.exact).toBe(true);
    expect(h.bitlinear_calls).toBe(28);
    expect(h.max_abs_logit_diff).toBe(0);
    expect(h.argmax_agreement).toBe(1);
    expect(h.first_diverging_layer).toBeNull();
    for (const l of h.per_layer) expect(l.mismatches_vs_law).toBe(0);
    for (const against of ['float', 'torch']) {
      const r = cli('crosscheck', model, '--arch', 'tiny', '--tokens', '257,84,104,101,32,104,97,99,107', '--against', against, '--json');
      expect(r.status, r.stderr).toBe(0);
      const d = JSON.parse(r.stdout) as Doc;
      expect(d.exact).toBe(true);
      expect(d.max_abs_logit_diff_over_range).toBeLessThan(1e-3);
      expect(d.argmax_agreement).toBeGreaterThanOrEqual(8 / 9);
      console.log(`crosscheck against ${against}: max |logit diff| ${d.max_abs_logit_diff} (${d.max_abs_logit_diff_over_range} of the range), argmax agreement ${d.argmax_agreement}`);
    }
  }, 600_000);
  it('a mutant RTL folder fails and names the first diverging layer; bad flags are usage errors', () => {
    const dir = path.join(tmpDir('bnhw-xc-'), 'rtl');
    expect(cli('gen', model, '--arch', 'tiny', '--out', dir).status).toBe(0);
    const m = MUTATIONS.find((x) => x.name === 'output rounding increment dropped')!;
    const f = path.join(dir, m.file);
    const src = fs.readFileSync(f, 'utf8');
    expect(src.replace(m.find, m.replace)).not.toBe(src);
    fs.writeFileSync(f, src.replace(m.find, m.replace));
    const r = cli('crosscheck', model, '--arch', 'tiny', '--rtl', dir, '--prompt', 'The hacker ', '--json');
    expect(r.status).toBe(1);
    const d = JSON.parse(r.stdout) as Doc;
    expect(d.passed).toBe(false);
    expect(d.exact).toBe(false);
    expect(d.first_diverging_layer!.layer).toBe('layers.0.attn.q');
    expect(d.first_diverging_layer!.got).not.toBe(d.first_diverging_layer!.want);
    expect(cli('crosscheck', model, '--arch', 'tiny', '--prompt', 'x', '--against', 'nope').status).toBe(2);
    expect(cli('crosscheck', model, '--arch', 'tiny').status).toBe(2);
    expect(cli('crosscheck', model, '--arch', 'tiny', '--prompt', 'x', '--rtl', path.join(dir, 'nope')).status).toBe(2);
  }, 600_000);
});
