/**
 * Seeded pseudo-random numbers for fixtures, synthetic models and benchmarks.
 * Built on pure-rand's xoroshiro128+, so every generated artifact is reproducible from its seed.
 */
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

export class Rng {
  private readonly g: RandomGenerator;
  constructor(seed: number) {
    this.g = xoroshiro128plus(seed | 0);
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    return this.g.unsafeNext() >>> 0;
  }
  /** Uniform in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [lo, hi] (inclusive); slight modulo bias is irrelevant for fixtures. */
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Fill a byte array quickly (4 bytes per draw). */
  fillBytes(out: Uint8Array): void {
    const n4 = out.length >>> 2;
    const view = new Uint32Array(out.buffer, out.byteOffset, out.byteOffset % 4 === 0 ? n4 : 0);
    if (view.length === n4) {
      for (let i = 0; i < n4; i++) view[i] = this.g.unsafeNext();
      for (let i = n4 * 4; i < out.length; i++) out[i] = this.g.unsafeNext() & 0xff;
    } else {
      for (let i = 0; i < out.length; i++) out[i] = this.g.unsafeNext() & 0xff;
    }
  }
}
