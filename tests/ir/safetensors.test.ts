import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  openSafetensors,
  parseSafetensorsHeader,
  readTensorBytes,
  writeSafetensors,
  ST_DTYPE_SIZES,
} from '../../src/ir/safetensors.js';
import { BitnetError } from '../../src/util/diagnostics.js';
import { tmpDir } from '../helpers.js';

describe('safetensors writer/reader', () => {
  it('round-trips tensors and metadata, deterministically', () => {
    const dir = tmpDir();
    const tensors = [
      { name: 'b', dtype: 'F32' as const, shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
      { name: 'a', dtype: 'U8' as const, shape: [5], data: Uint8Array.of(1, 2, 3, 4, 5) },
      { name: 'c', dtype: 'BF16' as const, shape: [], data: Uint16Array.of(0x3f80) },
    ];
    const f1 = path.join(dir, 'x.safetensors');
    const f2 = path.join(dir, 'y.safetensors');
    writeSafetensors(f1, tensors, { k: 'v' });
    writeSafetensors(f2, [...tensors].reverse(), { k: 'v' });
    expect(fs.readFileSync(f1).equals(fs.readFileSync(f2))).toBe(true);
    const st = openSafetensors(f1);
    expect(st.metadata).toEqual({ k: 'v' });
    expect([...st.tensors.keys()]).toEqual(['a', 'b', 'c']);
    expect(Array.from(new Float32Array(readTensorBytes(st.tensors.get('b')!).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
    expect((8 + st.headerSize) % 8).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['x.safetensors', 'y.safetensors']); // no temp files left
  });
});

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('safetensors header fuzzing', () => {
  it('arbitrary bytes either parse or raise a coded BitnetError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 10_000 }), (bytes, extra) => {
        try {
          parseSafetensorsHeader(bytes, 8 + bytes.length + extra, 'f');
        } catch (e) {
          return e instanceof BitnetError && /^ST\d{3}$/.test(e.code);
        }
        return true;
      }),
      { numRuns: 2000, seed: 101 },
    );
  });
  it('structured random headers: accepted ones always tile the data section exactly', () => {
    const dtype = fc.constantFrom(...Object.keys(ST_DTYPE_SIZES), 'F128', 'float');
    const entry = fc.record({
      dtype,
      shape: fc.array(fc.oneof(fc.nat({ max: 6 }), fc.constant(-1), fc.constant(1.5)), { maxLength: 3 }),
      data_offsets: fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), entry, { maxKeys: 4 }), fc.nat({ max: 300 }), (hdr, dataSize) => {
        const bytes = enc(JSON.stringify(hdr));
        try {
          const h = parseSafetensorsHeader(bytes, 8 + bytes.length + dataSize, 'f');
          const spans = [...h.tensors.values()].map((t) => [t.begin - 8 - bytes.length, t.end - 8 - bytes.length] as const).sort((a, b) => a[0] - b[0]);
          let cur = 0;
          for (const [b, e] of spans) {
            if (b !== cur) return false;
            cur = e;
          }
          return cur === dataSize;
        } catch (e) {
          return e instanceof BitnetError;
        }
      }),
      { numRuns: 3000, seed: 202 },
    );
  });
  it('byte flips in a real file are caught or harmless', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'm.safetensors');
    writeSafetensors(f, [
      { name: 'w', dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) },
      { name: 'v', dtype: 'U8', shape: [4], data: Uint8Array.of(1, 2, 3, 4) },
    ]);
    const orig = fs.readFileSync(f);
    const g = path.join(dir, 'mut.safetensors');
    fc.assert(
      fc.property(fc.nat({ max: orig.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (pos, x, truncate) => {
        const b = Buffer.from(orig);
        b[pos]! ^= x;
        fs.writeFileSync(g, truncate ? b.subarray(0, pos) : b);
        try {
          openSafetensors(g);
          return true;
        } catch (e) {
          return e instanceof BitnetError;
        }
      }),
      { numRuns: 1000, seed: 303 },
    );
  });
});
