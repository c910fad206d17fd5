/**
 * One design point of a sweep, measured: the whole-model simulator's cycles and tokens/s, the
 * activity method's energy per decoded token, area from synthesis (Yosys synth_ecp5 cells; the
 * MAC array under synth_xilinx for an xc7 LUT figure) and, with `impl`, nextpnr-ecp5's Fmax,
 * utilisation and whether the design fits the part.
 *
 * Needs: a model folder (or a weightless preset: simulator and energy only) and an architecture.
 * Guarantees: every figure says where it came from (`clock.source`, `fits_source`, `area_source`);
 * tokens/s and power are at the achieved clock when `impl` ran, else at the labelled target clock;
 * the cache key is a hash of the generated design's files, the full architecture and the options.
 */
import { createHash } from 'node:crypto';
import { machineOf, systemOf, type ArchSpec } from '../ir/arch.js';
import { generateRtl, type RtlDesign } from '../codegen/verilog.js';
import { loadModel } from '../ir/load.js';
import { resolveShape } from '../ir/resolve.js';
import { simulateModel, targetClock, type SimClock } from '../sim/model.js';
import { activityEnergy } from '../energy/activity.js';
import { loadEnergyTable } from '../energy/tables.js';
import { BitnetError, fail } from '../util/diagnostics.js';
import { IMPL_TARGETS, implement, synthEcp5 } from '../verify/impl.js';
import { macArrayReport } from '../verify/synth.js';
import { rtlFiles } from '../verify/rtlfiles.js';
import { MODEL_PRESETS } from '../ir/presets.js';

export interface PointOptions {
  /** Place and route with nextpnr-ecp5 (minutes per point). */
  readonly impl: boolean;
  readonly target: string;
  readonly seed: number;
  readonly prefill: number;
  readonly decode: number;
  /** Energy table: 45nm | 7nm | a table file. */
  readonly node: string;
  /** Skip synthesis (simulator and energy only): presets, and quick looks. */
  readonly noSynth?: boolean;
}

export interface Ecp5Area {
  readonly source: 'yosys synth_ecp5' | 'nextpnr-ecp5';
  /** LUT4 slots: Yosys LUT4 cells plus two per CCU2C carry cell, or nextpnr's TRELLIS_COMB. */
  readonly lut4: number;
  readonly ff: number;
  readonly ebr: number;
  readonly dsp: number;
}

export interface PointResult {
  readonly name: string;
  readonly arch: ArchSpec;
  /** The generated design's config hash (null for a weightless preset). */
  readonly design_hash: string | null;
  readonly clock: { readonly mhz: number; readonly source: 'achieved' | 'target' };
  readonly cycles_per_token: number;
  readonly tokens_per_second: number;
  readonly prompt_tokens_per_second: number;
  readonly per_decoded_token_J: number | null;
  readonly decode_power_W: number | null;
  readonly tokens_per_second_per_W: number | null;
  readonly mac_utilization: number;
  readonly weights_on_chip: boolean;
  /** Area on the ECP5 (null: not synthesized). */
  readonly ecp5: Ecp5Area | null;
  /** Yosys cells after synth_ecp5 (LUT4, CCU2C, TRELLIS_FF, DP16KD, MULT18X18D ...). */
  readonly yosys_cells: Readonly<Record<string, number>> | null;
  /** LUTs of the P x S MAC array alone under Yosys synth_xilinx (7-series). */
  readonly xc7_mac_array_luts: number | null;
  readonly impl: { readonly fmax_mhz: number; readonly met: boolean; readonly target_mhz: number; readonly seed: number; readonly critical_unit: string | null } | null;
  /** Whether the design fits the part: placed by nextpnr, or estimated from Yosys cells. */
  readonly fits: boolean | null;
  readonly fits_source: 'place and route' | 'estimate from Yosys cells' | null;
  readonly wall_s: number;
}

/** The key a point's result is cached under: its design's files, its full architecture, the options. */
export function pointKey(modelSpec: string, arch: ArchSpec, opts: PointOptions, design: RtlDesign | null): string {
  const full = { ...arch, name: '', system: systemOf(arch), machine: machineOf(arch) };
  const h = createHash('sha256').update(JSON.stringify(['sweep-point-v1', full, { ...opts }, design ? null : modelSpec]));
  if (design) for (const [f, c] of rtlFiles(design)) h.update(f).update('\0').update(c);
  return h.digest('hex').slice(0, 20);
}

