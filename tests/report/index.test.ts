import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { repoRoot, tmpDir } from '../helpers.js';

const chrome = (...args: string[]) =>
  spawnSync('chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-chrome-'))}`, ...args,
  ], { encoding: 'utf8', timeout: 120_000 });

describe('report', () => {
  it('KPI header, real tables, five charts (seven with the training study scaling charts) that render, a Chrome trace, titled after the model folder; screenshot in headless Chromium', () => {
    const out = path.join(tmpDir('bnhw-report-'), 'rep');
    const model = path.join(repoRoot(), 'models', 'bitnet-b158');
    const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'bitnet-hw'), 'report', model, '--arch', 'tiny', '--out', out, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { per_decoded_token_J: number; prefill_tokens: number; decoded_tokens: number };
    expect(doc.prefill_tokens).toBe(16);
    expect(doc.decoded_tokens).toBe(4);
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('# bitnet-b158 on tiny');
    expect(md).toContain('cycles per decoded token');
    expect(md).toContain('| bitnet |');
    expect(md).toContain('bitnet-kv260');
    expect(md).toMatch(/total over 20 tokens/);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: no external scripts
    expect(html).not.toContain('<pre>');
    expect(html.match(/<table>/g)!.length).toBeGreaterThanOrEqual(7);
    // The timeline: one complete event per instruction of the first decoded token, on its unit's track.
    const trace = JSON.parse(fs.readFileSync(path.join(out, 'timeline.json'), 'utf8')) as { traceEvents: { ph: string; ts: number; dur: number; tid: number; cat?: string }[] };
    const spans = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(spans.length).toBeGreaterThan(50);
    for (const e of spans) expect(e.dur).toBeGreaterThan(0);
    expect(new Set(spans.map((e) => e.cat))).toContain('engine');

    const dom = chrome('--dump-dom', `file://${path.join(out, 'report.html')}`);
    const m = /data-render-check="([^"]*)"/.exec(dom.stdout);
    expect(m, dom.stderr.slice(-2000)).not.toBeNull();
    const inked = JSON.parse(m![1]!.replace(/&quot;/g, '"')) as Record<string, number>;
    // The scaling charts of the training study join when the package ships its runs file.
    const study = fs.existsSync(path.join(repoRoot(), 'models', 'training-runs.json')) ? ['scaling-energy', 'scaling-params'] : [];
    expect(Object.keys(inked).sort()).toEqual(['bitnet-vs-fp', 'energy-component', 'energy-part', ...study, 'timeline', 'unit-utilisation'].sort());
    if (study.length) expect(md).toContain('Models trained here: scaling');
    for (const v of Object.values(inked)) expect(v).toBeGreaterThan(1000);

    const shot = path.join(out, '..', 'shot.png');
    const s = chrome('--screenshot=' + shot, '--window-size=1200,1600', `file://${path.join(out, 'report.html')}`);
    expect(fs.existsSync(shot), s.stderr.slice(-2000)).toBe(true);
    const png = PNG.sync.read(fs.readFileSync(shot));
    expect(png.width).toBe(1200);
    // The KPI header (the top of the page) carries text: dark pixels, and the page is not blank.
    const dark = (y0: number, y1: number): number => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < png.width; x++) {
        const i = (y * png.width + x) * 4;
        if (png.data[i]! + png.data[i + 1]! + png.data[i + 2]! < 200) n++;
      }
      return n;
    };
    expect(dark(0, 400)).toBeGreaterThan(2000);
    expect(dark(0, png.height)).toBeGreaterThan(10000);
    console.log(`report screenshot: ${png.width}x${png.height}, ${dark(0, png.height)} dark pixels; charts inked ${JSON.stringify(inked)}`);
  }, 240_000);
});
