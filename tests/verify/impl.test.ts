/**
 * The implementation flow on real open tools: Yosys synth_ecp5 and nextpnr-ecp5 place and route
 * of the tiny preset (about two minutes), zero Yosys warnings for synth_ecp5 and synth_xilinx,
 * and the clock the preset claims met by nextpnr's own timing analysis.
 */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateRtl } from '../../src/codegen/verilog.js';
import { ARCH_PRESETS, parseArch } from '../../src/ir/arch.js';
import { loadModel } from '../../src/ir/load.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { clockFor, implement, implementWhole, parsePnrReport, wholeUnitOf } from '../../src/verify/impl.js';
import { generateWhole } from '../../src/codegen/whole.js';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { areaByUnit, synthesize } from '../../src/verify/synth.js';
import { codesOf, repoRoot } from '../helpers.js';

const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
const model = loadModel(defaultModelDir());

describe('impl: synthesis, place and route, timing', () => {
  it('the tiny preset meets its clock on LFE5U-85F with zero Yosys warnings; a rerun is served from the cache', () => {
    const r = spawnSync(process.execPath, [bin, 'impl', defaultModelDir(), '--arch', 'tiny', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(r.stdout) as { met: boolean; target_mhz: number; fmax_mhz: Record<string, number>; utilization: Record<string, { used: number; available: number }>; yosys: { warnings: string[] }; critical_path: { unit: string; logic_levels: number } };
    expect(doc.met).toBe(true);
    expect(doc.target_mhz).toBe(ARCH_PRESETS['tiny']!.clockMHz);
    expect(Math.min(...Object.values(doc.fmax_mhz))).toBeGreaterThanOrEqual(doc.target_mhz);
    expect(doc.yosys.warnings).toEqual([]);
    for (const k of ['TRELLIS_COMB', 'TRELLIS_FF', 'DP16KD', 'MULT18X18D', 'TRELLIS_IO']) expect(doc.utilization[k]!.used).toBeGreaterThan(0);
    expect(doc.critical_path.unit.length).toBeGreaterThan(0);
    console.log(`impl tiny: ${JSON.stringify(doc.fmax_mhz)} MHz, LUT4+carry ${doc.utilization['TRELLIS_COMB']!.used}, FF ${doc.utilization['TRELLIS_FF']!.used}, EBR ${doc.utilization['DP16KD']!.used}, DSP ${doc.utilization['MULT18X18D']!.used}`);
    const again = spawnSync(process.execPath, [bin, 'impl', defaultModelDir(), '--arch', 'tiny', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(again.stdout)).toMatchObject({ cached: true, fmax_mhz: doc.fmax_mhz });
    // nextpnr's own report, read back: Fmax per clock and a critical path inside the design.
    const rep = parsePnrReport(JSON.parse(fs.readFileSync((doc as unknown as { report_json: string }).report_json, 'utf8')));
    expect(rep.fmax).toEqual(doc.fmax_mhz);
    expect(rep.critical!.delay_ns).toBeLessThanOrEqual(1000 / doc.target_mhz);
  }, 900_000);
  it('synth_xilinx of the whole engine has zero Yosys warnings', () => {
    const d = generateRtl(model, ARCH_PRESETS['tiny']!);
    const s = synthesize(d, 'bnhw_engine', d.manifest.sources);
    expect(s.warnings).toEqual([]);
    expect(s.luts).toBeGreaterThan(0);
    // What was set apart is only Yosys' own RAMB36 map resizing its ports, one per inferred RAMB36 port.
    expect(s.libraryWarnings.length).toBeLessThanOrEqual(6 * (s.cells['RAMB36E1'] ?? 0));
    console.log(`synth_xilinx tiny engine: ${s.luts} LUT, ${s.ffs} FF, ${s.bram} BRAM; ${s.libraryWarnings.length} warnings from Yosys' RAMB36 map set apart`);
  }, 600_000);
  it('refuses a design whose ports take more pins than the package (a 1024-bit weight port, written or streamed from DRAM)', () => {
    for (const weightMemory of ['load-port', 'dram'] as const) {
      const wide = parseArch({ name: 'wide', lanes: 16, simd: 32, weightKind: 'ternary', treePipeline: 2, weightMemory, clockMHz: 100 }, 't');
      expect(codesOf(() => implement(generateRtl(model, wide), { target: 'ecp5-85k', seed: 1, targetMHz: 100 }))).toEqual(['IMPL002']);
    }
    expect(codesOf(() => implement(generateRtl(model, ARCH_PRESETS['tiny']!), { target: 'virtex-9', seed: 1, targetMHz: 100 }))).toEqual(['IMPL001']);
  });
  it('the whole accelerator: the critical path named by unit, the synthesis build only', () => {
    expect(wholeUnitOf('u_vec.u_lane1.u_mul.p_r_TRELLIS_FF_Q_3')).toBe('vector unit');
    expect(wholeUnitOf('u_engine.u_mac.t0_TRELLIS_FF_Q')).toBe('engine: MAC array');
    expect(wholeUnitOf('u_engine.is_waddr_TRELLIS_FF_Q_2')).toBe('engine: issuer');
    expect(wholeUnitOf('u_kmem.bank[1].m_DP16KD')).toBe('KV cache');
    expect(wholeUnitOf('u_spad.bank[0].qa_DP16KD')).toBe('scratchpad');
    expect(wholeUnitOf('own_TRELLIS_FF_Q')).toBe('top (host interface, scratchpad ownership)');
    const withCounters = generateWhole(model, ARCH_PRESETS['tiny']!, { actions: true });
    expect(() => implementWhole(withCounters, { target: 'ecp5-85k', seed: 1, targetMHz: 100 })).toThrow(/synthesis build/);
  });
  it('area by unit from Yosys with the hierarchy kept: every unit with what is inside it, instances counted, the rows summing to the total', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-units-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'd.v'),
        [
          'module bnhw_leaf (input wire clk, input wire [7:0] a, input wire [7:0] b, output reg [7:0] y); always @(posedge clk) y <= a + b; endmodule',
          'module bnhw_mid (input wire clk, input wire [7:0] a, output wire [7:0] y); wire [7:0] t; bnhw_leaf l0 (.clk(clk), .a(a), .b(8\'d3), .y(t)); bnhw_leaf l1 (.clk(clk), .a(t), .b(a), .y(y)); endmodule',
          'module bnhw_other (input wire clk, input wire [7:0] a, output reg [7:0] y); always @(posedge clk) y <= a ^ {a[6:0], a[7]}; endmodule',
          'module top (input wire clk, input wire [7:0] a, output wire [7:0] y); wire [7:0] m0, m1, o; reg [7:0] r;',
          '  bnhw_mid u0 (.clk(clk), .a(a), .y(m0)); bnhw_mid u1 (.clk(clk), .a(m0), .y(m1)); bnhw_other u2 (.clk(clk), .a(m1), .y(o));',
          '  always @(posedge clk) r <= o - a; assign y = r; endmodule',
          '',
        ].join('\n'),
      );
      const r = spawnSync('yosys', ['-q', '-p', 'read_verilog d.v; synth_ecp5 -noflatten -top top; tee -o stat.txt stat'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const rows = areaByUnit(fs.readFileSync(path.join(dir, 'stat.txt'), 'utf8'), 'top');
      expect(rows.map((u) => [u.unit, u.instances])).toEqual([['bnhw_mid', 2], ['bnhw_other', 1], ['top (its own logic)', 1], ['total', 1]]);
      const total = rows.find((u) => u.unit === 'total')!.cells;
      for (const k of ['TRELLIS_FF', 'CCU2C']) {
        expect(rows.filter((u) => u.unit !== 'total').reduce((a, u) => a + (u.cells[k] ?? 0), 0)).toBe(total[k]);
      }
      // two mids of two 8-bit registered adders each, the other's and the top's registers: 8 x 6 flip-flops
      expect(total['TRELLIS_FF']).toBe(48);
      expect(rows[0]!.cells['TRELLIS_FF']).toBe(32);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  it("the simulator's clock: the whole accelerator's Fmax once impl --whole has run, else the engine's alone, said as such, else the target", () => {
    const prev = process.env['BITNET_HW_CACHE_DIR'];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-clock-'));
    process.env['BITNET_HW_CACHE_DIR'] = dir;
    try {
      const tiny = ARCH_PRESETS['tiny']!;
      expect(clockFor(defaultModelDir(), tiny)).toMatchObject({ mhz: tiny.clockMHz, source: 'target' });
      // cache entries as implement() leaves them
      const entry = (hash: string, mhz: number): void => {
        const d = path.join(dir, 'impl', `${hash}-ecp5-85k-0000000000000000`);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'result.json'), JSON.stringify({ target: 'ecp5-85k', seed: 1, target_mhz: 100, met: mhz >= 100, fmax_mhz: { clk: mhz } }));
      };
      entry(generateRtl(model, tiny).manifest.configHash, 110.4);
      const engine = clockFor(defaultModelDir(), tiny);
      expect(engine).toMatchObject({ mhz: 110.4, source: 'achieved' });
      expect(engine.note).toMatch(/BitLinear engine alone.*impl --whole/);
      entry(generateWhole(model, tiny).configHash, 41.5);
      const whole = clockFor(defaultModelDir(), tiny);
      expect(whole).toMatchObject({ mhz: 41.5, source: 'achieved' });
      expect(whole.note).toMatch(/whole-model accelerator.*below its 100 MHz target/);
    } finally {
      if (prev === undefined) delete process.env['BITNET_HW_CACHE_DIR'];
      else process.env['BITNET_HW_CACHE_DIR'] = prev;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
