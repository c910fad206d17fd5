/**
 * Cross-check of the TypeScript reference (float numerics) against the PyTorch reference on the
 * trained models: logit agreement (max |diff| / logit range), greedy-token agreement, and the
 * generation speed of both, measured in one run. `--device cuda` uses a GPU for PyTorch.
 * usage: node dist/scripts/crosscheck.js [--device cpu|cuda]
 */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadModel } from '../src/ir/load.js';
import { generateGreedy, runSequence } from '../src/ref/model.js';
import { encodePrompt } from '../src/cli/commands.js';
import { torchPython } from '../src/verify/tools.js';
import { packageRoot } from '../src/util/paths.js';

const device = process.argv.includes('--device') ? process.argv[process.argv.indexOf('--device') + 1]! : 'cpu';
const N = 32;
for (const name of ['bitnet-b158', 'bitnet-binary']) {
  const dir = path.join(packageRoot(), 'models', name);
  const model = loadModel(dir);
  let worst = 0;
  let agree = 0;
  let total = 0;
  let tsTps = 0;
  let pyTps = 0;
  const prompts = ['The hacker ', 'A kludge is', 'foo bar baz', 'In the beginning'];
  for (const p of prompts) {
    const toks = encodePrompt(model, p);
    const r = spawnSync(torchPython(), ['-m', 'bitnet_train.reference', '--model', dir, '--tokens', toks.join(','), '--generate', String(N), '--device', device, '--json'], { cwd: path.join(packageRoot(), 'python'), encoding: 'utf8', maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(r.stderr);
    const doc = JSON.parse(r.stdout) as { logits: number[][]; generated: number[]; tokens_per_second: number };
    const ts = runSequence(model, toks, { numerics: 'float' });
    const flat = doc.logits.flat();
    const range = Math.max(...flat) - Math.min(...flat);
    flat.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ts.logits[i]!) / range)));
    const t0 = performance.now();
    const gen = generateGreedy(model, toks, N, { numerics: 'float' });
    tsTps += N / ((performance.now() - t0) / 1000) / prompts.length;
    pyTps += doc.tokens_per_second / prompts.length;
    agree += gen.filter((g, i) => g === doc.generated[i]).length;
    total += N;
  }
  console.log(`${name}: max |logit diff| / range ${worst.toExponential(2)}; greedy tokens equal ${agree}/${total}; tokens/s TypeScript ${tsTps.toFixed(1)}, PyTorch (${device}, full recompute per token) ${pyTps.toFixed(1)}`);
}
