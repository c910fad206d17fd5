/**
 * Build and run the Verilator C++ harness (hw/harness/engine_harness.cpp) for a generated design.
 * Builds are cached by the design's config hash, so repeated verification reuses the binary.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RtlDesign } from '../codegen/verilog.js';
import { writeRtl } from '../codegen/verilog.js';
import { fail } from '../util/diagnostics.js';
import { packageRoot } from '../util/paths.js';
import { cacheDir, requireTool, run } from './tools.js';

export interface HarnessResult {
  readonly vectors: number;
  readonly mismatches: number;
  readonly cycles: number;
  readonly c_error: number;
  readonly first_mismatch: unknown;
  /** [layer, first input beat cycle, last output beat cycle] per token (first 4096). */
  readonly tokens: readonly [number, number, number][];
}

/** Build (or reuse) the harness binary; `fromDir` uses RTL files already on disk instead of `design`'s. */
export function buildHarness(design: RtlDesign, fromDir?: string): { exe: string; rtlDir: string } {
  requireTool('verilator', 'verilator');
  const harness = path.join(packageRoot(), 'hw', 'harness', 'engine_harness.cpp');
  // Key the build by the exact RTL text (a mutated or hand-edited folder must not reuse a binary).
  const h = createHash('sha256').update(fs.readFileSync(harness));
  if (fromDir) for (const f of fs.readdirSync(fromDir).sort()) h.update(f).update(fs.readFileSync(path.join(fromDir, f)));
  else for (const [f, c] of design.files) h.update(f).update(c);
  const key = h.digest('hex').slice(0, 16);
  const root = cacheDir('rtl-build', `${key}-verilator`);
  const exe = path.join(root, 'obj', 'engine_harness');
  const rtlDir = path.join(root, 'rtl');
  if (fs.existsSync(exe)) return { exe, rtlDir };
  if (fromDir) {
    fs.rmSync(rtlDir, { recursive: true, force: true });
    fs.cpSync(fromDir, rtlDir, { recursive: true });
  } else writeRtl(design, rtlDir);
  const sources = design.manifest.sources.map((s) => path.join(rtlDir, s));
  const r = run('verilator', [
    '--cc', '--exe', '--build', '-j', '2', '-O2', '--x-assign', 'fast', '--x-initial', 'fast',
    '--top-module', design.manifest.top, '-Mdir', path.join(root, 'obj'), '-o', 'engine_harness',
    ...(design.view.loadPort ? [] : [`-GWEIGHTS_FILE="${path.join(rtlDir, 'bnhw_weights.hex')}"`]),
    '-CFLAGS', design.view.loadPort ? '-O2 -DBNHW_LOAD_PORT' : '-O2', ...sources, harness,
  ]);
  if (r.status !== 0) {
    fs.rmSync(root, { recursive: true, force: true });
    fail('VER001', 'verilator', `Verilator build failed:\n${(r.stderr || r.stdout).slice(-4000)}`, 'this is a generator bug; report it with the design manifest');
  }
  return { exe, rtlDir };
}

export function runHarness(
  design: RtlDesign,
  vectorsFile: string,
  opts: { seed: number; inStall: number; outStall: number; maxTokens?: number; serial?: boolean; rtlDir?: string },
): HarnessResult {
  const { exe, rtlDir } = buildHarness(design, opts.rtlDir);
  const args = [vectorsFile, String(opts.seed), String(opts.inStall), String(opts.outStall), String(opts.maxTokens ?? 2 ** 53), opts.serial ? '1' : '0'];
  if (design.view.loadPort) args.push(path.join(rtlDir, 'bnhw_weights.hex'));
  const r = run(exe, args);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const doc = JSON.parse(line) as HarnessResult & { error?: string };
    if (doc.error) fail('VER002', vectorsFile, `RTL simulation failed: ${doc.error}`, 'this is a generator bug; report it with the design manifest');
    return doc;
  } catch (e) {
    if ((e as Error).name === 'BitnetError') throw e;
    fail('VER003', exe, `harness produced no result (exit ${r.status}): ${r.stderr.slice(-2000)}`, 'rebuild with `rm -rf .cache/rtl-build`');
  }
}
