/** The Pareto front against its definition, on random point sets (fast-check, fixed seed). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominates, dominatorsOf, objectivesOf, paretoFront } from '../../src/sweep/pareto.js';
import type { PointResult } from '../../src/sweep/point.js';

function point(tps: number, j: number, lut4: number, fits = true): PointResult {
  return { tokens_per_second: tps, per_decoded_token_J: j, ecp5: { source: 'yosys synth_ecp5', lut4, ff: 0, ebr: 0, dsp: 0 }, fits } as unknown as PointResult;
}

describe('Pareto front', () => {
  it('front points are dominated by no point; every other valid point is dominated by a front point', () => {
    const arb = fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.boolean()), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(arb, (rows) => {
        const pts = rows.map(([a, b, c, fits]) => point(a, b, c, fits || rows.length < 3));
        const front = new Set(paretoFront(pts));
        pts.forEach((p, i) => {
          const o = objectivesOf(p);
          if (!o) return expect(front.has(i)).toBe(false);
          const dominated = pts.some((q) => objectivesOf(q) !== null && dominates(objectivesOf(q)!, o));
          expect(front.has(i)).toBe(!dominated);
          if (!front.has(i)) expect(dominatorsOf(p, pts).some((j) => front.has(j))).toBe(true);
        });
      }),
      { seed: 2026, numRuns: 300 },
    );
  });

  it('a point that does not fit never dominates, equal points dominate nobody, and area can be left out', () => {
    const big = point(100, 1, 10, false);
    const small = point(10, 2, 20);
    expect(paretoFront([big, small])).toEqual([1]);
    expect(paretoFront([point(5, 5, 5), point(5, 5, 5)])).toEqual([0, 1]);
    // Without area, a larger and faster design dominates a slower one that is smaller.
    expect(paretoFront([point(10, 1, 100), point(5, 1, 1)], false)).toEqual([0]);
    expect(paretoFront([point(10, 1, 100), point(5, 1, 1)], true)).toEqual([0, 1]);
  });
});
