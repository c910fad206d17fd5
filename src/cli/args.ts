/** Parsing of CLI values that citty leaves as strings, with coded errors. */
import { fail } from '../util/diagnostics.js';
import type { Numerics } from '../numerics/index.js';

export function parseTokens(s: string | undefined, flag = '--tokens'): number[] {
  if (s === undefined || s.trim() === '') fail('CLI001', flag, 'no token ids given', `pass ${flag} 1,2,3`, 'comma-separated integers');
  return s.split(',').map((p, i) => {
    const t = p.trim();
    if (!/^\d+$/.test(t)) fail('CLI002', `${flag}[${i}]`, `"${t}" is not a non-negative integer`, `pass ${flag} as comma-separated integers, e.g. 1,2,3`, 'an integer token id');
    return Number(t);
  });
}

export function parseNumerics(s: string | undefined): Numerics {
  if (s === undefined || s === 'float' || s === 'hw') return (s ?? 'float') as Numerics;
  fail('CLI003', '--numerics', `unknown numerics "${s}"`, 'use --numerics float or --numerics hw', 'float | hw');
}

export function parsePositiveInt(s: string | undefined, flag: string, dflt: number): number {
  if (s === undefined) return dflt;
  if (!/^\d+$/.test(s) || Number(s) <= 0) fail('CLI004', flag, `"${s}" is not a positive integer`, `pass ${flag} N with N >= 1`, 'a positive integer');
  return Number(s);
}

export function parseSim(s: string | undefined): 'verilator' | 'icarus' {
  if (s === undefined || s === 'verilator' || s === 'icarus') return s ?? 'verilator';
  fail('CLI005', '--sim', `unknown simulator "${s}"`, 'use --sim verilator or --sim icarus', 'verilator | icarus');
}

export function parseCount(s: string | undefined, flag: string): number {
  if (s === undefined) return 0;
  if (!/^\d+$/.test(s)) fail('CLI008', flag, `"${s}" is not a non-negative integer`, `pass ${flag} N with N >= 0`);
  return Number(s);
}
