/**
 * The whole-model accelerator through Yosys synth_ecp5 (hierarchy kept): cells by unit (LUT4,
 * carry, FF, block RAM, multipliers; each unit with everything inside it), the Yosys warnings, and
 * the fit against LFE5U-85F, naming what does not fit. The design is the synthesis build (no
 * action counters), as `gen --whole` writes it.
 *
 * usage: node dist/scripts/whole-synth.js [arch (preset or JSON file)] [model dir] [--json FILE]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateWhole } from '../src/codegen/whole.js';
import { loadArch } from '../src/ir/arch.js';
import { loadModel } from '../src/ir/load.js';
import { defaultModelDir } from '../src/util/paths.js';
import { IMPL_TARGETS } from '../src/verify/impl.js';
import { requireTool, run } from '../src/verify/tools.js';
import { areaByUnit } from '../src/verify/synth.js';
import { yosysUnitsScript } from '../src/codegen/flow-files.js';

const KINDS = ['LUT4', 'CCU2C', 'TRELLIS_FF', 'DP16KD', 'MULT18X18D', 'TRELLIS_DPR16X4', 'PFUMX', 'L6MUX21'] as const;

function main(): void {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const jsonOut = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
  const pos = jsonAt >= 0 ? args.filter((_, i) => i !== jsonAt && i !== jsonAt + 1) : args;
  const arch = loadArch(pos[0] ?? 'tiny');
  const model = loadModel(pos[1] ?? defaultModelDir());
  requireTool('yosys', 'yosys');
  const d = generateWhole(model, arch);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-whole-synth-'));
  try {
    for (const [f, t] of d.files) fs.writeFileSync(path.join(dir, f), t);
    const t0 = Date.now();
    const r = run('yosys', ['-q', '-l', 'yosys.log', '-p', yosysUnitsScript(d.sources, d.top, 'stat.txt').join('; ')], { cwd: dir, timeoutMs: 4 * 60 * 60 * 1000 });
    if (r.status !== 0) throw new Error(`yosys failed: ${(r.stderr || r.stdout).slice(-2000)}`);
    const log = fs.readFileSync(path.join(dir, 'yosys.log'), 'utf8');
    const warnings = log.split('\n').filter((l) => /^Warning: /.test(l));
    const units = areaByUnit(fs.readFileSync(path.join(dir, 'stat.txt'), 'utf8'), d.top);
    const rows = units.filter((u) => u.unit !== 'total').map((u) => ({ unit: u.instances === 1 ? u.unit : `${u.unit} x${u.instances}`, cells: u.cells }));
    const total = units.find((u) => u.unit === 'total')!.cells;
    const res = IMPL_TARGETS['ecp5-85k']!.resources;
    console.log(`${d.program.model} on ${arch.name}: Yosys synth_ecp5 in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${warnings.length} warnings`);
    console.log(`| unit | ${KINDS.join(' | ')} |`);
    console.log(`|---|${KINDS.map(() => '---:').join('|')}|`);
    for (const row of [...rows, { unit: 'total', cells: total }]) console.log(`| ${row.unit} | ${KINDS.map((k) => (row.cells[k] ?? 0).toLocaleString('en-US')).join(' | ')} |`);
    const over = Object.entries(res).filter(([k, cap]) => (total[k] ?? 0) > cap).map(([k, cap]) => `${k} ${(total[k] ?? 0).toLocaleString('en-US')} of ${cap.toLocaleString('en-US')}`);
    console.log(over.length === 0 ? 'fits LFE5U-85F by cell counts (place and route decides)' : `does not fit LFE5U-85F: ${over.join(', ')}`);
    if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ model: d.program.model, arch: arch.name, configHash: d.configHash, warnings, units: rows, total, over }, null, 2) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && /whole-synth\.(js|ts)$/.test(process.argv[1])) main();
