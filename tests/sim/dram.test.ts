/**
 * The DRAM port's memory (src/sim/dram.ts) against its contract (src/ir/arch.ts dramTiming): the
 * first word `latency` cycles after the request, words no closer than `interval`, an offered word
 * held until taken, requests served in order; and the timing derived from GB/s and ns.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SYSTEM, dramTiming } from '../../src/ir/arch.js';
import { DramModel } from '../../src/sim/dram.js';

/** Cycles on which words were taken, with their addresses, for a consumer ready on `ready(c)`. */
function drain(m: DramModel, requests: Map<number, { addr: number; len: number }>, ready: (c: number) => boolean, cycles: number): [number, number][] {
  const got: [number, number][] = [];
  for (let c = 0; c < cycles; c++) {
    const v = m.valid(c);
    const take = v && ready(c);
    if (take) got.push([c, m.addr()]);
    m.step(c, take, requests.get(c) ?? null);
  }
  return got;
}

describe('DRAM port memory', () => {
  it('delivers in order, latency after the request, one word per interval at most', () => {
    const m = new DramModel({ latency: 5, interval: 3 });
    const got = drain(m, new Map([[0, { addr: 10, len: 3 }], [1, { addr: 40, len: 2 }]]), () => true, 40);
    expect(got).toEqual([[5, 10], [8, 11], [11, 12], [14, 40], [17, 41]]);
    expect(m.words).toBe(5);
  });
  it('holds an offered word until it is taken, and spaces the next from the take', () => {
    const m = new DramModel({ latency: 2, interval: 2 });
    const got = drain(m, new Map([[0, { addr: 0, len: 2 }]]), (c) => c >= 6, 20);
    expect(got).toEqual([[6, 0], [8, 1]]);
  });
  it('a request made after the memory went idle waits its full latency', () => {
    const m = new DramModel({ latency: 4, interval: 1 });
    const got = drain(m, new Map([[0, { addr: 0, len: 1 }], [10, { addr: 7, len: 2 }]]), () => true, 30);
    expect(got).toEqual([[4, 0], [14, 7], [15, 8]]);
  });
  it('refuses a take that was not offered and an empty request', () => {
    const m = new DramModel({ latency: 3, interval: 1 });
    m.step(0, false, { addr: 0, len: 1 });
    expect(() => m.step(1, true, null)).toThrow(/not offered/);
    expect(() => m.step(2, false, { addr: 0, len: 0 })).toThrow(/0 words/);
  });
  it('timing from the system: 600 ns and 12.8 GB/s at 100 MHz are 60 cycles and a 1024-bit word per cycle', () => {
    expect(dramTiming(DEFAULT_SYSTEM, 100, 1024)).toEqual({ latency: 60, interval: 1 });
    expect(dramTiming(DEFAULT_SYSTEM, 100, 1025)).toEqual({ latency: 60, interval: 2 });
    // a slower clock: fewer cycles of latency, more bits per cycle
    expect(dramTiming(DEFAULT_SYSTEM, 38.99, 1024)).toEqual({ latency: 24, interval: 1 });
  });
});
