/**
 * The external memory behind a DRAM read port, cycle for cycle, under the contract of
 * `dramTiming` (src/ir/arch.ts): requests accepted at once and served in order; a request taken
 * on cycle t offers its first word from t + latency; after a word is taken the next is offered
 * `interval` cycles later at the earliest; an offered word stays offered until it is taken.
 * hw/harness/dram_model.h is the same machine in C++, for the Verilator harnesses: the simulator
 * and the RTL then see identical memories, so their cycle counts can be compared exactly.
 */
import type { DramTiming } from '../ir/arch.js';

interface Pending {
  readonly addr: number;
  readonly len: number;
  readonly readyAt: number;
}

export class DramModel {
  private readonly queue: Pending[] = [];
  private head = 0;
  private idx = 0;
  private nextAt = 0;
  /** Words delivered since reset. */
  words = 0;

  constructor(private readonly timing: DramTiming) {}

  /** Whether a word is offered on cycle `cycle` (depends only on earlier cycles). */
  valid(cycle: number): boolean {
    const h = this.queue[this.head];
    return h !== undefined && cycle >= h.readyAt && cycle >= this.nextAt;
  }

  /** The word address offered (meaningful when `valid`). */
  addr(): number {
    const h = this.queue[this.head];
    return h ? h.addr + this.idx : 0;
  }

  /**
   * End of cycle `cycle`: `taken` when the offered word was accepted (valid and ready), `request`
   * when a request was presented (always accepted).
   */
  step(cycle: number, taken: boolean, request: { readonly addr: number; readonly len: number } | null): void {
    if (taken) {
      const h = this.queue[this.head];
      if (!h || !this.valid(cycle)) throw new Error(`dram model: a word taken on cycle ${cycle} that was not offered`);
      this.words++;
      this.nextAt = cycle + this.timing.interval;
      if (++this.idx === h.len) {
        this.idx = 0;
        this.head++;
        // Drop served requests now and then, so a long run keeps a short queue.
        if (this.head > 64) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
      }
    }
    if (request) {
      if (request.len < 1) throw new Error(`dram model: a request for ${request.len} words on cycle ${cycle}`);
      this.queue.push({ addr: request.addr, len: request.len, readyAt: cycle + this.timing.latency });
    }
  }
}
