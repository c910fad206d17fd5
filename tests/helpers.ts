/** Shared fixture helpers: tiny checkpoints written by the project's own writer into temp dirs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeSyntheticCheckpoint, type SyntheticSpec } from '../src/ir/export/synthetic.js';
import { BitnetError } from '../src/util/diagnostics.js';

export const TINY = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, ffnHidden: 48, vocab: 40, seed: 11 } as const;

export function tmpDir(prefix = 'bnhw-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function fixture(spec: Partial<SyntheticSpec> & Pick<SyntheticSpec, 'format'>): string {
  const dir = tmpDir(`bnhw-${spec.format}-`);
  writeSyntheticCheckpoint(dir, { ...TINY, ...spec });
  return dir;
}

/** Run f and return the diagnostic codes of the BitnetError it throws (fails if it does not). */
export function codesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof BitnetError) return e.diagnostics.map((d) => d.code);
    throw e;
  }
  throw new Error('expected a BitnetError, but the call succeeded');
}

/** Read a safetensors file as {header JSON, data bytes}. */
export function readRaw(file: string): { header: Record<string, unknown>; data: Buffer } {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>, data: buf.subarray(8 + n) };
}

/** Write a safetensors file from a (possibly invalid) header object and data bytes. */
export function writeRaw(file: string, header: unknown, data: Uint8Array, headerText?: string): void {
  const h = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  fs.writeFileSync(file, Buffer.concat([len, h, data]));
}

export function repoRoot(): string {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
}

/** A tool's stdout and stderr, trimmed, and its exit status when not 0 (lint and synthesis checks). */
export function toolOutput(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : `\nexit ${r.status}`);
}
