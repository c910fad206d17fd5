/**
 * Checkpoint fingerprints: which files (name, size, content hash) an IR file was converted from.
 * A `model.bitnet.safetensors` beside a checkpoint is used only while it still matches: a
 * retrained or edited checkpoint must never be shadowed by a stale conversion.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IR_FILE_NAME } from './irfile.js';

export interface SourceFile {
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/** The files of a checkpoint folder that the importer reads. */
export function checkpointFileNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n !== IR_FILE_NAME && (n === 'config.json' || n === 'model.safetensors.index.json' || n.endsWith('.safetensors')))
    .sort();
}

function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 24);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

export function fingerprintCheckpoint(dir: string): SourceFile[] {
  return checkpointFileNames(dir).map((name) => {
    const f = path.join(dir, name);
    const st = fs.statSync(f);
    return { name, size: st.size, mtimeMs: st.mtimeMs, sha256: sha256File(f) };
  });
}

/** True when the folder still holds exactly these files with these contents. */
export function fingerprintMatches(dir: string, files: readonly SourceFile[]): boolean {
  const names = checkpointFileNames(dir);
  if (names.join('\0') !== files.map((f) => f.name).join('\0')) return false;
  for (const f of files) {
    const p = path.join(dir, f.name);
    const st = fs.statSync(p);
    if (!st.isFile() || st.size !== f.size) return false;
    // Same size and modification time: unchanged. Otherwise compare contents (copies change mtimes).
    if (st.mtimeMs !== f.mtimeMs && sha256File(p) !== f.sha256) return false;
  }
  return true;
}
