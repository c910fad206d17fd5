/** Child process of model-2b4t.ts: import (peak RSS measured in a clean process) and one token. */
import { importCheckpoint } from '../src/ir/import/hf.js';
import { summarizeModel } from '../src/ir/dump.js';
import { createKvCache, forward } from '../src/ref/model.js';

const dir = process.argv[2]!;
const t0 = performance.now();
const model = importCheckpoint(dir);
const importSeconds = (performance.now() - t0) / 1000;
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
const parameters = summarizeModel(model).parameters.total;
const tokenMs = (numerics: 'hw' | 'float'): number => {
  const cache = createKvCache(model, 4);
  const t = performance.now();
  forward(model, [128000], cache, { numerics, logits: 'last' });
  return performance.now() - t;
};
tokenMs('hw'); // warm-up: JIT and first-touch of every weight page
const tokenMsHw = tokenMs('hw');
const tokenMsFloat = tokenMs('float');
process.stdout.write(JSON.stringify({ importSeconds, peakRssBytes, parameters, tokenMsHw, tokenMsFloat }) + '\n');
