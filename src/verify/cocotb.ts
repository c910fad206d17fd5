/**
 * Run the cocotb benches in hw/cocotb against a design's RTL (generated, or the files of a `--rtl`
 * folder) on Verilator or Icarus Verilog. Each run gets its own work folder (a per-process temp
 * name in the cache, removed afterwards) holding the RTL, the weights image (read by $readmemh
 * relative to the simulator's working directory) and the simulator build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RtlDesign } from '../codegen/verilog.js';
import { fail } from '../util/diagnostics.js';
import { dropTemp, tempSibling } from '../util/fsout.js';
import { packageRoot } from '../util/paths.js';
import { progressLine } from '../util/progress.js';
import { rtlFiles, writeFiles } from './rtlfiles.js';
import { cacheDir, requireTool, run, venvBin } from './tools.js';

export type Sim = 'verilator' | 'icarus';
export type Bench = 'engine' | 'quantizer' | 'mac_array';

const TOPS: Record<Bench, string> = { engine: 'bnhw_engine', quantizer: 'bnhw_qelem', mac_array: 'bnhw_mac_array' };

export interface CocotbResult {
  readonly bench: Bench;
  readonly sim: Sim;
  readonly passed: boolean;
  readonly tests: number;
  readonly failures: number;
  readonly log: string;
  /** The bench's own result document (BNHW_RESULT), when it wrote one. */
  readonly result: unknown;
}

export interface CocotbOptions {
  /** Simulate the files of this folder instead of the generated design. */
  readonly rtlDir?: string;
  /** Icarus only: write a VCD of simulation times [fromNs, toNs] to this file. */
  readonly vcd?: { readonly file: string; readonly fromNs: number; readonly toNs: number };
}

export function runCocotb(design: RtlDesign, bench: Bench, sim: Sim, env: Record<string, string>, opts: CocotbOptions = {}): CocotbResult {
  const files = rtlFiles(design, opts.rtlDir);
  const r = runCocotbTop(
    { key: `${design.manifest.configHash}-${bench}-${sim}`, files, sources: design.manifest.sources, top: TOPS[bench], module: `test_${bench}` },
    sim,
    env,
    opts,
  );
  return { ...r, bench };
}

/** A bench run on other files than the generated ones, as a mutation run needs it. */
export interface BenchFiles {
  /** Simulate these files instead of the generated ones. */
  readonly files?: ReadonlyMap<string, string>;
  /** Stop at the first difference (a mutant needs one; the run then fails): BNHW_FAIL_FAST. */
  readonly failFast?: boolean;
}

/** The bench's environment variable for `failFast`. */
export function failFastEnv(o: BenchFiles): Record<string, string> {
  return { BNHW_FAIL_FAST: o.failFast ? '1' : '0' };
}

/** What one cocotb run simulates: files to write, the sources among them, the top and the bench. */
export interface CocotbTarget {
  /** Names the run's work folder (a configuration hash and the bench). */
  readonly key: string;
  readonly files: ReadonlyMap<string, string>;
  readonly sources: readonly string[];
  /** Extra sources from hw/cocotb (bench tops). */
  readonly benchSources?: readonly string[];
  readonly top: string;
  readonly module: string;
  /** The top makes its own clock with delays (Verilator needs `--timing` for those). */
  readonly ownClock?: boolean;
}

/** Where cocotb's GPI library and the Python it embeds live (asked once per process: each question starts a Python). */
interface CocotbPaths {
  readonly makefiles: string;
  readonly libDir: string;
  readonly libPython: string;
}
let cocotbPaths: CocotbPaths | undefined;
function cocotbConfigPaths(cocotbConfig: string): CocotbPaths {
  cocotbPaths ??= {
    makefiles: run(cocotbConfig, ['--makefiles']).stdout.trim(),
    libDir: run(cocotbConfig, ['--lib-dir']).stdout.trim(),
    libPython: run(cocotbConfig, ['--libpython']).stdout.trim(),
  };
  return cocotbPaths;
}

