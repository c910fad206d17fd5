/**
 * `sweep --ray` against a real Ray cluster: a head started here on 127.0.0.1 with two worker
 * CPUs (Ray from PyPI in the project's Python environment), stopped afterwards. The results equal
 * the local pool's, go into the same cache, survive lost workers (every task's first attempt
 * kills its worker process: Ray retries it) and failed points come back with their error.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, tmpDir } from '../helpers.js';
import { venvBin } from '../../src/verify/tools.js';

const BIN = path.join(repoRoot(), 'bin', 'bitnet-hw');
const MODEL = path.join(repoRoot(), 'models', 'synthetic-tiny');
const RAY = venvBin('ray');
const ENV = { ...process.env, RAY_USAGE_STATS_ENABLED: '0', RAY_DISABLE_DOCKER_CPU_WARNING: '1' };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface SweepDoc {
  measured: number;
  cached: number;
  failed: number;
  options: { pool: string };
  points: { name: string; status: string; error: string | null; tokens_per_second: number | null; per_decoded_token_J: number | null }[];
}

let address = '';
let rayTemp = '';
const tempDir = tmpDir('bnhw-ray-');

function sweep(cache: string, space: object, out: string, extra: string[], env: NodeJS.ProcessEnv = {}) {
  const file = path.join(tempDir, `space-${path.basename(out)}.json`);
  fs.writeFileSync(file, JSON.stringify(space));
  const r = spawnSync(process.execPath, [BIN, 'sweep', MODEL, '--space', file, '--out', out, '--sim-only', '--json', ...extra], { encoding: 'utf8', env: { ...ENV, BITNET_HW_CACHE_DIR: cache, ...env }, timeout: 600_000 });
  return { status: r.status, doc: JSON.parse(r.stdout) as SweepDoc, stderr: r.stderr };
}

const SPACE = { base: 'tiny', lanes: [2, 4], simd: [8, 16] };

describe('sweep --ray (a local Ray cluster)', () => {
  beforeAll(async () => {
    const port = await freePort();
    // A short temp dir: Ray's socket paths must fit in 107 bytes.
    const r = spawnSync(RAY, ['start', '--head', '--node-ip-address', '127.0.0.1', '--port', String(port), '--num-cpus', '2', '--include-dashboard', 'false', '--disable-usage-stats', '--temp-dir', (rayTemp = fs.mkdtempSync('/tmp/bnray-'))], { encoding: 'utf8', env: ENV, timeout: 180_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    address = `127.0.0.1:${port}`;
  }, 240_000);

  afterAll(async () => {
    // Only this cluster's processes (their command lines name its temp dir): `ray stop` would
    // also stop any other Ray on the machine.
    const pids = (): number[] => (rayTemp ? spawnSync('pgrep', ['-f', rayTemp], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number) : []);
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      for (const p of pids()) {
        try {
          process.kill(p, sig);
        } catch {
          /* gone */
        }
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
    expect(pids()).toEqual([]);
  }, 180_000);

  it('runs every point as a Ray task: the same figures as the local pool, into the same cache', () => {
    const local = sweep(path.join(tempDir, 'cache-local'), SPACE, path.join(tempDir, 'local'), ['--presets', 'tiny-base3']);
    expect(local.status, local.stderr).toBe(0);
    const cache = path.join(tempDir, 'cache-ray');
    const ray = sweep(cache, SPACE, path.join(tempDir, 'ray'), ['--presets', 'tiny-base3', '--ray', address]);
    expect(ray.status, ray.stderr).toBe(0);
    expect(ray.doc.options.pool).toBe(`ray ${address}`);
    expect(ray.doc.measured).toBe(5);
    expect(ray.doc.points.map((p) => [p.name, p.tokens_per_second, p.per_decoded_token_J])).toEqual(local.doc.points.map((p) => [p.name, p.tokens_per_second, p.per_decoded_token_J]));
    // Gathered into the driver's cache: a local rerun measures nothing.
    const again = sweep(cache, SPACE, path.join(tempDir, 'again'), ['--presets', 'tiny-base3']);
    expect(again.doc.cached).toBe(5);
  }, 600_000);

  it('a lost worker\'s point is retried; a failing point is reported with its error', () => {
    const fault = fs.mkdtempSync(path.join(tempDir, 'fault-'));
    const base = { lanes: 4, simd: 8, treePipeline: 2, weightMemory: 'rom', clockMHz: 100, machine: { scratchpadWords: 16 } };
    const r = sweep(path.join(tempDir, 'cache-fault'), { base, simd: [8, 16] }, path.join(tempDir, 'fault'), ['--presets', 'tiny', '--ray', address], { BITNET_HW_SWEEP_FAULT_DIR: fault });
    expect(r.status).toBe(1);
    // Every task's first attempt killed its worker (a marker per task), and every task still finished.
    expect(fs.readdirSync(fault)).toHaveLength(3);
    expect(r.doc.points).toHaveLength(3);
    expect(r.doc.points.find((p) => p.name === 'tiny')!.status).toBe('ok');
    const failed = r.doc.points.filter((p) => p.status === 'failed');
    expect(failed).toHaveLength(2);
    for (const p of failed) expect(p.error).toMatch(/^PRG001/);
  }, 600_000);

  it('an address with no cluster is a coded error, at once', () => {
    const r = sweep(path.join(tempDir, 'cache-none'), SPACE, path.join(tempDir, 'none'), ['--presets', 'none', '--ray', '127.0.0.1:1']);
    expect(r.status).toBe(2);
    expect(JSON.stringify(r.doc)).toContain('SW020');
    expect(r.stderr).toContain('no Ray cluster answers at 127.0.0.1:1');
  }, 120_000);
});
