/**
 * `bitnet-hw sweep` end to end on the local pool: outputs, the per-point cache (a rerun measures
 * nothing, an enlarged space only its new points, an interrupted sweep resumes), failed points
 * reported with their error, and the HTML page drawn in headless Chromium.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, tmpDir } from '../helpers.js';

const BIN = path.join(repoRoot(), 'bin', 'bitnet-hw');
const MODEL = path.join(repoRoot(), 'models', 'synthetic-tiny');

interface SweepDoc {
  schema: string;
  measured: number;
  cached: number;
  failed: number;
  front: string[];
  dominating_presets: Record<string, string[]>;
  points: { name: string; status: string; preset: string | null; error: string | null; tokens_per_second: number | null; lut4: number | null; on_front: boolean }[];
}

function sweep(cache: string, space: object, out: string, ...extra: string[]) {
  const file = path.join(path.dirname(out), `space-${path.basename(out)}.json`);
  fs.writeFileSync(file, JSON.stringify(space));
  const r = spawnSync(process.execPath, [BIN, 'sweep', MODEL, '--space', file, '--out', out, '--json', ...extra], { encoding: 'utf8', env: { ...process.env, BITNET_HW_CACHE_DIR: cache }, timeout: 600_000 });
  return { status: r.status, doc: JSON.parse(r.stdout) as SweepDoc, stderr: r.stderr };
}

const QUICK = { base: 'tiny', lanes: [2, 4], simd: [8, 16], vectorLanes: [4, 16] };

describe('sweep (local pool)', () => {
  it('measures every point once: outputs, the cache, an enlarged space, presets on the front or dominated', () => {
    const dir = tmpDir('bnhw-sweep-');
    const cache = path.join(dir, 'cache');
    const a = sweep(cache, QUICK, path.join(dir, 'a'), '--sim-only', '--workers', '2');
    expect(a.status, a.stderr).toBe(0);
    expect(a.doc.schema).toBe('bitnet-hw/sweep/1');
    // 8 space points, one of them the tiny preset; tiny-base3, default and default-base3 beside them.
    expect(a.doc.points).toHaveLength(11);
    expect(a.doc.points.find((p) => p.name === 'tiny-p4-s8-vl4')!.preset).toBe('tiny');
    expect(a.doc.measured).toBe(11);
    expect(a.doc.front.length).toBeGreaterThan(0);
    for (const [preset, by] of Object.entries(a.doc.dominating_presets)) {
      const p = a.doc.points.find((q) => q.preset === preset)!;
      expect(p.on_front).toBe(by.length === 0);
    }
    const csv = fs.readFileSync(path.join(dir, 'a', 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(12);
    expect(csv[0]).toContain('tokens_per_second,per_decoded_token_J');
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'a', 'sweep.json'), 'utf8')) as SweepDoc;
    expect(saved.points.map((p) => p.tokens_per_second)).toEqual(a.doc.points.map((p) => p.tokens_per_second));

    const b = sweep(cache, QUICK, path.join(dir, 'b'), '--sim-only');
    expect(b.doc.measured).toBe(0);
    expect(b.doc.cached).toBe(11);
    expect(b.doc.points.map((p) => p.tokens_per_second)).toEqual(a.doc.points.map((p) => p.tokens_per_second));

    const c = sweep(cache, { ...QUICK, lanes: [2, 4, 8] }, path.join(dir, 'c'), '--sim-only');
    expect(c.doc.points).toHaveLength(15);
    expect(c.doc.measured).toBe(4);

    // Options are part of a point's key: another run shape is measured afresh.
    const d = sweep(cache, QUICK, path.join(dir, 'd'), '--sim-only', '--decode', '2', '--presets', 'none');
    expect(d.doc.points).toHaveLength(8);
    expect(d.doc.measured).toBe(8);
  });

  it('an interrupted sweep resumes from the points it finished', async () => {
    const dir = tmpDir('bnhw-sweep-int-');
    const cache = path.join(dir, 'cache');
    const file = path.join(dir, 'space.json');
    fs.writeFileSync(file, JSON.stringify(QUICK));
    const child = spawn(process.execPath, [BIN, 'sweep', MODEL, '--space', file, '--out', path.join(dir, 'a'), '--sim-only', '--workers', '1', '--json'], { env: { ...process.env, BITNET_HW_CACHE_DIR: cache }, stdio: 'ignore' });
    const entries = (): number => (fs.existsSync(path.join(cache, 'sweep')) ? fs.readdirSync(path.join(cache, 'sweep')).filter((f) => f.endsWith('.json')).length : 0);
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (entries() >= 2) {
          clearInterval(t);
          child.kill('SIGTERM');
          resolve();
        }
      }, 50);
      child.on('exit', () => {
        clearInterval(t);
        if (entries() < 2) reject(new Error('the sweep ended before two points finished'));
      });
    });
    await new Promise((r) => child.on('close', r));
    const done = entries();
    expect(done).toBeLessThan(11);
    expect(fs.existsSync(path.join(dir, 'a'))).toBe(false); // nothing half-written
    const r = sweep(cache, QUICK, path.join(dir, 'b'), '--sim-only');
    expect(r.status, r.stderr).toBe(0);
    expect(r.doc.cached).toBe(done);
    expect(r.doc.measured).toBe(11 - done);
  });

  it('failed points are reported with their error, never dropped, and fail the sweep (exit 1)', () => {
    const dir = tmpDir('bnhw-sweep-fail-');
    const base = { lanes: 4, simd: 8, treePipeline: 2, weightMemory: 'rom', clockMHz: 100, machine: { scratchpadWords: 16 } };
    const r = sweep(path.join(dir, 'cache'), { base, lanes: [2, 4] }, path.join(dir, 'a'), '--sim-only', '--presets', 'tiny');
    expect(r.status).toBe(1);
    expect(r.doc.failed).toBe(2);
    const failed = r.doc.points.filter((p) => p.status === 'failed');
    expect(failed.map((p) => p.name)).toEqual(['base-p2', 'base-p4']);
    for (const p of failed) expect(p.error).toMatch(/^PRG001: the program needs \d+ scratchpad words/);
    expect(r.doc.points.find((p) => p.preset === 'tiny')!.status).toBe('ok');
    expect(fs.readFileSync(path.join(dir, 'a', 'sweep.csv'), 'utf8')).toContain('PRG001');
    // Failures are not cached: a rerun tries them again.
    const again = sweep(path.join(dir, 'cache'), { base, lanes: [2, 4] }, path.join(dir, 'b'), '--sim-only', '--presets', 'tiny');
    expect(again.doc.cached).toBe(1);
    expect(again.doc.failed).toBe(2);
  });

  it('with synthesis: Yosys ECP5 area on every point, the front over three objectives, a page that draws in headless Chromium', () => {
    const dir = tmpDir('bnhw-sweep-syn-');
    const r = sweep(path.join(dir, 'cache'), { base: 'tiny', lanes: [2, 4] }, path.join(dir, 'a'), '--presets', 'tiny-base3');
    expect(r.status, r.stderr).toBe(0);
    expect(r.doc.points).toHaveLength(3);
    for (const p of r.doc.points) expect(p.lut4).toBeGreaterThan(1000);
    const lut = (n: string) => r.doc.points.find((p) => p.name === n)!.lut4!;
    expect(lut('tiny-p2')).toBeLessThan(lut('tiny-p4'));
    const html = path.join(dir, 'a', 'sweep.html');
    const page = fs.readFileSync(html, 'utf8');
    expect(page).not.toMatch(/<script[^>]+src=/);
    const dom = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-chrome-'))}`, '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 120_000 });
    const m = /data-render-check="([^"]+)"/.exec(dom.stdout);
    expect(m, dom.stderr.slice(-2000)).not.toBeNull();
    const check = JSON.parse(m![1]!.replace(/&quot;/g, '"')) as { points: number; front: number; ink: Record<string, number> };
    expect(check.points).toBe(3);
    expect(check.front).toBe(r.doc.front.length);
    for (const v of Object.values(check.ink)) expect(v).toBeGreaterThan(5000);
  }, 600_000);

  it('bad input: coded errors before any work', () => {
    const dir = tmpDir('bnhw-sweep-bad-');
    const file = path.join(dir, 'space.json');
    fs.writeFileSync(file, JSON.stringify({ lanes: 'many' }));
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'sweep', MODEL, ...args, '--json'], { encoding: 'utf8', env: { ...process.env, BITNET_HW_CACHE_DIR: path.join(dir, 'cache') } });
    const code = (r: ReturnType<typeof run>) => (JSON.parse(r.stdout) as { error: { diagnostics: { code: string }[] } }).error.diagnostics[0]!.code;
    let r = run('--space', file, '--out', path.join(dir, 'o'));
    expect(r.status).toBe(2);
    expect(code(r)).toBe('SW003');
    r = run('--space', path.join(dir, 'missing.json'), '--out', path.join(dir, 'o'));
    expect(r.status).toBe(2);
    r = run('--space', file, '--out', path.join(dir, 'o'), '--workers', '2', '--ray', 'auto');
    expect(code(r)).toBe('CLI060');
    fs.writeFileSync(file, JSON.stringify(QUICK));
    r = run('--space', file, '--out', path.join(dir, 'o'), '--presets', 'tiny-binary');
    expect(code(r)).toBe('SW011');
    r = run('--space', file, '--out', path.join(dir, 'o'), '--arch', 'tiny');
    expect(r.status).toBe(2);
    expect(fs.existsSync(path.join(dir, 'o'))).toBe(false);
  });
});
