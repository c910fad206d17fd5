/**
 * Fidelity of the hw numerics against the float model (issue 12): teacher-forced over the whole
 * shipped held-out text, argmax agreement per position and bits per byte under both numerics;
 * greedy generation of 128 tokens from 16 fixed prompts, the first position where they diverge.
 * usage: node dist/scripts/fidelity.js [model-dir ...] [--kv fp32|bf16|fp16]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../src/ir/load.js';
import type { Model } from '../src/ir/types.js';
import type { KvFormat } from '../src/numerics/model.js';
import { generateGreedy, runSequence } from '../src/ref/model.js';
import { heldoutTextPath, packageRoot } from '../src/util/paths.js';

export const FIDELITY_PROMPTS: readonly string[] = [
  'The hacker ', 'A kludge is ', 'In the jargon of ', 'When the system crashed, ', 'Real programmers ', 'The wizard said ',
  'hack: ', 'The ITS system ', 'Unix is ', 'A bug in the ', 'The source code ', 'According to the Jargon File, ',
  'foo and bar ', 'The network ', 'An elegant program ', 'Early computers ',
];

export interface Fidelity {
  readonly positions: number;
  readonly argmaxAgreement: number;
  readonly bitsPerByteFloat: number;
  readonly bitsPerByteHw: number;
  readonly bpbRelDiff: number;
  readonly divergence: readonly (number | null)[];
}

function nll(row: Float32Array, target: number): number {
  let mx = -Infinity;
  for (const v of row) if (v > mx) mx = v;
  let z = 0;
  for (const v of row) z += Math.exp(v - mx);
  return Math.log(z) + mx - row[target]!;
}

export function fidelity(model: Model, text: Uint8Array, opts: { window?: number; kvFormat?: KvFormat; maxWindows?: number; genTokens?: number; prompts?: readonly string[] } = {}): Fidelity {
  const window = opts.window ?? 128;
  const V = model.ir.embedding.vocabSize;
  let agree = 0;
  let count = 0;
  let natsF = 0;
  let natsH = 0;
  const hwOpts = { numerics: 'hw' as const, ...(opts.kvFormat ? { kvFormat: opts.kvFormat } : {}) };
  let windows = 0;
  for (let w = 0; w + window + 1 <= text.length && windows < (opts.maxWindows ?? Infinity); w += window, windows++) {
    const seq = Array.from(text.subarray(w, w + window + 1));
    const fl = runSequence(model, seq.slice(0, window), { numerics: 'float' });
    const hw = runSequence(model, seq.slice(0, window), hwOpts);
    for (let t = 0; t < window; t++) {
      if (fl.argmax[t] === hw.argmax[t]) agree++;
      natsF += nll(fl.logits.subarray(t * V, (t + 1) * V), seq[t + 1]!);
      natsH += nll(hw.logits.subarray(t * V, (t + 1) * V), seq[t + 1]!);
      count++;
    }
  }
  const bpbF = natsF / count / Math.LN2;
  const bpbH = natsH / count / Math.LN2;
  const divergence = (opts.prompts ?? FIDELITY_PROMPTS).map((p) => {
    const toks = [...(model.ir.bosToken !== null ? [model.ir.bosToken] : []), ...Buffer.from(p, 'utf8')];
    const a = generateGreedy(model, toks, opts.genTokens ?? 128, { numerics: 'float' });
    const b = generateGreedy(model, toks, opts.genTokens ?? 128, hwOpts);
    const i = a.findIndex((t, j) => t !== b[j]);
    return i < 0 && a.length === b.length ? null : i < 0 ? Math.min(a.length, b.length) : i;
  });
  return { positions: count, argmaxAgreement: agree / count, bitsPerByteFloat: bpbF, bitsPerByteHw: bpbH, bpbRelDiff: Math.abs(bpbH - bpbF) / bpbF, divergence };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const ki = args.indexOf('--kv');
  const kv = ki >= 0 ? (args.splice(ki, 2)[1] as KvFormat) : undefined;
  const dirs = args.length ? args : ['bitnet-b158', 'bitnet-binary'].map((m) => path.join(packageRoot(), 'models', m));
  const text = new Uint8Array(fs.readFileSync(heldoutTextPath()));
  for (const d of dirs) {
    const r = fidelity(loadModel(d), text, kv ? { kvFormat: kv } : {});
    console.log(`${path.basename(d)} (KV ${kv ?? 'fp32'}): ${r.positions} positions, argmax agreement ${(100 * r.argmaxAgreement).toFixed(3)}%, bits/byte float ${r.bitsPerByteFloat.toFixed(5)} hw ${r.bitsPerByteHw.toFixed(5)} (${(100 * r.bpbRelDiff).toFixed(4)}% apart)`);
    console.log(`  greedy 128 tokens, first divergence per prompt: ${r.divergence.map((x) => (x === null ? 'none' : String(x))).join(', ')}`);
  }
}
