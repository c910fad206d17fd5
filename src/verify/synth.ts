/**
 * Yosys `synth_xilinx` (7-series) of generated RTL, and the resource figures from its final `stat`:
 * LUTs (all sizes), flip-flops, CARRY4 chains, block RAMs, per MAC (one weight x int8 product of
 * the P x S array) and per lane (one output row: S products and its accumulator).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RtlDesign } from '../codegen/verilog.js';
import { createHash } from 'node:crypto';
import { dropTemp, tempSibling, writeFileAtomic } from '../util/fsout.js';
import { rtlFiles, writeFiles } from './rtlfiles.js';
import { fail } from '../util/diagnostics.js';
import { cacheDir, requireTool, run } from './tools.js';

export interface SynthStats {
  readonly top: string;
  readonly cells: Readonly<Record<string, number>>;
  readonly luts: number;
  readonly ffs: number;
  readonly carry4: number;
  readonly bram: number;
  /** Yosys' warnings about the design (lines starting "Warning:"), less `libraryWarnings`. */
  readonly warnings: readonly string[];
  /**
   * Warnings Yosys raises about its own techmap library, not the design: Yosys 0.23's 7-series
   * block-RAM map (brams_xc6v_map.v, simple dual-port RAMB36E1) wires 64-bit data and 17-bit
   * address nets to RAMB36E1's 32-bit data and 16-bit address ports, so every inferred RAMB36
   * warns that Yosys resized its ports (the dropped bits are the unused upper halves and the
   * cascade bit). Kept apart and printed, not hidden.
   */
  readonly libraryWarnings: readonly string[];
}

const BRAM_LIBRARY_WARNING = /^Warning: Resizing cell port \S+\.(DOADO|DOBDO|DOPADOP|DOPBDOP|ADDRARDADDR|ADDRBWRADDR) from (64 bits to 32|8 bits to 4|17 bits to 16) bits\.$/;

export function parseYosysStat(log: string, top: string): SynthStats {
  // The last "=== <top> ===" block (after flattening it is the whole design).
  const idx = log.lastIndexOf(`=== ${top} ===`);
  if (idx < 0) fail('SYN002', top, 'no statistics for the top module in the Yosys log', 'check the Yosys log');
  const block = log.slice(idx);
  const cells: Record<string, number> = {};
  for (const m of block.matchAll(/^\s+(\S+)\s+(\d+)\s*$/gm)) {
    if (m[1]!.startsWith('$') || /^[A-Z0-9_]+$/.test(m[1]!)) cells[m[1]!] = Number(m[2]);
  }
  const sum = (re: RegExp): number => Object.entries(cells).filter(([k]) => re.test(k)).reduce((a, [, v]) => a + v, 0);
  const all = log.split('\n').filter((l) => /^Warning: /.test(l));
  const fromLibrary = (l: string): boolean => (cells['RAMB36E1'] ?? 0) > 0 && BRAM_LIBRARY_WARNING.test(l);
  const warnings = all.filter((l) => !fromLibrary(l));
  const libraryWarnings = all.filter(fromLibrary);
  return { top, cells, luts: sum(/^LUT[1-6]$/), ffs: sum(/^FD[CPRS]E?$/), carry4: sum(/^CARRY4$/), bram: sum(/^RAMB/), warnings, libraryWarnings };
}

/** synth_xilinx of `files` with `top`; results cached by a hash of those files and the Yosys version. */
export function synthesize(design: RtlDesign, top: string, files: readonly string[]): SynthStats {
  requireTool('yosys', 'yosys');
  const all = rtlFiles(design);
  const h = createHash('sha256').update(JSON.stringify([run('yosys', ['-V']).stdout.trim(), top, files, 'synth-xc7-v1']));
  for (const f of files) h.update(f).update('\0').update(all.get(f) ?? '');
  const entry = path.join(cacheDir('synth'), `${design.manifest.configHash}-${top}-${h.digest('hex').slice(0, 16)}.json`);
  try {
    return JSON.parse(fs.readFileSync(entry, 'utf8')) as SynthStats;
  } catch {
    /* a miss, or a corrupt entry */
  }
  const dir = tempSibling(path.join(cacheDir('synth'), `${design.manifest.configHash}-${top}`));
  try {
    const stats = synthesizeIn(design, top, files, dir);
    writeFileAtomic(entry, JSON.stringify(stats) + '\n');
    return stats;
  } finally {
    dropTemp(dir);
  }
}

