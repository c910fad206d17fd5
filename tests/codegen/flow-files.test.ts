/** The tool files of a generated folder work as they stand: the file list builds, the constraint and script match the design. */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateRtl, writeRtl } from '../../src/codegen/verilog.js';
import { yosysSynthScript } from '../../src/codegen/flow-files.js';
import { loadArch } from '../../src/ir/arch.js';
import { loadModel } from '../../src/ir/load.js';
import { defaultModelDir } from '../../src/util/paths.js';
import { tmpDir } from '../helpers.js';

describe('gen writes a file list, clock constraints and the Yosys script', () => {
  const design = generateRtl(loadModel(defaultModelDir()), loadArch('tiny'));
  const top = design.manifest.top;
  it('lists the sources in compile order; the Yosys script is the one impl runs; the clock is the architecture\'s', () => {
    expect(design.files.get(`${top}.f`)).toBe(design.manifest.sources.join('\n') + '\n');
    expect(design.files.get('synth_ecp5.ys')!.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(yosysSynthScript(design.manifest.sources, top, `${top}.json`));
    expect(design.files.get(`${top}.lpf`)).toContain('FREQUENCY PORT "clk" 100 MHz;');
    expect(design.files.get(`${top}.sdc`)).toContain('create_clock -name clk -period 10.000 [get_ports clk]');
  });
  it('verilator --lint-only and iverilog build the design from the file list alone', () => {
    const dir = path.join(tmpDir('bnhw-flow-'), 'rtl');
    writeRtl(design, dir);
    const v = spawnSync('verilator', ['--lint-only', '-Wall', '--top-module', top, '-f', `${top}.f`], { cwd: dir, encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    const i = spawnSync('iverilog', ['-Wall', '-s', top, '-o', 'sim.vvp', '-c', `${top}.f`], { cwd: dir, encoding: 'utf8' });
    expect(i.status, i.stderr).toBe(0);
    expect(i.stderr).toBe('');
  });
});
