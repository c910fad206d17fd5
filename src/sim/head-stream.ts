/**
 * The head unit's timing with its tables in DRAM (templates/verilog/bnhw_head.v.hbs, `stream`),
 * cycle for cycle: the request, the memory (src/sim/dram.ts), the line FIFO, and the unit's waits.
 *
 * - `head` requests the whole table at its issue (visible the next cycle). A group of `lanes`
 *   vocab rows starts only with its `hidden` lines in the FIFO: after the issue it waits for them;
 *   when a group's period ends it goes straight on if the FIFO, less this cycle's read, holds
 *   them, else it waits. Inside a group the reads follow headSchedule (term i at
 *   sumTermCycle(i) after the group's first read), so the unit's cycles are the last group's
 *   first read + its sums + its lines, as in the contract (src/ir/units.ts cycles).
 * - `embed` requests a row's `hidden` lines at the row's start, copies them a word per cycle once
 *   all are in, then starts the next row.
 *
 * Every instruction starts with the memory idle and the FIFO empty (each takes every line it
 * asked for), so the results depend only on the shape and are memoized by the caller.
 */
import type { DramTiming } from '../ir/arch.js';
import { sumTermCycle, type HeadSchedule } from '../ir/units.js';
import { DramModel } from './dram.js';

export interface TableStream {
  readonly hidden: number;
  readonly fifoLines: number;
  readonly dram: DramTiming;
}

/** Cycles of `head` from its issue (cycle 0) to its `done`, inclusive. */
export function headStreamCycles(s: HeadSchedule, addLatency: number, t: TableStream): number {
  const H = t.hidden;
  const readAt = new Uint8Array(s.period);
  for (let i = 0; i < H; i++) readAt[sumTermCycle(i, addLatency)] = 1;
  const m = new DramModel(t.dram);
  let fcnt = 0;
  let waiting = true;
  let first = -1;
  let group = 0;
  for (let c = 1; ; c++) {
    const push = m.valid(c) && fcnt !== t.fifoLines;
    const off = first >= 0 && !waiting ? c - first : -1;
    const pop = off >= 0 && off < s.period && readAt[off] === 1;
    if (waiting) {
      if (fcnt >= H) {
        waiting = false;
        first = c + 1;
        if (group === s.groups - 1) return first + s.sum + s.lastLines + 1;
      }
    } else if (off === s.period - 1) {
      group++;
      if (fcnt - (pop ? 1 : 0) >= H) {
        first = c + 1;
        if (group === s.groups - 1) return first + s.sum + s.lastLines + 1;
      } else waiting = true;
    }
    m.step(c, push, c === 1 ? { addr: 0, len: s.groups * H } : null);
    fcnt += (push ? 1 : 0) - (pop ? 1 : 0);
    if (c > 1e10) throw new Error('headStreamCycles: no end');
  }
}

/** Cycles of `embed` of `rows` rows from its issue (cycle 0) to its `done`, inclusive. */
export function embedStreamCycles(rows: number, t: TableStream): number {
  const H = t.hidden;
  const m = new DramModel(t.dram);
  let fcnt = 0;
  let waitFrom = 1;
  let request = 1;
  let row = 0;
  let readFrom = -1;
  for (let c = 1; ; c++) {
    const push = m.valid(c) && fcnt !== t.fifoLines;
    const pop = readFrom >= 0 && c >= readFrom && c < readFrom + H;
    if (readFrom < 0 && c >= waitFrom && fcnt >= H) readFrom = c + 1;
    else if (pop && c === readFrom + H - 1) {
      if (row === rows - 1) return c + 2;
      row++;
      readFrom = -1;
      waitFrom = c + 1;
      request = c + 1;
    }
    m.step(c, push, c === request ? { addr: 0, len: H } : null);
    fcnt += (push ? 1 : 0) - (pop ? 1 : 0);
    if (c > 1e10) throw new Error('embedStreamCycles: no end');
  }
}