function synthesizeIn(design: RtlDesign, top: string, files: readonly string[], dir: string): SynthStats {
  fs.mkdirSync(dir, { recursive: true });
  writeFiles(dir, rtlFiles(design));
  const script = [
    ...files.map((f) => `read_verilog ${path.join(dir, f)}`),
    `synth_xilinx -top ${top} -flatten`,
    'stat',
  ].join('; ');
  const r = run('yosys', ['-q', '-p', script, '-l', path.join(dir, 'yosys.log')], { cwd: dir, timeoutMs: 30 * 60 * 1000 });
  const log = fs.existsSync(path.join(dir, 'yosys.log')) ? fs.readFileSync(path.join(dir, 'yosys.log'), 'utf8') : '';
  if (r.status !== 0) fail('SYN001', top, `Yosys failed:\n${(r.stderr || log).slice(-3000)}`, 'this is a generator bug; report it with the manifest');
  return parseYosysStat(log, top);
}

export interface LaneReport {
  readonly arch: string;
  readonly weightKind: string;
  readonly P: number;
  readonly S: number;
  readonly accBits: number;
  readonly mac: SynthStats;
  readonly lutsPerMac: number;
  readonly ffsPerMac: number;
  readonly carry4PerMac: number;
  readonly lutsPerLane: number;
}

export function macArrayReport(design: RtlDesign): LaneReport {
  const stats = synthesize(design, 'bnhw_mac_array', ['bnhw_mac_array.v']);
  const { P, S } = design.plan;
  return {
    arch: design.plan.arch.name,
    weightKind: design.plan.arch.weightKind,
    P,
    S,
    accBits: design.view.widths['accW']!,
    mac: stats,
    lutsPerMac: stats.luts / (P * S),
    ffsPerMac: stats.ffs / (P * S),
    carry4PerMac: stats.carry4 / (P * S),
    lutsPerLane: stats.luts / P,
  };
}

type Cells = Record<string, number>;

/** Per module of a Yosys `stat` with the hierarchy kept: its own cells and its submodule instances. */
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
  if (!s) fail('SYN003', name, 'no statistics for the module in the Yosys log', 'check the Yosys log');
  const t: Cells = { ...s.cells };
  for (const [sub, n] of s.subs) for (const [k, v] of Object.entries(totalCells(stats, sub))) t[k] = (t[k] ?? 0) + n * v;
  return t;
}

/** One unit of a design (a submodule of the top, times its instances, or the top's own logic) and its cells. */
export interface UnitArea {
  readonly unit: string;
  readonly instances: number;
  readonly cells: Readonly<Record<string, number>>;
}

/** The top's submodules with everything inside them, then the top's own logic, then the total. */
export function areaByUnit(statText: string, top: string): UnitArea[] {
  const stats = parseModuleStats(statText);
  const t = stats.get(top);
  if (!t) fail('SYN003', top, 'no statistics for the top module in the Yosys log', 'check the Yosys log');
  const rows: UnitArea[] = [];
  for (const [sub, n] of [...t.subs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const c = totalCells(stats, sub);
    rows.push({ unit: sub, instances: n, cells: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v * n])) });
  }
  rows.push({ unit: `${top} (its own logic)`, instances: 1, cells: t.cells });
  rows.push({ unit: 'total', instances: 1, cells: totalCells(stats, top) });
  return rows;
}
