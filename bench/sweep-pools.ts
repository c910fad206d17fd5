/**
 * The same sweep on the local pool and on a local Ray cluster (a head started here on 127.0.0.1
 * with as many CPUs as the local pool has workers), each with a cold cache, side by side: wall
 * times and their ratio, and whether every figure agrees.
 * usage: node dist/bench/sweep-pools.js [model] [space.json] [--impl]
 *        (default: models/synthetic-tiny, hw/spaces/quick.json, synthesis only)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../src/util/paths.js';
import { venvBin } from '../src/verify/tools.js';

const args = process.argv.slice(2);
const impl = args.includes('--impl');
const [model = path.join(packageRoot(), 'models', 'synthetic-tiny'), space = path.join(packageRoot(), 'hw', 'spaces', 'quick.json')] = args.filter((a) => a !== '--impl');
const workers = Math.max(1, os.availableParallelism());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-bench-pools-'));
const env = { ...process.env, RAY_USAGE_STATS_ENABLED: '0' };
const bin = path.join(packageRoot(), 'bin', 'bitnet-hw');

function sweep(name: string, extra: string[]): { wall: number; points: { name: string; tokens_per_second: number; lut4: number | null; fmax_mhz: number | null }[] } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'sweep', model, '--space', space, '--out', path.join(dir, name), '--presets', 'none', '--json', ...(impl ? ['--impl'] : []), ...extra], { encoding: 'utf8', env: { ...env, BITNET_HW_CACHE_DIR: path.join(dir, `cache-${name}`) }, maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${name} sweep failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wall, points: (JSON.parse(r.stdout) as { points: { name: string; tokens_per_second: number; lut4: number | null; fmax_mhz: number | null }[] }).points };
}

const ray = venvBin('ray');
const tmp = fs.mkdtempSync('/tmp/bnray-');
const port = 20000 + (process.pid % 20000);
const started = spawnSync(ray, ['start', '--head', '--node-ip-address', '127.0.0.1', '--port', String(port), '--num-cpus', String(workers), '--include-dashboard', 'false', '--disable-usage-stats', '--temp-dir', tmp], { encoding: 'utf8', env });
if (started.status !== 0) throw new Error(`ray start failed: ${started.stderr.slice(-2000)}`);
try {
  const local = sweep('local', ['--workers', String(workers)]);
  const onRay = sweep('ray', ['--ray', `127.0.0.1:${port}`]);
  const same = JSON.stringify(local.points.map((p) => [p.name, p.tokens_per_second, p.lut4, p.fmax_mhz])) === JSON.stringify(onRay.points.map((p) => [p.name, p.tokens_per_second, p.lut4, p.fmax_mhz]));
  console.log(`sweep of ${path.basename(model)} over ${path.basename(space)} (${local.points.length} points, ${impl ? 'with place and route' : 'synthesis only'}), cold caches, ${workers} workers each:`);
  console.log(`  local pool      ${local.wall.toFixed(1)} s`);
  console.log(`  Ray (local head) ${onRay.wall.toFixed(1)} s  = ${(onRay.wall / local.wall).toFixed(2)}x the local pool's wall time`);
  console.log(`  figures identical: ${same ? 'yes' : 'NO'}`);
} finally {
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    for (const p of spawnSync('pgrep', ['-f', tmp], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), sig);
      } catch {
        /* gone */
      }
    }
    spawnSync('sleep', ['2']);
  }
}
