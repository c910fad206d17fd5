/** Space files: coded errors for every problem at once, deterministic expansion and sampling. */
import { describe, expect, it } from 'vitest';
import { expandSpace, parseSpace } from '../../src/sweep/space.js';
import { codesOf } from '../helpers.js';

describe('sweep space', () => {
  it('expands the full grid in knob order (the last knob fastest) with legal, distinct names', () => {
    const pts = expandSpace(parseSpace({ base: 'tiny', lanes: [2, 4], simd: { from: 8, to: 32, factor: 2 }, vectorLanes: [4, 16] }, 's'), 'ternary', 's');
    expect(pts).toHaveLength(2 * 3 * 2);
    expect(pts.map((p) => [p.arch.lanes, p.arch.simd, p.arch.machine?.vectorLanes])).toEqual(
      [2, 4].flatMap((l) => [8, 16, 32].flatMap((s) => [4, 16].map((v) => [l, s, v]))),
    );
    expect(pts[0]!.name).toBe('tiny-p2-s8-vl4');
    expect(new Set(pts.map((p) => p.name)).size).toBe(pts.length);
    for (const p of pts) expect(p.arch.treePipeline).toBe(2); // from the base
  });

  it('linear ranges include both ends; duplicate values and points are removed', () => {
    const pts = expandSpace(parseSpace({ base: 'tiny', lanes: { from: 2, to: 8, step: 3 }, simd: [8, 8] }, 's'), 'ternary', 's');
    expect(pts.map((p) => p.arch.lanes)).toEqual([2, 5, 8]);
  });

  it('a seeded random sample is a subset of the grid, the same for the same seed, in grid order', () => {
    const space = (seed: number) => parseSpace({ base: 'tiny', lanes: [1, 2, 3, 4], simd: [8, 16, 32], treePipeline: [1, 2], sample: { rule: 'random', points: 7, seed } }, 's');
    const grid = expandSpace(parseSpace({ base: 'tiny', lanes: [1, 2, 3, 4], simd: [8, 16, 32], treePipeline: [1, 2] }, 's'), 'ternary', 's').map((p) => p.name);
    const a = expandSpace(space(5), 'ternary', 's').map((p) => p.name);
    expect(a).toHaveLength(7);
    expect(expandSpace(space(5), 'ternary', 's').map((p) => p.name)).toEqual(a);
    expect(expandSpace(space(6), 'ternary', 's').map((p) => p.name)).not.toEqual(a);
    const pos = a.map((n) => grid.indexOf(n));
    expect(pos.every((p) => p >= 0)).toBe(true);
    expect([...pos].sort((x, y) => x - y)).toEqual(pos);
  });

  it('reports every bad field at once with coded errors', () => {
    expect(codesOf(() => parseSpace({ lanes: [0.5], simd: { from: 9, to: 4, step: 1 }, bogus: 1, sample: { rule: 'random', points: 0, seed: 1 } }, 's'))).toEqual(
      expect.arrayContaining(['SW003']),
    );
    try {
      parseSpace({ lanes: [0.5], simd: { from: 9, to: 4, step: 1 }, bogus: 1 }, 'f.json');
    } catch (e) {
      const paths = (e as { diagnostics: { path: string }[] }).diagnostics.map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['f.json:lanes', 'f.json:simd', 'f.json:(root)']));
    }
    expect(codesOf(() => parseSpace({ simd: { from: 1, to: 4, step: 1, factor: 2 } }, 's'))).toEqual(['SW003']);
  });

  it('checks the space against the model and the architecture schema', () => {
    expect(codesOf(() => expandSpace(parseSpace({ base: 'nope' }, 's'), 'ternary', 's'))).toEqual(['SW004']);
    expect(codesOf(() => expandSpace(parseSpace({ base: 'tiny' }, 's'), 'binary', 's'))).toEqual(['SW005']);
    expect(codesOf(() => expandSpace(parseSpace({ base: 'tiny-binary', weightPacking: ['base3'] }, 's'), 'binary', 's'))).toEqual(['SW006']);
    expect(codesOf(() => expandSpace(parseSpace({ lanes: { from: 1, to: 1000, step: 1 }, simd: { from: 2, to: 1000, step: 1 } }, 's'), 'ternary', 's'))).toEqual(['SW008']);
    // Values the architecture refuses (lanes above 1024) name the point.
    expect(codesOf(() => expandSpace(parseSpace({ base: 'tiny', lanes: [4, 2048] }, 's'), 'ternary', 's'))).toEqual(['SW009']);
    // An inline base is an architecture without a name; the model's weight kind fills it.
    const pts = expandSpace(parseSpace({ base: { lanes: 4, simd: 8, treePipeline: 1, weightMemory: 'rom', clockMHz: 120 }, simd: [8, 16] }, 's'), 'ternary', 's');
    expect(pts.map((p) => [p.arch.weightKind, p.arch.clockMHz, p.arch.simd])).toEqual([['ternary', 120, 8], ['ternary', 120, 16]]);
  });
});
