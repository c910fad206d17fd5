/** One JSON casing with a schema on every --json document; input formats keep their own. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { snakeKey, snakeKeys } from '../../src/cli/json.js';
import { repoRoot, tmpDir } from '../helpers.js';

const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const model = path.join(repoRoot(), 'models', 'bitnet-b158');

function camelKeys(v: unknown, at = '$', out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x, i) => camelKeys(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
    // snake_case words, a unit as a word of its own (J, pJ, W, MHz), or data as a key (cell types, names).
    const word = (w: string): boolean => /^[a-z0-9.]*$/.test(w) || /^[pnumkMG]?(J|W|Hz|s)$/.test(w);
    if (/^[a-z]/.test(k) && !k.split('_').every(word)) out.push(`${at}.${k}`);
    camelKeys(x, `${at}.${k}`, out);
  }
  return out;
}

describe('JSON documents', () => {
  it('snake_case keys, units kept as suffixes', () => {
    expect(snakeKey('clockMHz')).toBe('clock_mhz');
    expect(snakeKey('configHash')).toBe('config_hash');
    expect(snakeKey('per_decoded_token_J')).toBe('per_decoded_token_J');
    expect(snakeKey('fmax_mhz')).toBe('fmax_mhz');
    expect(snakeKey('MULT18X18D')).toBe('MULT18X18D');
    expect(snakeKey('layers.0.attn.q')).toBe('layers.0.attn.q');
    expect(snakeKeys({ aB: [{ cD: 1 }], e: new Float32Array(2) })).toEqual({ a_b: [{ c_d: 1 }], e: new Float32Array(2) });
  });
  it('every command prints a schema and no camelCase key; arch --print is an architecture file', () => {
    const out = path.join(tmpDir('bnhw-json-'), 'p');
    const runs: [string, string[]][] = [
      ['inspect', ['inspect', model, '--json']],
      ['validate', ['validate', model, '--json']],
      ['run', ['run', model, '--tokens', '1,2', '--json']],
      ['sim', ['sim', model, '--arch', 'tiny', '--json']],
      ['energy', ['energy', model, '--method', 'activity', '--arch', 'tiny', '--json']],
      ['compile', ['compile', model, '--arch', 'tiny', '--out', out, '--json']],
      ['arch', ['arch', '--list', '--json']],
      ['point', ['point', model, '--arch', 'tiny', '--sim-only', '--json']],
      ['error', ['sim', 'no-such-model', '--json']],
    ];
    for (const [schema, args] of runs) {
      const r = cli(...args);
      const doc = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(doc['schema'], args.join(' ')).toBe(`bitnet-hw/${schema}/1`);
      expect(camelKeys(doc), args.join(' ')).toEqual([]);
    }
    const print = cli('arch', '--print', 'default', '--json');
    expect(print.status).toBe(0);
    const arch = JSON.parse(print.stdout) as Record<string, unknown>;
    expect(arch['schema']).toBeUndefined();
    expect(arch['weightKind']).toBe('ternary');
    const file = path.join(tmpDir('bnhw-arch-'), 'mine.json');
    fs.writeFileSync(file, JSON.stringify({ ...arch, name: 'mine' }));
    const a = JSON.parse(cli('sim', '2b4t', '--arch', file, '--json').stdout) as { cycles_per_token: number; arch: string };
    const b = JSON.parse(cli('sim', '2b4t', '--arch', 'default', '--json').stdout) as { cycles_per_token: number };
    expect(a.arch).toBe('mine');
    expect(a.cycles_per_token).toBe(b.cycles_per_token);
    expect(cli('arch', '--print', 'nope').status).toBe(2);
    expect(cli('arch').status).toBe(2);
  }, 300_000);
});
