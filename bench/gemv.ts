/**
 * BitLinear GEMV throughput of the reference's table-lookup kernel, as ratios against two
 * straightforward baselines measured in the same run on the same data:
 *   naive  - decode every packed weight and multiply-add (matmulNaive)
 *   dense  - fp32 GEMV over dequantized Float32Array weights (what a plain float model does)
 * All three are checked to agree before timing. Absolute numbers drift on a shared machine; the
 * ratios are the result.
 */
import { matmulLut, matmulNaive } from '../src/ref/bitlinear.js';
import { packBinaryRowMajor, packTernaryRowMajor } from '../src/ir/pack.js';
import type { QuantizedActs } from '../src/numerics/index.js';
import { Rng } from '../src/util/prng.js';

function timeIt(f: () => void, minMs = 300): number {
  f(); // warm-up (JIT)
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() - start < minMs || samples.length < 5) {
    const t0 = performance.now();
    f();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export interface GemvRow {
  shape: string;
  kind: 'ternary' | 'binary';
  lutMs: number;
  naiveMs: number;
  denseMs: number;
  lutGWeightsPerS: number;
  speedupVsNaive: number;
  speedupVsDense: number;
}

export function benchGemv(): GemvRow[] {
  const rows: GemvRow[] = [];
  for (const [outF, inF] of [[2560, 2560], [6912, 2560]] as const) {
    for (const kind of ['ternary', 'binary'] as const) {
      const rng = new Rng(outF + inF);
      const w = new Int8Array(outF * inF).map(() => (kind === 'ternary' ? rng.int(-1, 1) : rng.int(0, 1) * 2 - 1));
      const packed = kind === 'ternary' ? packTernaryRowMajor(w, outF, inF) : packBinaryRowMajor(w, outF, inF);
      const q = new Int8Array(inF).map(() => rng.int(-128, 127));
      const qa: QuantizedActs = { rows: 1, n: inF, groups: 1, q, s: new Float64Array(1) };
      const wf = Float32Array.from(w, (v) => v * 0.0123);
      const xf = Float32Array.from(q, (v) => v * 0.01);
      const yf = new Float32Array(outF);
      const dense = (): void => {
        for (let o = 0; o < outF; o++) {
          let s = 0;
          const b = o * inF;
          for (let j = 0; j < inF; j++) s += wf[b + j]! * xf[j]!;
          yf[o] = s;
        }
      };
      const a = matmulLut(kind, packed, outF, inF, qa);
      const n = matmulNaive(kind, packed, outF, inF, qa);
      if (!a.every((v, i) => v === n[i])) throw new Error('bench: LUT and naive kernels disagree');
      const lutMs = timeIt(() => matmulLut(kind, packed, outF, inF, qa));
      const naiveMs = timeIt(() => matmulNaive(kind, packed, outF, inF, qa));
      const denseMs = timeIt(dense);
      rows.push({
        shape: `${outF}x${inF}`,
        kind,
        lutMs,
        naiveMs,
        denseMs,
        lutGWeightsPerS: (outF * inF) / (lutMs * 1e6),
        speedupVsNaive: naiveMs / lutMs,
        speedupVsDense: denseMs / lutMs,
      });
    }
  }
  return rows;
}

export function printGemv(rows: GemvRow[]): void {
  console.log('BitLinear GEMV (one token), median of repeated runs, same process:');
  console.log('shape       kind     LUT ms  naive ms  fp32 ms  LUT Gweights/s  vs naive  vs fp32');
  for (const r of rows) {
    console.log(
      `${r.shape.padEnd(11)} ${r.kind.padEnd(8)} ${r.lutMs.toFixed(2).padStart(6)} ${r.naiveMs.toFixed(2).padStart(9)} ${r.denseMs.toFixed(2).padStart(8)} ${r.lutGWeightsPerS.toFixed(2).padStart(15)} ${r.speedupVsNaive.toFixed(2).padStart(8)}x ${r.speedupVsDense.toFixed(2).padStart(7)}x`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printGemv(benchGemv());
