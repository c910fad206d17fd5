/**
 * The head unit's timing with its tables streamed (src/sim/head-stream.ts; the RTL's equality is
 * proven in tests/verify/whole.test.ts): never faster than the on-chip contract, the memory's
 * latency paid once when the memory keeps up, and bound by the memory's bandwidth when it cannot.
 */
import { describe, expect, it } from 'vitest';
import { ARCH_PRESETS } from '../../src/ir/arch.js';
import { headSchedule, tableFifoLines, unitContracts } from '../../src/ir/units.js';
import { embedStreamCycles, headStreamCycles } from '../../src/sim/head-stream.js';

const u = unitContracts(ARCH_PRESETS['tiny']!);
const vocab = 259;
const hidden = 128;
const s = headSchedule(vocab, hidden, u);
const onChip = 2 + (s.groups - 1) * s.period + s.sum + s.lastLines;
const stream = (latency: number, interval: number) => ({ hidden, fifoLines: tableFifoLines(hidden), dram: { latency, interval } });

describe('head and embed with streamed tables', () => {
  it("a memory that keeps up costs only the first group's wait", () => {
    const c = headStreamCycles(s, u.vector.addLatency, stream(60, 1));
    // the request is seen in cycle 1 and its first line taken 60 cycles later, the group's last
    // line hidden - 1 after that; the FIFO's count shows it a cycle later, and the first read
    // follows that check: cycle 1 + 60 + (hidden - 1) + 2, where on chip it is cycle 1
    expect(c - onChip).toBe(60 + hidden + 1);
  });
  it('a slow memory bounds it by its bandwidth; never faster than on chip', () => {
    for (const interval of [1, 2, 3, 5, 9]) {
      const c = headStreamCycles(s, u.vector.addLatency, stream(20, interval));
      expect(c).toBeGreaterThan(onChip);
      expect(c).toBeGreaterThanOrEqual(s.groups * hidden * interval);
    }
    expect(headStreamCycles(s, u.vector.addLatency, stream(20, 9))).toBeLessThan(s.groups * hidden * 9 + onChip);
  });
  it('embed: each row waits for its lines, then copies a word per cycle', () => {
    // a row, from the cycle its request is seen to the cycle after its last read (where the next
    // row's request is seen): the latency, the lines, the count's cycle and the check, the reads;
    // the first request is seen in cycle 1, done comes a cycle after the last read
    const row = (latency: number, interval: number): number => latency + (hidden - 1) * interval + 2 + hidden;
    expect(embedStreamCycles(1, stream(60, 1))).toBe(1 + row(60, 1) + 1);
    expect(embedStreamCycles(3, stream(7, 2))).toBe(1 + 3 * row(7, 2) + 1);
  });
});
