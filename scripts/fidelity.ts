/**
 * Fidelity of the hw numerics against the float model on the shipped models (src/verify/fidelity.ts).
 * usage: node dist/scripts/fidelity.js [model-dir ...] [--kv fp32|bf16|fp16]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../src/ir/load.js';
import type { KvFormat } from '../src/numerics/model.js';
import { heldoutTextPath, packageRoot } from '../src/util/paths.js';
import { fidelity } from '../src/verify/fidelity.js';

{
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
