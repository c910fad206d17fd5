/**
 * The RTL a simulator run uses: either the freshly generated design or exactly the files of a
 * folder given with `--rtl`. Every simulator path takes its sources from here, so what is verified
 * is what the user pointed at, never a regenerated copy.
 *
 * Needs: the design generated for the model and architecture (its manifest names the sources).
 * Guarantees: a `--rtl` folder was written for this model and architecture (same config hash) and
 * holds every source and the weights image as regular files; nothing else in it is read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RtlDesign, RtlManifest } from '../codegen/verilog.js';
import { fail } from '../util/diagnostics.js';

/** Files a simulator needs: the Verilog sources (manifest order) and the weight images. */
export function simFileNames(design: RtlDesign): string[] {
  return [...design.manifest.sources, ...[...design.files.keys()].filter((f) => f.endsWith('.hex')).sort()];
}

/** name -> content of the RTL to simulate. */
export function rtlFiles(design: RtlDesign, rtlDir?: string): Map<string, string> {
  const names = simFileNames(design);
  if (!rtlDir) return new Map(names.map((n) => [n, design.files.get(n)!]));
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(rtlDir);
  } catch {
    fail('VER010', rtlDir, 'the RTL folder does not exist', 'pass a folder written by `bitnet-hw gen`');
  }
  if (!st.isDirectory()) fail('VER010', rtlDir, 'the RTL path is not a folder', 'pass a folder written by `bitnet-hw gen`');
  const mf = path.join(rtlDir, 'manifest.json');
  let m: RtlManifest;
  try {
    m = JSON.parse(fs.readFileSync(mf, 'utf8')) as RtlManifest;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail('VER010', mf, code ? `cannot read manifest.json (${code})` : 'manifest.json is not valid JSON', 'pass a folder written by `bitnet-hw gen`');
  }
  if (typeof m !== 'object' || m === null || m.configHash !== design.manifest.configHash) {
    fail('VER011', rtlDir, `RTL was generated for another model, architecture or generator (config ${String(m?.configHash)}, expected ${design.manifest.configHash})`, 'regenerate it with `bitnet-hw gen` for this model and --arch', design.manifest.configHash);
  }
  const out = new Map<string, string>();
  for (const n of names) {
    const f = path.join(rtlDir, n);
    let content: string;
    try {
      if (!fs.statSync(f).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      content = fs.readFileSync(f, 'utf8');
    } catch (e) {
      fail('VER013', f, `the RTL folder lacks ${n} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`, 'regenerate the folder with `bitnet-hw gen`');
    }
    out.set(n, content);
  }
  return out;
}

/** Write `files` into `dir` (which exists). */
export function writeFiles(dir: string, files: ReadonlyMap<string, string>): void {
  for (const [n, c] of files) fs.writeFileSync(path.join(dir, n), c);
}