/** The generated design of a point (null for a weightless preset). */
export function pointDesign(modelSpec: string, arch: ArchSpec): RtlDesign | null {
  if (MODEL_PRESETS[modelSpec]) return null;
  return generateRtl(loadModel(modelSpec), arch);
}

export function evaluatePoint(modelSpec: string, arch: ArchSpec, opts: PointOptions): PointResult {
  const t0 = performance.now();
  const target = IMPL_TARGETS[opts.target];
  if (!target) fail('IMPL001', '--target', `unknown target ${opts.target}`, `use one of ${Object.keys(IMPL_TARGETS).join(', ')}`);
  const { shape, zeroFraction, ir } = resolveShape(modelSpec);
  const design = opts.noSynth && !opts.impl ? null : pointDesign(modelSpec, arch);
  if (opts.impl && !design) fail('SW010', modelSpec, 'a weightless preset has no RTL to place and route', 'sweep a model folder for --impl, or drop --impl');

  let ecp5: Ecp5Area | null = null;
  let cells: Readonly<Record<string, number>> | null = null;
  let impl: PointResult['impl'] = null;
  let fits: boolean | null = null;
  let fitsSource: PointResult['fits_source'] = null;
  let clock: SimClock = targetClock(arch);
  if (design && opts.impl) {
    try {
      const r = implement(design, { target: opts.target, seed: opts.seed, targetMHz: arch.clockMHz });
      const fmax = Math.min(...Object.values(r.fmax_mhz));
      const u = (k: string): number => r.utilization[k]?.used ?? 0;
      impl = { fmax_mhz: Number(fmax.toFixed(2)), met: r.met, target_mhz: r.target_mhz, seed: r.seed, critical_unit: r.critical_path?.unit ?? null };
      cells = r.yosys.cells;
      ecp5 = { source: 'nextpnr-ecp5', lut4: u('TRELLIS_COMB'), ff: u('TRELLIS_FF'), ebr: u('DP16KD'), dsp: u('MULT18X18D') };
      fits = true;
      fitsSource = 'place and route';
      clock = { mhz: impl.fmax_mhz, source: 'achieved', note: `nextpnr Fmax on ${r.target} (seed ${r.seed})` };
    } catch (e) {
      // A design that does not fit is a measured point (fits: false), not a failure.
      if (!(e instanceof BitnetError) || !e.diagnostics.some((d) => d.code === 'IMPL011')) throw e;
      fits = false;
      fitsSource = 'place and route';
    }
  }
  if (design && !ecp5) {
    const s = synthEcp5(design);
    cells = s.cells;
    const c = (k: string): number => s.cells[k] ?? 0;
    ecp5 = { source: 'yosys synth_ecp5', lut4: c('LUT4') + 2 * c('CCU2C'), ff: c('TRELLIS_FF'), ebr: c('DP16KD'), dsp: c('MULT18X18D') };
    if (fits === null) {
      const res = target.resources;
      fits = ecp5.lut4 <= res['LUT4']! && ecp5.ff <= res['TRELLIS_FF']! && ecp5.ebr <= res['DP16KD']! && ecp5.dsp <= res['MULT18X18D']!;
      fitsSource = 'estimate from Yosys cells';
    }
  }
  const xc7 = design ? macArrayReport(design).mac.luts : null;

  const sim = simulateModel(shape, arch, { prefill: opts.prefill, tokens: opts.decode, clock, ...(ir ? { ir } : {}) });
  const energy = activityEnergy(sim, shape, loadEnergyTable(opts.node), zeroFraction);
  return {
    name: arch.name,
    arch,
    design_hash: design?.manifest.configHash ?? null,
    clock: { mhz: clock.mhz, source: clock.source },
    cycles_per_token: sim.cycles_per_token,
    tokens_per_second: sim.tokens_per_second,
    prompt_tokens_per_second: sim.prompt_tokens_per_second,
    per_decoded_token_J: energy.per_decoded_token_J,
    decode_power_W: energy.decode_power_W,
    tokens_per_second_per_W: energy.tokens_per_second_per_W,
    mac_utilization: sim.utilization.mac_array,
    weights_on_chip: sim.weights_on_chip,
    ecp5,
    yosys_cells: cells,
    xc7_mac_array_luts: xc7,
    impl,
    fits,
    fits_source: fitsSource,
    wall_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
}
