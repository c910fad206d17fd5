/**
 * Safe outputs: every file and folder bitnet-hw writes goes through this module.
 *
 * Why: output paths come from the user, so a typo must never destroy data. The rules:
 * - an output never is, or contains, an input or the current folder;
 * - a non-empty folder that bitnet-hw did not write (no marker file) is refused unless `--force`;
 * - outputs appear whole or not at all: they are built under a per-process temp name beside the
 *   target and renamed into place (concurrent writers of one path: the last one wins, whole);
 * - temp files are removed when the process exits, also on SIGINT/SIGTERM/SIGHUP, and temp files
 *   left by a killed process (its pid no longer alive) are swept on the next write beside them.
 * Filesystem errors (read-only, missing parent, a file where a folder is needed) become coded
 * diagnostics instead of stack traces.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BitnetError, fail } from './diagnostics.js';

/** Marker file in every folder bitnet-hw writes: proof that replacing the folder loses nothing. */
export const OUTPUT_MARKER = '.bitnet-hw-output';

const TEMP_RE = /^\..+\.bnhw-tmp-(\d+)-[0-9a-f]{8}$/;
const owned = new Set<string>();

/** A fresh temp path beside `target`, owned (and removed at exit) by this process. */
export function tempSibling(target: string): string {
  const p = path.join(path.dirname(target), `.${path.basename(target)}.bnhw-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  owned.add(p);
  return p;
}

/** Remove a temp path and forget it. */
export function dropTemp(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* best effort: the exit sweep or the next writer tries again */
  }
  owned.delete(p);
}

/** The temp path became the output: it is no longer ours to delete. */
export function keepTemp(p: string): void {
  owned.delete(p);
}

export function removeOwnedTemps(): void {
  for (const p of [...owned]) dropTemp(p);
}

let handlersInstalled = false;
/** Remove owned temps on exit and on SIGINT/SIGTERM/SIGHUP (then exit 128 + signal number). */
export function installTempCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', removeOwnedTemps);
  const codes: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [sig, code] of Object.entries(codes)) {
    process.on(sig as NodeJS.Signals, () => {
      removeOwnedTemps();
      process.exit(code);
    });
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temp entries in `dir` whose writing process is gone. */
export function sweepStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_RE.exec(n);
    if (m && !pidAlive(Number(m[1]))) {
      try {
        fs.rmSync(path.join(dir, n), { recursive: true, force: true });
      } catch {
        /* not ours to fight over */
      }
    }
  }
}

/** Turn a filesystem error on `p` into a coded diagnostic (rethrows anything else). */
export function fsFail(e: unknown, p: string, what: string): never {
  if (e instanceof BitnetError) throw e;
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') throw e;
  const hint: Record<string, string> = {
    EACCES: 'choose a location you may write to, or fix its permissions',
    EPERM: 'choose a location you may write to, or fix its permissions',
    EROFS: 'the filesystem is read-only; choose another location',
    ENOENT: 'create the parent folder first, or fix the path',
    ENOTDIR: 'a part of the path is a file, not a folder; fix the path',
    EISDIR: 'the path is a folder; pass a file path',
    ENAMETOOLONG: 'use a shorter path',
    ENOSPC: 'free disk space or choose another location',
    EEXIST: 'remove the existing entry or choose another path',
    ELOOP: 'the path has a symbolic link loop; fix the path',
    EINVAL: 'the path is not valid here; fix it',
  };
  fail('OUT010', p, `cannot ${what} (${code})`, hint[code] ?? 'check the path and its permissions');
}

/** Absolute path with symbolic links of its existing prefix resolved. */
export function realish(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail.reverse());
    } catch {
      const up = path.dirname(head);
      if (up === head) return abs;
      tail.push(path.basename(head));
      head = up;
    }
  }
}

/** a === b, or b lies inside a. */
export function containsPath(a: string, b: string): boolean {
  const rel = path.relative(a, b);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface OutputRules {
  /** Paths read by this command (model folder or file, RTL folder, ...). */
  readonly inputs: readonly string[];
  /** Replace a non-empty folder (or foreign file) that bitnet-hw did not write. */
  readonly force?: boolean;
  /** The flag that named the output, for messages. */
  readonly flag?: string;
}

function checkCommon(out: string, rules: OutputRules): string {
  const flag = rules.flag ?? '--out';
  if (out.trim() === '') fail('OUT001', flag, 'the output path is empty', `pass ${flag} with a path`, 'a non-empty path');
  if (out.includes('\0')) fail('OUT001', flag, 'the output path contains a NUL byte', 'fix the path');
  const real = realish(out);
  const cwd = realish(process.cwd());
  if (containsPath(real, cwd)) fail('OUT002', out, `${flag} ${out} is or contains the current folder`, 'write into a new sub-folder, e.g. --out out/rtl');
  for (const input of rules.inputs) {
    if (containsPath(real, realish(input))) fail('OUT003', out, `${flag} ${out} is or contains the input ${input}`, 'choose an output path outside the inputs');
  }
  // The nearest existing ancestor must be a folder (`--out notes.txt/rtl` cannot work).
  for (let up = path.dirname(real); ; up = path.dirname(up)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(up);
    } catch {
      st = undefined;
    }
    if (st) {
      if (!st.isDirectory()) fail('OUT006', out, `${up} is not a folder`, 'fix the path');
      break;
    }
    if (path.dirname(up) === up) break;
  }
  return real;
}

function hasMarker(dir: string): boolean {
  try {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, OUTPUT_MARKER), 'utf8')) as { tool?: unknown };
    return doc.tool === 'bitnet-hw';
  } catch {
    return false;
  }
}

/** Check an output folder before any work is done. Returns the resolved path. */
export function checkOutputDir(out: string, rules: OutputRules): string {
  const real = checkCommon(out, rules);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(real);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') fsFail(e, out, 'inspect the output path');
  }
  if (st) {
    if (!st.isDirectory()) fail('OUT004', out, 'the output path exists and is not a folder', 'remove it or choose another path', 'a folder, or a path that does not exist');
    let entries: string[];
    try {
      entries = fs.readdirSync(real);
    } catch (e) {
      fsFail(e, out, 'read the output folder');
    }
    if (entries.length > 0 && !hasMarker(real) && !rules.force) {
      fail('OUT005', out, `the output folder is not empty and was not written by bitnet-hw (${entries.length} entries)`, 'choose a new or empty folder, or pass --force to replace it');
    }
  }
  return real;
}

/** Check an output file before any work is done; `isOurs` tells a previous output from a foreign file. */
export function checkOutputFile(out: string, rules: OutputRules & { isOurs?: (file: string) => boolean }): string {
  const real = checkCommon(out, rules);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(real);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') fsFail(e, out, 'inspect the output path');
  }
  if (st?.isDirectory()) fail('OUT004', out, 'the output path is a folder', 'pass a file path such as model.bitnet.safetensors', 'a file path');
  if (st && !rules.force && !(rules.isOurs?.(real) ?? false)) {
    fail('OUT005', out, 'the output file exists and was not written by bitnet-hw', 'choose a new path, or pass --force to replace it');
  }
  const parent = path.dirname(real);
  let pst: fs.Stats | undefined;
  try {
    pst = fs.statSync(parent);
  } catch {
    /* reported below */
  }
  if (!pst) fail('OUT006', out, `the output folder ${path.dirname(out)} does not exist`, 'create the folder first');
  if (!pst.isDirectory()) fail('OUT006', out, `${path.dirname(out)} is not a folder`, 'fix the path');
  return real;
}

/**
 * Build a folder under a temp name with `build`, add the marker and move it to `dir`, replacing a
 * previous output there. Never leaves a partial `dir`.
 */
export function replaceDir(dir: string, kind: string, build: (tmp: string) => void): void {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    fsFail(e, dir, 'create the parent folder');
  }
  sweepStaleTemps(parent);
  const tmp = tempSibling(abs);
  try {
    try {
      fs.mkdirSync(tmp);
    } catch (e) {
      fsFail(e, dir, 'create the output folder');
    }
    build(tmp);
    fs.writeFileSync(path.join(tmp, OUTPUT_MARKER), JSON.stringify({ tool: 'bitnet-hw', kind }) + '\n');
    moveIntoPlace(tmp, abs);
  } catch (e) {
    dropTemp(tmp);
    fsFail(e, dir, 'write the output folder');
  }
}

/** Write `files` (relative names, '/' for sub-folders) as the folder `dir`, atomically. */
export function writeOutputDir(dir: string, kind: string, files: ReadonlyMap<string, string | Uint8Array>): void {
  replaceDir(dir, kind, (tmp) => {
    for (const [name, content] of files) {
      const f = path.join(tmp, name);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, content);
    }
  });
}

/** rename(tmp, target), moving a previous target aside first; retried against concurrent writers. */
function moveIntoPlace(tmp: string, target: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.renameSync(tmp, target);
      keepTemp(tmp);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR' && code !== 'ENOTDIR') || attempt > 20) throw e;
    }
    const old = tempSibling(target);
    try {
      fs.renameSync(target, old);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    dropTemp(old);
  }
}

/** Write a file atomically: temp file beside it, then rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = tempSibling(file);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    keepTemp(tmp);
  } catch (e) {
    dropTemp(tmp);
    fsFail(e, file, 'write the file');
  }
}
