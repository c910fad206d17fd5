import { it } from 'vitest';
import { ARCH_PRESETS } from '../src/ir/arch.js';
import { planFromShapes } from '../src/ir/engine-plan.js';
import { runStream } from '../src/sim/stream.js';
it('util', () => {
  for (const arch of ['tiny', 'default']) {
    for (const [n, out] of [[128, 128], [128, 384], [384, 128], [2560, 2560]]) {
      const plan = planFromShapes([{ name: 'x', n: n!, out: out! }], ARCH_PRESETS[arch]!);
      const T = n! > 1000 ? 4 : 24;
      const toks = Array.from({ length: T }, () => ({ layer: 0, x: new Uint32Array(n!) }));
      const r = runStream(plan, toks, { seed: 1, inStall: 0, outStall: 0 });
      const one = runStream(plan, toks.slice(0, 1), { seed: 1, inStall: 0, outStall: 0 });
      const ideal = plan.layers[0]!.chunks * plan.layers[0]!.tiles;
      console.log(arch, n, out, 'util', (r.issueCycles / r.cycles).toFixed(3), 'ceiling', (ideal / Math.max(ideal, n!, out!)).toFixed(3), 'latency', one.cycles);
    }
  }
});
