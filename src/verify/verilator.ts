/**
 * Build and run the Verilator C++ harness (hw/harness/engine_harness.cpp) for a design's RTL.
 * Builds are cached by the exact text of the RTL, the harness and the build flags, so a mutated or
 * hand-edited folder never reuses a binary, and repeated verification of one design builds once.
 * A build happens in a per-process temp folder renamed into the cache when complete, so concurrent
 * runs never see (or leave) a half-built harness.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RtlDesign } from '../codegen/verilog.js';
import type { DramTiming } from '../ir/arch.js';
import { fail } from '../util/diagnostics.js';
import { dropTemp, keepTemp, tempSibling } from '../util/fsout.js';
import { packageRoot } from '../util/paths.js';
import { progressEnabled, progressLine } from '../util/progress.js';
import { rtlFiles, writeFiles } from './rtlfiles.js';
import { cacheDir, requireTool, run } from './tools.js';

export interface Mismatch {
  /** Index of the token in the vector file. */
  readonly token: number;
  readonly layer: number;
  readonly row: number;
  /** Cycle of the mismatching output beat, and of the token's first input beat. */
  readonly cycle: number;
  readonly token_start_cycle: number;
  readonly got: string;
  readonly want: string;
  readonly last_got: number;
  readonly last_want: number;
}

export interface HarnessResult {
  readonly vectors: number;
  readonly mismatches: number;
  readonly cycles: number;
  readonly c_error: number;
  readonly first_mismatches: readonly Mismatch[];
  /** Mismatch count by layer id (shorter than the layer list when the tail has none). */
  readonly per_layer_mismatches: readonly number[];
  /** [layer, first input beat cycle, last output beat cycle] per token (first 4096). */
  readonly tokens: readonly [number, number, number][];
  /** Set when the run did not complete (deadlock): the figures above are then absent or partial. */
  readonly error?: string;
}

export interface HarnessBuild {
  readonly exe: string;
  /** Folder with the RTL the binary was built from (its weights image is read at run time). */
  readonly rtlDir: string;
}

interface BuildSpec {
  readonly files: Map<string, string>;
  readonly flags: readonly string[];
  readonly defines: string;
  readonly root: string;
}

function buildSpec(design: RtlDesign, opts: { rtlDir?: string; trace?: boolean }): BuildSpec {
  const harness = path.join(packageRoot(), 'hw', 'harness', 'engine_harness.cpp');
  const files = rtlFiles(design, opts.rtlDir);
  const defines = [design.view.loadPort ? '-DBNHW_LOAD_PORT' : '', design.view.dram ? '-DBNHW_DRAM' : '', opts.trace ? '-DBNHW_TRACE' : ''].filter(Boolean).join(' ');
  const flags = ['--cc', '--exe', '--build', '-j', '2', '-O2', '--x-assign', 'fast', '--x-initial', 'fast', ...(opts.trace ? ['--trace-fst'] : [])];
  const h = createHash('sha256').update(fs.readFileSync(harness)).update(fs.readFileSync(path.join(path.dirname(harness), 'dram_model.h'))).update(flags.join(' ')).update(defines);
  for (const [f, c] of files) h.update(f).update('\0').update(c);
  const key = h.digest('hex').slice(0, 16);
  return { files, flags, defines, root: path.join(cacheDir('rtl-build'), `${key}-verilator${opts.trace ? '-trace' : ''}`) };
}

/** The cache folder holding the harness build for this RTL (exists once built). */
export function harnessBuildRoot(design: RtlDesign, opts: { rtlDir?: string; trace?: boolean } = {}): string {
  return buildSpec(design, opts).root;
}

/**
 * A cached build: `build` fills a per-process temp folder that is renamed to `root` when complete,
 * so concurrent runs never see (or leave) a half-built harness; nothing is built when `exe`
 * exists already.
 */
export function cachedBuild(root: string, exe: string, build: (tmp: string) => void): void {
  if (fs.existsSync(exe)) return;
  const tmp = tempSibling(root);
  try {
    build(tmp);
    try {
      fs.renameSync(tmp, root);
      keepTemp(tmp);
    } catch {
      // Another process finished the same build first: use its copy.
      dropTemp(tmp);
    }
  } catch (e) {
    dropTemp(tmp);
    throw e;
  }
}

