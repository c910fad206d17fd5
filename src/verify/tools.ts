/**
 * Locating and running the external RTL tools (Verilator, Icarus Verilog, Yosys, cocotb), with
 * coded errors that say how to install what is missing.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/diagnostics.js';
import { packageRoot } from '../util/paths.js';

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function requireTool(cmd: string, pkg: string): string {
  const p = which(cmd);
  if (!p) fail('TOOL001', cmd, `${cmd} is not installed`, `run \`npm run setup\` (installs Debian's ${pkg}) or apt-get install ${pkg}`);
  return p;
}

/** The project's Python environment with cocotb (created by scripts/setup.sh). */
export function venvBin(name: string): string {
  const p = path.join(packageRoot(), '.cache', 'venv', 'bin', name);
  if (!fs.existsSync(p)) fail('TOOL002', p, `${name} is missing from the project's Python environment`, 'run `npm run setup`');
  return p;
}

export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args as string[], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs,
  });
}

export function cacheDir(...parts: string[]): string {
  const d = path.join(packageRoot(), '.cache', ...parts);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** The PyTorch environment set up by scripts/setup.sh (shared per machine). */
export function torchPython(): string {
  const venv = process.env['BITNET_HW_TORCH_VENV'] ?? path.join(process.env['HOME'] ?? '/root', '.cache', 'bitnet-hw', 'venv-torch');
  const py = path.join(venv, 'bin', 'python');
  if (!fs.existsSync(py)) fail('TOOL003', py, 'the PyTorch environment is missing', 'run `npm run setup`');
  return py;
}
