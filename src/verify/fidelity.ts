/**
 * Fidelity of the hw numerics against the float model (the second gate, apart from exactness):
 * teacher-forced over a held-out text in 128-byte windows, argmax agreement per position and bits
 * per byte under both numerics; greedy generation from 16 fixed prompts, the first position where
 * the two continuations diverge. Pure (reads nothing itself).
 */
import type { Model } from '../ir/types.js';
import type { KvFormat } from '../numerics/model.js';
import { generateGreedy, runSequence } from '../ref/model.js';

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

