/**
 * The layout of a banked memory (src/codegen/memory.ts prints it): banks one block RAM deep, each
 * read registered beside its bank, then a registered tree of 4:1 multiplexers. Its read latency is
 * what the units' contracts (src/ir/units.ts) and the engine's timing read, so it lives here, below
 * both the generator and the simulator.
 *
 * Needs: depth >= 1. Guarantees: latency 3 for one bank, 2 + ceil(log4(banks)) for several.
 */
import { bitsFor } from './engine-plan.js';

/** Deepest bank: one block RAM deep (2048 x 9; wider words use several side by side). */
export const BANK_DEPTH = 2048;

export interface MemoryLayout {
  readonly aw: number;
  readonly banks: number;
  readonly bankDepth: number;
  /** Address bits inside a bank. */
  readonly lo: number;
  readonly muxStages: number;
  readonly latency: number;
}

export function memoryLayout(depth: number, width: number): MemoryLayout {
  void width;
  const aw = bitsFor(Math.max(depth - 1, 1));
  if (depth <= BANK_DEPTH) return { aw, banks: 1, bankDepth: depth, lo: aw, muxStages: 1, latency: 3 };
  const lo = bitsFor(BANK_DEPTH - 1);
  const banks = Math.ceil(depth / BANK_DEPTH);
  let n = banks;
  let stages = 0;
  while (n > 1) {
    n = Math.ceil(n / 4);
    stages++;
  }
  return { aw, banks, bankDepth: BANK_DEPTH, lo, muxStages: stages, latency: 2 + stages };
}