/** Build (or reuse) the harness binary for the design's RTL, or for the files of `rtlDir`. */
export function buildHarness(design: RtlDesign, opts: { rtlDir?: string; trace?: boolean } = {}): HarnessBuild {
  requireTool('verilator', 'verilator');
  const harness = path.join(packageRoot(), 'hw', 'harness', 'engine_harness.cpp');
  const { files, flags, defines, root } = buildSpec(design, opts);
  const exe = path.join(root, 'obj', 'engine_harness');
  cachedBuild(root, exe, (tmp) => {
    const rtlDir = path.join(tmp, 'rtl');
    fs.mkdirSync(rtlDir, { recursive: true });
    writeFiles(rtlDir, files);
    const sources = design.manifest.sources.map((s) => path.join(rtlDir, s));
    // ROM designs read their weight images relative to the working directory (the run's rtl folder).
    const done = progressLine(`verilator: building the harness for ${design.manifest.top} (${design.plan.P}x${design.plan.S})`);
    const r = run('verilator', [
      ...flags, '--top-module', design.manifest.top, '-Mdir', path.join(tmp, 'obj'), '-o', 'engine_harness',
      '-CFLAGS', `-O2 -I${path.dirname(harness)} ${defines}`.trim(), ...sources, harness,
    ]);
    done();
    if (r.status !== 0) {
      fail('VER001', 'verilator', `Verilator build failed:\n${(r.stderr || r.stdout).slice(-4000)}`, opts.rtlDir ? 'the RTL folder does not build; regenerate it with `bitnet-hw gen`' : 'this is a generator bug; report it with the design manifest');
    }
  });
  return { exe, rtlDir: path.join(root, 'rtl') };
}

export interface HarnessOptions {
  readonly seed: number;
  readonly inStall: number;
  readonly outStall: number;
  readonly maxTokens?: number;
  readonly firstToken?: number;
  readonly serial?: boolean;
  readonly rtlDir?: string;
  /** Write an FST waveform of cycles [from, to] to this file. */
  readonly trace?: { readonly file: string; readonly from: number; readonly to: number };
  /** How many mismatches to describe (default 8). */
  readonly report?: number;
  /** Draw vectors done of this total on stderr while it runs (when progress output is on). */
  readonly progressTotal?: number;
  /** Write every output beat the RTL produced (u32 little-endian, in order) to this file. */
  readonly dump?: string;
  /** DRAM designs: the memory's timing (default: the manifest's, at the architecture's clock). */
  readonly dram?: DramTiming;
}

export function runHarness(design: RtlDesign, vectorsFile: string, opts: HarnessOptions): HarnessResult {
  const { exe, rtlDir } = buildHarness(design, { ...(opts.rtlDir ? { rtlDir: opts.rtlDir } : {}), trace: opts.trace !== undefined });
  const args = ['--vectors', vectorsFile, '--seed', String(opts.seed), '--in-stall', String(opts.inStall), '--out-stall', String(opts.outStall), '--report', String(opts.report ?? 8)];
  if (opts.maxTokens !== undefined) args.push('--max-tokens', String(opts.maxTokens));
  if (opts.firstToken) args.push('--first-token', String(opts.firstToken));
  if (opts.serial) args.push('--serial');
  if (design.view.loadPort || design.view.dram) args.push('--weights', path.join(rtlDir, 'bnhw_weights.hex'));
  const dram = opts.dram ?? design.manifest.dram;
  if (design.view.dram && dram) args.push('--dram-latency', String(dram.latency), '--dram-interval', String(dram.interval));
  if (opts.trace) args.push('--trace', path.resolve(opts.trace.file), '--trace-from', String(opts.trace.from), '--trace-to', String(opts.trace.to));
  const progress = opts.progressTotal !== undefined && opts.progressTotal >= 1000 && progressEnabled();
  if (progress) args.push('--progress', String(opts.progressTotal));
  if (opts.dump) args.push('--dump', path.resolve(opts.dump));
  const r = run(exe, args, { cwd: rtlDir, ...(progress ? { stderr: 'inherit' as const } : {}) });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let doc: HarnessResult & { error?: string };
  try {
    doc = JSON.parse(line) as HarnessResult & { error?: string };
  } catch {
    fail('VER003', exe, `the harness produced no result (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-2000)}`, 'this is a bug of bitnet-hw; report it with the command line');
  }
  if (doc.error && doc.vectors === undefined) {
    if (/deadlock/.test(doc.error)) return { vectors: 0, mismatches: 0, cycles: 0, c_error: 0, first_mismatches: [], per_layer_mismatches: [], tokens: [], error: doc.error };
    fail('VER002', vectorsFile, `the harness refused to run: ${doc.error}`, 'regenerate the vectors (delete the cache entry) and retry');
  }
  return doc;
}
