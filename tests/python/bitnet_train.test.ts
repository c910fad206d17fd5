/**
 * The PyTorch side (python/bitnet_train) against the TypeScript reference: a short training smoke
 * run (loss decreases), and the cross-check on the shipped trained models: logits agree to 1e-3 of
 * the logit range and every greedy token matches.
 */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/ir/load.js';
import { generateGreedy, runSequence } from '../../src/ref/model.js';
import { encodePrompt } from '../../src/cli/commands.js';
import { torchPython } from '../../src/verify/tools.js';
import { repoRoot } from '../helpers.js';

function py(args: string[]): string {
  const r = spawnSync(torchPython(), args, { cwd: path.join(repoRoot(), 'python'), encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr.slice(-3000)}`);
  return r.stdout.trim().split('\n').pop()!;
}

describe('python/bitnet_train', () => {
  it('training smoke test: a few QAT steps lower the loss', () => {
    const doc = JSON.parse(py(['-m', 'bitnet_train.train', '--smoke']));
    expect(doc.decreased).toBe(true);
  }, 600_000);

  const PROMPTS = ['The hacker ', 'A kludge is', 'foo bar baz', 'In the beginning'];
  for (const name of ['bitnet-b158', 'bitnet-binary']) {
    it(`PyTorch reference and TypeScript float reference agree on ${name}`, () => {
      const dir = path.join(repoRoot(), 'models', name);
      const model = loadModel(dir);
      for (const prompt of PROMPTS) {
        const toks = encodePrompt(model, prompt);
        const doc = JSON.parse(py(['-m', 'bitnet_train.reference', '--model', dir, '--tokens', toks.join(','), '--generate', '8', '--json']));
        const ts = runSequence(model, toks, { numerics: 'float' });
        const V = ts.vocab;
        let lo = Infinity;
        let hi = -Infinity;
        let maxDiff = 0;
        (doc.logits as number[][]).forEach((row, t) =>
          row.forEach((v, i) => {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            maxDiff = Math.max(maxDiff, Math.abs(v - ts.logits[t * V + i]!));
          }),
        );
        expect(maxDiff / (hi - lo)).toBeLessThan(1e-3);
        expect(ts.argmax).toEqual(doc.argmax);
        expect(generateGreedy(model, toks, 8, { numerics: 'float' })).toEqual(doc.generated);
      }
    }, 600_000);
  }
});
