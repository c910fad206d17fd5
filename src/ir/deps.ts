/**
 * The program's issue rule as data: for every instruction, how many instructions of each unit
 * must have finished before it issues. The simulator (src/sim/machine.ts) and the whole-model
 * RTL's sequencer (templates/verilog/bnhw_seq.v.hbs, which reads these counts from the program
 * image) both issue by it, so the rule exists once.
 *
 * Needs: a compiled program. Guarantees, for instruction i of unit u(i), the k-th of its unit
 * (k from 0): `wait[i][v]` is the smallest count of unit v's finished instructions that covers
 *   - every earlier instruction that writes what i reads or writes, or reads what i writes, over
 *     scratchpad word ranges and each layer's KV cache (read after write, write after write,
 *     write after read: attention reads the rows `kvw` writes); the
 *     engine holds a BitLinear's input until its whole segment (the lin and the lins chained to
 *     it) has ended, so a write after such a read waits for the segment's last lin;
 *   - every earlier instruction of its own unit (a unit runs one instruction at a time), except
 *     a chained lin, which streams in the segment its head opened;
 *   - for `end`, every earlier instruction;
 *   - the scratchpad's one owner: every instruction also waits for every earlier instruction
 *     of every unit, except a chained lin (it streams in the segment its head opened). The
 *     scratchpad has two read ports and one write port per bank, and each unit's schedule uses
 *     them all in cycles only its own contract knows, so two units running at once could meet in
 *     a bank; with one owner at a time the whole-chip top hands the ports to the unit that issued
 *     last, and no arbitration can shift a unit off its contract. The data hazards above are
 *     implied by it; they are kept because they are the rule a scratchpad with more ports would
 *     fall back to. Measured on the shipped model, the one overlap it removes (rope of q while
 *     the engine computes k and v) costs 1.0% of a decoded token on `tiny`.
 * Each unit finishes its instructions in order (the engine's chained lins too), so "the first
 * `wait` of unit v have finished" is one comparison of a counter. `seq` (`end`) is no unit
 * anyone waits for.
 */
import { reads, writes, type Program } from './program.js';
import { unitOf, type UnitName } from './units.js';

/** The units whose finished instructions are counted, in the image's order. */
export const COUNTED_UNITS = ['engine', 'vector', 'sfu', 'attention', 'head', 'kv'] as const;
export type CountedUnit = (typeof COUNTED_UNITS)[number];

export interface ProgramDeps {
  /** Per instruction: its ordinal among its unit's instructions (-1 for `end`). */
  readonly ordinal: readonly number[];
  /** Per instruction and counted unit: finished instructions of that unit it waits for. */
  readonly wait: readonly Readonly<Record<CountedUnit, number>>[];
  /** Instructions of each counted unit in the program. */
  readonly total: Readonly<Record<CountedUnit, number>>;
}

const counted = (u: UnitName): u is CountedUnit => u !== 'seq';

export function programDeps(p: Program): ProgramDeps {
  const ins = p.instructions;
  const range = (id: number): { lo: number; hi: number } => ({ lo: p.buffers[id]!.base, hi: p.buffers[id]!.base + p.buffers[id]!.words });
  // The KV cache is the one other memory an instruction writes and another reads: layer L's as
  // one more word after the scratchpad's, so attention waits for the K and V rows it reads.
  const kv = (layer: number): { lo: number; hi: number } => ({ lo: p.scratchpadWords + layer, hi: p.scratchpadWords + layer + 1 });
  const rd = ins.map((i) => [...reads(i).map(range), ...(i.op === 'attn' ? [kv(i.layer)] : [])]);
  const wr = ins.map((i) => [...writes(i).map(range), ...(i.op === 'kvw' ? [kv(i.layer)] : [])]);
  const overlaps = (a: readonly { lo: number; hi: number }[], b: readonly { lo: number; hi: number }[]): boolean => a.some((x) => b.some((y) => x.lo < y.hi && y.lo < x.hi));
  const seen = Object.fromEntries(COUNTED_UNITS.map((u) => [u, 0])) as Record<CountedUnit, number>;
  const ordinal = ins.map((i) => {
    const u = unitOf(i);
    return counted(u) ? seen[u]++ : -1;
  });
  // the last lin of the segment each lin belongs to
  const segLast = ins.map(() => -1);
  for (let pc = ins.length - 1; pc >= 0; pc--) {
    const i = ins[pc]!;
    if (i.op !== 'lin') continue;
    const next = ins[pc + 1];
    segLast[pc] = next?.op === 'lin' && next.chain ? segLast[pc + 1]! : pc;
  }
  // the first lin of the segment each lin belongs to
  const segHead = ins.map(() => -1);
  ins.forEach((i, pc) => {
    if (i.op === 'lin') segHead[pc] = i.chain && ins[pc - 1]?.op === 'lin' ? segHead[pc - 1]! : pc;
  });
  // finished instructions of each unit that precede pc in program order
  const before: Record<CountedUnit, number>[] = [];
  const run = Object.fromEntries(COUNTED_UNITS.map((u) => [u, 0])) as Record<CountedUnit, number>;
  ins.forEach((i) => {
    before.push({ ...run });
    const u = unitOf(i);
    if (counted(u)) run[u]++;
  });
  const wait = ins.map((i, pc) => {
    const w = Object.fromEntries(COUNTED_UNITS.map((u) => [u, 0])) as Record<CountedUnit, number>;
    const need = (j: number): void => {
      const u = unitOf(ins[j]!);
      if (counted(u)) w[u] = Math.max(w[u], ordinal[j]! + 1);
    };
    for (let j = 0; j < pc; j++) {
      if (overlaps(rd[pc]!, wr[j]!) || overlaps(wr[pc]!, wr[j]!)) need(j);
      if (overlaps(wr[pc]!, rd[j]!)) need(ins[j]!.op === 'lin' ? segLast[j]! : j);
    }
    const chained = i.op === 'lin' && i.chain && ins[pc - 1]?.op === 'lin';
    // one owner of the scratchpad: every earlier instruction (a chained lin: every one before its segment)
    for (const v of COUNTED_UNITS) w[v] = Math.max(w[v], before[chained ? segHead[pc]! : pc]![v]);
    return w;
  });
  return { ordinal, wait, total: { ...seen } };
}
