/** Parsing of CLI values that citty leaves as strings, with coded errors and upper bounds. */
import { fail } from '../util/diagnostics.js';
import type { Numerics } from '../numerics/index.js';

export function parseTokens(s: string | undefined, flag = '--tokens'): number[] {
  if (s === undefined || s.trim() === '') fail('CLI001', flag, 'no token ids given', `pass ${flag} 1,2,3`, 'comma-separated integers');
  const parts = s.split(',');
  if (parts.length > 10_000_000) fail('CLI002', flag, `${parts.length} token ids`, 'pass fewer tokens');
  return parts.map((p, i) => {
    const t = p.trim();
    if (!/^\d{1,15}$/.test(t)) fail('CLI002', `${flag}[${i}]`, `"${t}" is not a non-negative integer`, `pass ${flag} as comma-separated integers, e.g. 1,2,3`, 'an integer token id');
    return Number(t);
  });
}

export function parseNumerics(s: string | undefined): Numerics {
  if (s === undefined || s === 'float' || s === 'hw') return (s ?? 'float') as Numerics;
  fail('CLI003', '--numerics', `unknown numerics "${s}"`, 'use --numerics float or --numerics hw', 'float | hw');
}

/** A decimal integer in [min, max]; the digit limit keeps Number() exact. */
function parseBounded(s: string, flag: string, min: number, max: number, code: string): number {
  if (!/^\d{1,16}$/.test(s)) fail(code, flag, `"${s}" is not ${min > 0 ? 'a positive' : 'a non-negative'} integer`, `pass ${flag} N with ${min} <= N <= ${max}`, `an integer in ${min}..${max}`);
  const n = Number(s);
  if (n < min || n > max) fail(code, flag, `${s} is out of range`, `pass ${flag} N with ${min} <= N <= ${max}`, `${min}..${max}`);
  return n;
}

export function parsePositiveInt(s: string | undefined, flag: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  if (s === undefined) return dflt;
  return parseBounded(s, flag, 1, max, 'CLI004');
}

export function parseSim(s: string | undefined): 'verilator' | 'icarus' {
  if (s === undefined || s === 'verilator' || s === 'icarus') return s ?? 'verilator';
  fail('CLI005', '--sim', `unknown simulator "${s}"`, 'use --sim verilator or --sim icarus', 'verilator | icarus');
}

export function parseCount(s: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (s === undefined) return 0;
  return parseBounded(s, flag, 0, max, 'CLI008');
}
