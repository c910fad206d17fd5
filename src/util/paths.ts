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

export function defaultModelDir(): string {
  return path.join(packageRoot(), 'models', 'default');
}
