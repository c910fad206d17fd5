/**
 * Banked memories for the engine (templates/verilog/bnhw_mem.v.hbs): every width, bank, select
 * bit and multiplexer of a memory decided here, so the template only prints lines.
 *
 * Why banks: ECP5 block RAMs have a 5.8 ns clock-to-output without their output register (which
 * Yosys does not use), so a deep memory whose cascaded block RAMs feed one wide multiplexer cannot
 * close 100 MHz. Each bank is at most one block RAM deep, its read is registered, and the banks
 * are joined by a registered tree of 4:1 multiplexers. Every bank's output is registered once more
 * before the tree, so the block RAM drives only a nearby register; then one more register stage
 * (the tree, or a plain register for one bank) carries the word to its users. Read latency: 3 for
 * one bank, 2 + ceil(log4(banks)) for several.
 *
 * Needs: depth >= 1, width >= 1. Guarantees: lint-clean lines (every select bit is used), and a
 * latency the simulator reads from the same function.
 */
import { bitsFor } from '../ir/engine-plan.js';
import { BANK_DEPTH, memoryLayout } from '../ir/memory-layout.js';

export { BANK_DEPTH, memoryLayout, type MemoryLayout } from '../ir/memory-layout.js';

export interface MemorySpec {
  readonly name: string;
  readonly depth: number;
  readonly width: number;
  readonly writable: boolean;
  /** ROM: one init file per bank (names), read with $readmemh relative to the working folder. */
  readonly initFiles?: readonly string[];
  /** The last bank only as deep as the words left for it (else BANK_DEPTH, its image padded). */
  readonly trimLastBank?: boolean;
}

/** Template context of one memory module. */
export function memoryContext(spec: MemorySpec, header: string): Record<string, unknown> {
  const L = memoryLayout(spec.depth, spec.width);
  const W = spec.width;
  const lines: string[] = [];
  const hw = L.aw - L.lo;
  for (let b = 0; b < L.banks; b++) {
    const words = L.banks === 1 ? spec.depth : spec.trimLastBank ? Math.min(BANK_DEPTH, spec.depth - b * BANK_DEPTH) : BANK_DEPTH;
    lines.push(`(* no_rw_check *) reg [${W - 1}:0] m${b} [0:${words - 1}];`);
    const init = spec.initFiles?.[b];
    if (init) lines.push(`initial $readmemh("${init}", m${b});`);
    lines.push(`reg [${W - 1}:0] r${b};`);
    lines.push('always @(posedge clk) begin');
    if (spec.writable) {
      const addr = L.banks === 1 ? 'waddr' : `waddr[${L.lo - 1}:0]`;
      const hit = L.banks === 1 ? 'we' : `we && (waddr[${L.aw - 1}:${L.lo}] == ${hw}'d${b})`;
      lines.push(`  if (${hit}) m${b}[${addr}] <= wdata;`);
    }
    // (a trimmed last bank takes only the address bits its depth needs)
    const ib = words < BANK_DEPTH && L.banks > 1 ? bitsFor(words - 1) : L.lo;
    lines.push(`  r${b} <= m${b}[${L.banks === 1 ? 'raddr' : `raddr[${ib - 1}:0]`}];`);
    lines.push('end');
  }
  if (L.banks === 1) {
    lines.push(`reg [${W - 1}:0] o0;`);
    lines.push(`reg [${W - 1}:0] x1_0;`);
    lines.push('always @(posedge clk) begin');
    lines.push('  o0 <= r0;');
    lines.push('  x1_0 <= o0;');
    lines.push('end');
    lines.push('assign rdata = x1_0;');
  } else {
    // Each bank's output registered beside it; s1 holds the bank index of the read in those.
    for (let b = 0; b < L.banks; b++) {
      lines.push(`reg [${W - 1}:0] o${b};`);
      lines.push(`always @(posedge clk) o${b} <= r${b};`);
    }
    lines.push(`reg [${hw - 1}:0] s0;`);
    lines.push(`reg [${hw - 1}:0] s1;`);
    lines.push(`always @(posedge clk) begin`);
    lines.push(`  s0 <= raddr[${L.aw - 1}:${L.lo}];`);
    lines.push(`  s1 <= s0;`);
    lines.push(`end`);
    let inputs = Array.from({ length: L.banks }, (_, b) => `o${b}`);
    let selW = hw;
    for (let k = 1; k <= L.muxStages; k++) {
      const outs: string[] = [];
      const useBits = Math.min(2, selW);
      const sel = useBits === 1 ? `s${k}[0]` : `s${k}[1:0]`;
      for (let g = 0; g * 4 < inputs.length; g++) {
        const grp = inputs.slice(g * 4, g * 4 + 4);
        const name = `x${k}_${g}`;
        outs.push(name);
        lines.push(`reg [${W - 1}:0] ${name};`);
        let expr = grp[grp.length - 1]!;
        for (let j = grp.length - 2; j >= 0; j--) expr = `(${sel} == ${useBits}'d${j}) ? ${grp[j]} : ${expr}`;
        lines.push(`always @(posedge clk) ${name} <= ${expr};`);
      }
      if (selW > 2) {
        lines.push(`reg [${selW - 3}:0] s${k + 1};`);
        lines.push(`always @(posedge clk) s${k + 1} <= s${k}[${selW - 1}:2];`);
      }
      selW -= 2;
      inputs = outs;
    }
    lines.push(`assign rdata = ${inputs[0]};`);
  }
  return {
    header,
    name: spec.name,
    depth: spec.depth,
    width: W,
    bankCount: L.banks,
    bankDepth: L.bankDepth,
    latency: L.latency,
    writable: spec.writable,
    aw1: L.aw - 1,
    w1: W - 1,
    initNote: spec.initFiles ? `Initialized from ${spec.initFiles.length === 1 ? spec.initFiles[0] : `${spec.initFiles[0]} .. ${spec.initFiles[spec.initFiles.length - 1]}`} (one line per word).` : 'Written by the engine (no initial contents).',
    lines,
  };
}
