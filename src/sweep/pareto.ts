/**
 * Pareto dominance over (tokens/s up, J per decoded token down, ECP5 LUT4 down), or over the
 * first two when the points were not synthesized (`withArea` false).
 *
 * Needs: measured points. Guarantees: a point without one of the figures, or that does not fit
 * the part, is never on the front and never dominates; ties in every objective dominate nobody.
 */
import type { PointResult } from './point.js';

export interface Objectives {
  readonly tokensPerSecond: number;
  readonly joulesPerToken: number;
  readonly lut4: number;
}

export function objectivesOf(p: PointResult, withArea = true): Objectives | null {
  if (p.per_decoded_token_J === null || p.fits === false) return null;
  if (!withArea) return { tokensPerSecond: p.tokens_per_second, joulesPerToken: p.per_decoded_token_J, lut4: 0 };
  if (!p.ecp5) return null;
  return { tokensPerSecond: p.tokens_per_second, joulesPerToken: p.per_decoded_token_J, lut4: p.ecp5.lut4 };
}

/** a dominates b: no worse in every objective and better in at least one. */
export function dominates(a: Objectives, b: Objectives): boolean {
  const noWorse = a.tokensPerSecond >= b.tokensPerSecond && a.joulesPerToken <= b.joulesPerToken && a.lut4 <= b.lut4;
  const better = a.tokensPerSecond > b.tokensPerSecond || a.joulesPerToken < b.joulesPerToken || a.lut4 < b.lut4;
  return noWorse && better;
}

/** Indices of the non-dominated points, in input order. */
export function paretoFront(points: readonly PointResult[], withArea = true): number[] {
  const obj = points.map((p) => objectivesOf(p, withArea));
  const front: number[] = [];
  obj.forEach((o, i) => {
    if (o && !obj.some((q, j) => j !== i && q !== null && dominates(q, o))) front.push(i);
  });
  return front;
}

/** Indices of the points that dominate `p`. */
export function dominatorsOf(p: PointResult, points: readonly PointResult[], withArea = true): number[] {
  const o = objectivesOf(p, withArea);
  if (!o) return [];
  const out: number[] = [];
  points.forEach((q, j) => {
    const oq = objectivesOf(q, withArea);
    if (oq && dominates(oq, o)) out.push(j);
  });
  return out;
}
