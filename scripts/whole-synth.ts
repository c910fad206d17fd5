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

const KINDS = ['LUT4', 'CCU2C', 'TRELLIS_FF', 'DP16KD', 'MULT18X18D', 'TRELLIS_DPR16X4', 'PFUMX', 'L6MUX21'] as const;
type Cells = Record<string, number>;

/** Per module: its own cells and its submodule instances (Yosys `stat` with the hierarchy kept). */
export function parseModuleStats(text: string): Map<string, { cells: Cells; subs: Map<string, number> }> {
  const out = new Map<string, { cells: Cells; subs: Map<string, number> }>();
  const blocks = text.split(/^=== /m).slice(1);
  for (const b of blocks) {
    const name = b.slice(0, b.indexOf(' ==='));
    if (name === 'design hierarchy') continue;
    const cells: Cells = {};
    const subs = new Map<string, number>();
    for (const line of b.split('\n')) {
      const m = /^\s{5}(\S+)\s+(\d+)$/.exec(line);
      if (!m) continue;
      if (m[1]!.startsWith('bnhw_')) subs.set(m[1]!, Number(m[2]));
      else cells[m[1]!] = Number(m[2]);
    }
    out.set(name, { cells, subs });
  }
  return out;
}

/** A module's cells with everything inside it. */
export function totalCells(stats: ReturnType<typeof parseModuleStats>, name: string): Cells {
  const s = stats.get(name);
  if (!s) throw new Error(`no statistics for ${name}`);
  const t: Cells = { ...s.cells };
  for (const [sub, n] of s.subs) for (const [k, v] of Object.entries(totalCells(stats, sub))) t[k] = (t[k] ?? 0) + n * v;
  return t;
}

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
    const r = run('yosys', ['-q', '-l', 'yosys.log', '-p', `${d.sources.map((s) => `read_verilog ${s}`).join('; ')}; synth_ecp5 -noflatten -top ${d.top}; tee -o stat.txt stat`], { cwd: dir, timeoutMs: 4 * 60 * 60 * 1000 });
    if (r.status !== 0) throw new Error(`yosys failed: ${(r.stderr || r.stdout).slice(-2000)}`);
    const log = fs.readFileSync(path.join(dir, 'yosys.log'), 'utf8');
    const warnings = log.split('\n').filter((l) => /^Warning: /.test(l));
    const stats = parseModuleStats(fs.readFileSync(path.join(dir, 'stat.txt'), 'utf8'));
    const top = stats.get(d.top)!;
    const rows: { unit: string; cells: Cells }[] = [];
    for (const [sub, n] of [...top.subs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const c = totalCells(stats, sub);
      rows.push({ unit: n === 1 ? sub : `${sub} x${n}`, cells: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v * n])) });
    }
    rows.push({ unit: `${d.top} (its own logic)`, cells: top.cells });
    const total = totalCells(stats, d.top);
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
