/**
 * 2B4T-shaped checkpoint benchmark (random ternary weights, real shapes from the spec):
 *  1. writes the packed Hugging Face checkpoint once (about 1.2 GB) into a cache folder;
 *  2. in a fresh child process, imports it and reports peak RSS against the file size
 *     (goal: under 2x), then runs one token through the reference in `hw` and `float` numerics.
 * Usage: node dist/bench/model-2b4t.js [cacheDir]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCheckpoint } from '../src/ir/export/synthetic.js';

export const SPEC_2B4T = {
  format: 'hf-packed' as const,
  hidden: 2560,
  layers: 30,
  heads: 20,
  kvHeads: 5,
  ffnHidden: 6912,
  vocab: 128256,
  maxPositions: 4096,
  randomCodes: true,
  seed: 2404,
};

export interface Model2b4tResult {
  fileBytes: number;
  generateSeconds: number | null;
  importSeconds: number;
  peakRssBytes: number;
  peakOverFile: number;
  parameters: number;
  tokenMsHw: number;
  tokenMsFloat: number;
}

export function ensureCheckpoint(dir: string): { dir: string; seconds: number | null } {
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return { dir, seconds: null };
  const t0 = performance.now();
  writeSyntheticCheckpoint(dir, SPEC_2B4T);
  fs.writeFileSync(marker, 'ok\n');
  return { dir, seconds: (performance.now() - t0) / 1000 };
}

export function bench2b4t(cacheDir = path.join(os.tmpdir(), 'bitnet-hw-bench-2b4t')): Model2b4tResult {
  const { dir, seconds } = ensureCheckpoint(cacheDir);
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model-2b4t-child.js');
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', child, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  const c = JSON.parse(r.stdout) as Omit<Model2b4tResult, 'generateSeconds' | 'fileBytes' | 'peakOverFile'>;
  const fileBytes = fs.statSync(path.join(dir, 'model.safetensors')).size;
  return { ...c, fileBytes, generateSeconds: seconds, peakOverFile: c.peakRssBytes / fileBytes };
}

export function print2b4t(r: Model2b4tResult): void {
  const gb = (b: number): string => (b / 1e9).toFixed(3);
  console.log('2B4T-shaped packed checkpoint (random ternary weights):');
  console.log(`  file ${gb(r.fileBytes)} GB, ${r.parameters.toLocaleString('en-US')} parameters${r.generateSeconds !== null ? `, generated in ${r.generateSeconds.toFixed(1)} s` : ' (cached)'}`);
  console.log(`  import: ${r.importSeconds.toFixed(2)} s, peak RSS ${gb(r.peakRssBytes)} GB = ${r.peakOverFile.toFixed(2)}x the file size (goal < 2x)`);
  console.log(`  one token (position 0, full 128256-entry head): hw numerics ${r.tokenMsHw.toFixed(0)} ms, float numerics ${r.tokenMsFloat.toFixed(0)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) print2b4t(bench2b4t(process.argv[2]));
