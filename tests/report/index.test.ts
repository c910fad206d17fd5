import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, tmpDir } from '../helpers.js';

describe('report', () => {
  it('writes Markdown and a self-contained HTML page whose four charts render in headless Chromium', () => {
    const out = tmpDir('bnhw-report-');
    const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'bitnet-hw'), 'report', '2b4t', '--out', out, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('cycles per decoded token');
    expect(md).toContain('| bitnet |');
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: no external scripts
    const chrome = spawnSync('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-chrome-'))}`,
      '--dump-dom', `file://${path.join(out, 'report.html')}`,
    ], { encoding: 'utf8', timeout: 120_000 });
    const m = /<div id="render-check">([^<]*)<\/div>/.exec(chrome.stdout);
    expect(m, chrome.stderr.slice(-2000)).not.toBeNull();
    const inked = JSON.parse(m![1]!.replace(/&quot;/g, '"')) as Record<string, number>;
    expect(Object.keys(inked).sort()).toEqual(['bitnet-vs-fp', 'cycles-layer', 'energy-component', 'energy-layer']);
    for (const v of Object.values(inked)) expect(v).toBeGreaterThan(1000);
  }, 180_000);
});