export function runCocotbTop(t: CocotbTarget, sim: Sim, env: Record<string, string>, opts: CocotbOptions = {}): Omit<CocotbResult, 'bench'> {
  requireTool(sim === 'verilator' ? 'verilator' : 'iverilog', sim === 'verilator' ? 'verilator' : 'iverilog');
  const cocotbConfig = venvBin('cocotb-config');
  const work = tempSibling(path.join(cacheDir('cocotb'), t.key));
  try {
    fs.mkdirSync(work, { recursive: true });
    writeFiles(work, t.files);
    const cc = cocotbConfigPaths(cocotbConfig);
    const sources = [...t.sources.map((s) => path.join(work, s)), ...(t.benchSources ?? []).map((s) => path.join(packageRoot(), 'hw', 'cocotb', s))];
    const plusargs: string[] = [];
    if (opts.vcd) {
      if (sim !== 'icarus') throw new Error('runCocotb: VCD dumps are for Icarus (Verilator traces come from the C++ harness)');
      sources.push(path.join(packageRoot(), 'hw', 'cocotb', 'bnhw_dump.v'));
      plusargs.push(`+bnhw_vcd=${path.resolve(opts.vcd.file)}`, `+bnhw_vcd_from=${opts.vcd.fromNs}`, `+bnhw_vcd_to=${opts.vcd.toNs}`);
    }
    const resultFile = path.join(work, 'bnhw-result.json');
    const results = path.join(work, 'results.xml');
    const venv = path.dirname(cocotbConfig);
    const runEnv = {
      ...process.env,
      ...env,
      BNHW_RESULT: resultFile,
      PATH: `${venv}:${process.env['PATH'] ?? ''}`,
      PYTHONPATH: path.join(packageRoot(), 'hw', 'cocotb'),
      COCOTB_REDUCED_LOG_FMT: '1',
    };
    const timeoutMs = 20 * 60 * 1000;
    const done = progressLine(`cocotb: ${t.module} on ${sim}`);
    let r: { readonly status: number | null; readonly stdout: string; readonly stderr: string };
    if (sim === 'icarus') {
      // Icarus straight, as cocotb's Makefile.icarus runs it (the same commands and environment;
      // every source names its own time scale) without the dozen Python starts its makefiles spend
      // before each run: about 2.5 s of a mutant's 3 s.
      const c = run('iverilog', ['-o', path.join(work, 'sim.vvp'), '-D', 'COCOTB_SIM=1', '-s', t.top, ...(opts.vcd ? ['-s', 'bnhw_dump', `-DBNHW_DUMP_TOP=${t.top}`] : []), '-g2005', ...sources], { cwd: work, env: runEnv, timeoutMs });
      r = c.status !== 0 ? c : run('vvp', ['-M', cc.libDir, '-m', 'libcocotbvpi_icarus', path.join(work, 'sim.vvp'), ...plusargs], {
        cwd: work,
        env: { ...runEnv, MODULE: t.module, TOPLEVEL: t.top, TOPLEVEL_LANG: 'verilog', COCOTB_RESULTS_FILE: results, LIBPYTHON_LOC: cc.libPython },
        timeoutMs,
      });
    } else {
      r = run('make', [
        '-s', '-f', path.join(cc.makefiles, 'Makefile.sim'),
        'SIM=verilator', 'TOPLEVEL_LANG=verilog', `VERILOG_SOURCES=${sources.join(' ')}`, `TOPLEVEL=${t.top}`, `MODULE=${t.module}`,
        `EXTRA_ARGS=--x-assign fast --x-initial fast -Wno-fatal${t.ownClock ? ' --timing' : ''}`,
      ], { cwd: work, env: runEnv, timeoutMs });
    }
    done();
    const log = `${r.stdout}\n${r.stderr}`;
    if (!fs.existsSync(results)) fail('COC001', sim, `cocotb produced no results (exit ${r.status}):\n${log.slice(-3000)}`, opts.rtlDir ? 'the RTL folder does not compile; regenerate it with `bitnet-hw gen`' : 'check the simulator and cocotb installation (`npm run setup`)');
    const xml = fs.readFileSync(results, 'utf8');
    const tests = (xml.match(/<testcase /g) ?? []).length;
    const failures = (xml.match(/<failure/g) ?? []).length + (xml.match(/<error/g) ?? []).length;
    let result: unknown = null;
    try {
      result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    } catch {
      /* benches other than the engine's write none */
    }
    return { sim, passed: tests > 0 && failures === 0, tests, failures, log, result };
  } finally {
    dropTemp(work);
  }
}
