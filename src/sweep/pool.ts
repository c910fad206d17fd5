/**
 * Where sweep points run: a local pool of child processes (one `bitnet-hw point` each, as many at
 * once as there are workers), or tasks on an existing Ray cluster (python/bitnet_sweep/ray_pool.py,
 * each task running the same command line on a worker).
 *
 * Guarantees: every task gets exactly one outcome through `onOutcome`, in completion order: the
 * command's exit code with its stdout and stderr, or the pool's error for a task it could not run.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fail } from '../util/diagnostics.js';
import { packageRoot } from '../util/paths.js';
import { venvBin } from '../verify/tools.js';

export interface PointTask {
  readonly id: string;
  /** bitnet-hw arguments (the command first). */
  readonly args: readonly string[];
}

export interface TaskOutcome {
  readonly id: string;
  /** The command's exit code, or null when the pool could not run it. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: string;
}

export type Pool = { readonly kind: 'local'; readonly workers: number } | { readonly kind: 'ray'; readonly address: string };

/** The command line that runs bitnet-hw itself: this Node and this package's bin. */
export function selfCommand(): string[] {
  return [process.execPath, path.join(packageRoot(), 'bin', 'bitnet-hw')];
}

export async function runTasks(pool: Pool, tasks: readonly PointTask[], onOutcome: (o: TaskOutcome) => void): Promise<void> {
  if (tasks.length === 0) return;
  if (pool.kind === 'local') return runLocal(pool.workers, tasks, onOutcome);
  return runRay(pool.address, tasks, onOutcome);
}

/** Live point processes: killed with their tools (Yosys, nextpnr) when the sweep itself ends early. */
const live = new Set<number>();
let exitHook = false;

function killLive(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGTERM'); // the point's process group: bitnet-hw and the tool it waits on
    } catch {
      /* already gone */
    }
  }
}

function runLocal(workers: number, tasks: readonly PointTask[], onOutcome: (o: TaskOutcome) => void): Promise<void> {
  const [node, bin] = selfCommand() as [string, string];
  if (!exitHook) {
    exitHook = true;
    process.on('exit', killLive);
  }
  let next = 0;
  let running = 0;
  return new Promise((resolve) => {
    const launch = (): void => {
      if (next >= tasks.length && running === 0) return resolve();
      while (running < workers && next < tasks.length) {
        const t = tasks[next++]!;
        running++;
        const child = spawn(node, [bin, ...t.args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        const pid = child.pid;
        if (pid !== undefined) live.add(pid);
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        let settled = false;
        const settle = (o: TaskOutcome): void => {
          if (settled) return;
          settled = true;
          if (pid !== undefined) live.delete(pid);
          running--;
          onOutcome(o);
          launch();
        };
        child.on('error', (e) => settle({ id: t.id, code: null, stdout: out, stderr: err, error: `cannot start bitnet-hw: ${e.message}` }));
        child.on('close', (code, signal) => settle({ id: t.id, code: code ?? null, stdout: out, stderr: err.slice(-8000), ...(signal ? { error: `killed by ${signal}` } : {}) }));
      }
    };
    launch();
  });
}

function runRay(address: string, tasks: readonly PointTask[], onOutcome: (o: TaskOutcome) => void): Promise<void> {
  const python = venvBin('python');
  const driver = path.join(packageRoot(), 'python', 'bitnet_sweep', 'ray_pool.py');
  const cmd = selfCommand();
  return new Promise<void>((resolve, reject) => {
    const child = spawn(python, [driver, '--address', address], { stdio: ['pipe', 'pipe', 'pipe'] });
    const seen = new Set<string>();
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-8000)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let o: { id: string; code: number | null; stdout?: string; stderr?: string; error?: string };
      try {
        o = JSON.parse(line) as typeof o;
      } catch {
        return; // not a result line (a library printing to stdout)
      }
      seen.add(o.id);
      onOutcome({ id: o.id, code: o.code, stdout: o.stdout ?? '', stderr: o.stderr ?? '', ...(o.error ? { error: o.error } : {}) });
    });
    child.on('error', (e) => reject(e));
    child.on('close', (code) => {
      if (code !== 0 && seen.size === 0) {
        reject(new Error(`the Ray driver failed (exit ${code}) before any point ran:\n${err.trim().split('\n').slice(-15).join('\n')}`));
        return;
      }
      // A driver that died part-way: its remaining points are reported, never dropped.
      for (const t of tasks) if (!seen.has(t.id)) onOutcome({ id: t.id, code: null, stdout: '', stderr: '', error: `the Ray driver exited (${code}) before the point finished:\n${err.slice(-2000)}` });
      resolve();
    });
    for (const t of tasks) child.stdin.write(JSON.stringify({ id: t.id, argv: [...cmd, ...t.args], cwd: process.cwd() }) + '\n');
    child.stdin.end();
  }).catch((e: unknown) => {
    fail('SW020', `--ray ${address}`, e instanceof Error ? e.message : String(e), 'start a cluster first (`ray start --head`), pass its address (HOST:PORT) or `auto`, and check that Ray is installed in the project\'s Python environment (npm run setup)');
  });
}
