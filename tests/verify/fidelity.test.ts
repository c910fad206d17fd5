/**
 * The fidelity gate (apart from exactness): the hw numerics against the float model on the whole
 * shipped held-out text, for the ternary and the binary model: argmax agreement >= 99.5% of
 * positions and bits per byte within 0.5%; greedy divergence per prompt is printed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/ir/load.js';
import { heldoutTextPath, packageRoot } from '../../src/util/paths.js';
import { fidelity } from '../../src/verify/fidelity.js';

const text = new Uint8Array(fs.readFileSync(heldoutTextPath()));

describe('fidelity of the hw numerics', () => {
  for (const name of ['bitnet-b158', 'bitnet-binary']) {
    it(`${name}: argmax agreement >= 99.5%, bits per byte within 0.5% of float`, () => {
      const r = fidelity(loadModel(path.join(packageRoot(), 'models', name)), text);
      console.log(`${name}: ${r.positions} positions, agreement ${(100 * r.argmaxAgreement).toFixed(3)}%, bpb float ${r.bitsPerByteFloat.toFixed(5)} hw ${r.bitsPerByteHw.toFixed(5)}; greedy divergence ${r.divergence.map((d) => d ?? 'none').join(', ')}`);
      expect(r.positions).toBeGreaterThanOrEqual(3968);
      expect(r.argmaxAgreement).toBeGreaterThanOrEqual(0.995);
      expect(r.bpbRelDiff).toBeLessThanOrEqual(0.005);
      expect(r.divergence.length).toBe(16);
    }, 300_000);
  }
});
