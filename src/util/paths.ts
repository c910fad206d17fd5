/** Locations inside the installed package (works from src/ under vitest and from dist/). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'models'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('bitnet-hw: package root not found');
    dir = up;
  }
}

/** The shipped default model: BitNet b1.58 trained here (python/bitnet_train), packed 2B4T layout. */
export function defaultModelDir(): string {
  return path.join(packageRoot(), 'models', 'bitnet-b158');
}

/** A small seeded random checkpoint (make-model, seed 2026) that the RTL tests use for speed. */
export function syntheticModelDir(): string {
  return path.join(packageRoot(), 'models', 'synthetic-tiny');
}

/** Held-out text of the training corpus (Jargon File, public domain), for `eval`. */
export function heldoutTextPath(): string {
  return path.join(packageRoot(), 'models', 'heldout.txt');
}
