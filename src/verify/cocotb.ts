/**
 * Run the cocotb benches in hw/cocotb against a generated design on Verilator or Icarus Verilog.
 * Each run gets a fresh work folder under .cache/cocotb holding the RTL, the weights image (read by
 * $readmemh relative to the simulator's working directory) and the simulator build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RtlDesign } from '../codegen/verilog.js';
import { writeRtl } from '../codegen/verilog.js';
import { fail } from '../util/diagnostics.js';
import { packageRoot } from '../util/paths.js';
import { cacheDir, requireTool, run, venvBin } from './tools.js';

export type Sim = 'verilator' | 'icarus';
export type Bench = 'engine' | 'quantizer' | 'mac_array';

const TOPS: Record<Bench, string> = { engine: 'bnhw_engine', quantizer: 'bnhw_quantizer', mac_array: 'bnhw_mac_array' };

export interface CocotbResult {
  readonly bench: Bench;
  readonly sim: Sim;
  readonly passed: boolean;
  readonly tests: number;
  readonly failures: number;
  readonly log: string;
}

export function runCocotb(design: RtlDesign, bench: Bench, sim: Sim, env: Record<string, string>, label = 'run'): CocotbResult {
  requireTool(sim === 'verilator' ? 'verilator' : 'iverilog', sim === 'verilator' ? 'verilator' : 'iverilog');
  const cocotbConfig = venvBin('cocotb-config');
  const work = path.join(cacheDir('cocotb'), `${design.manifest.configHash}-${bench}-${sim}-${label}`);
  fs.rmSync(work, { recursive: true, force: true });
  writeRtl(design, work);
  const makefiles = run(cocotbConfig, ['--makefiles']).stdout.trim();
  const sources = design.manifest.sources.map((s) => path.join(work, s)).join(' ');
  const venv = path.dirname(cocotbConfig);
  const r = run('make', [
    '-s', '-f', path.join(makefiles, 'Makefile.sim'),
    `SIM=${sim}`, 'TOPLEVEL_LANG=verilog', `VERILOG_SOURCES=${sources}`, `TOPLEVEL=${TOPS[bench]}`, `MODULE=test_${bench}`,
    ...(sim === 'icarus' ? ['COMPILE_ARGS=-g2005'] : ['EXTRA_ARGS=--x-assign fast --x-initial fast -Wno-fatal']),
  ], {
    cwd: work,
    env: {
      ...process.env,
      ...env,
      PATH: `${venv}:${process.env['PATH'] ?? ''}`,
      PYTHONPATH: path.join(packageRoot(), 'hw', 'cocotb'),
      COCOTB_REDUCED_LOG_FMT: '1',
    },
    timeoutMs: 20 * 60 * 1000,
  });
  const results = path.join(work, 'results.xml');
  const log = `${r.stdout}\n${r.stderr}`;
  if (!fs.existsSync(results)) fail('COC001', work, `cocotb produced no results (exit ${r.status}):\n${log.slice(-3000)}`, 'check the simulator and cocotb installation (`npm run setup`)');
  const xml = fs.readFileSync(results, 'utf8');
  const tests = (xml.match(/<testcase /g) ?? []).length;
  const failures = (xml.match(/<failure/g) ?? []).length + (xml.match(/<error/g) ?? []).length;
  return { bench, sim, passed: tests > 0 && failures === 0, tests, failures, log };
}
