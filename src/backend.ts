/**
 * Backends for `run`, `generate` and `eval`: the reference (float or hw numerics, a whole
 * sequence per forward) or the simulator (the accelerator program on the machine, one token per
 * program run, values computed by its unit models). Both give logits per position; `--backend sim`
 * equals `--backend ref --numerics hw` bit for bit (tests/backend.test.ts).
 *
 * Needs: a loaded model; for the simulator an architecture of the model's weight kind.
 * Guarantees: the same argmax, stop and context rules for both backends.
 */
import type { ArchSpec } from './ir/arch.js';
import { allBitLinears, type Model } from './ir/types.js';
import { argmax, checkContext, createKvCache, forward, type KvCache, type StopReason } from './ref/model.js';
import type { Numerics } from './numerics/index.js';
import { createMachine } from './sim/model.js';
import type { Machine } from './sim/machine.js';
import { assertNever, fail } from './util/diagnostics.js';
import { RtlSession } from './verify/whole.js';

export type Backend = { readonly kind: 'ref'; readonly numerics: Numerics } | { readonly kind: 'sim'; readonly arch: ArchSpec } | { readonly kind: 'rtl'; readonly arch: ArchSpec };

/** A decoding session: feed tokens, get the logits of each fed position. */
export interface Session {
  /** Positions the session can hold. */
  readonly capacity: number;
  /** Logits [tokens.length, vocab] of the fed tokens. */
  feed(tokens: readonly number[], logits: 'all' | 'last'): Float32Array;
  /** Accelerator cycles so far (simulator and RTL only). */
  readonly cycles: number | null;
  /** Let go of what the session holds (the RTL's co-process). */
  close?(): void;
}

class RefSession implements Session {
  private readonly cache: KvCache;
  readonly cycles = null;
  constructor(
    private readonly model: Model,
    private readonly numerics: Numerics,
    readonly capacity: number,
  ) {
    this.cache = createKvCache(model, capacity);
  }
  feed(tokens: readonly number[], logits: 'all' | 'last'): Float32Array {
    return forward(this.model, tokens, this.cache, { numerics: this.numerics, logits });
  }
}

class SimSession implements Session {
  private readonly machine: Machine;
  cycles = 0;
  readonly capacity: number;
  constructor(
    private readonly model: Model,
    arch: ArchSpec,
    capacity: number,
  ) {
    const kind = allBitLinears(model.ir)[0]?.weight.weightKind ?? arch.weightKind;
    if (arch.weightKind !== kind) {
      fail('AR010', `--arch ${arch.name}`, `the model has ${kind} weights but the architecture is built for ${arch.weightKind}`, 'use an architecture of the model\'s weight kind');
    }
    this.machine = createMachine(model.ir, arch, arch.clockMHz, model);
    this.capacity = Math.min(capacity, this.machine.program.context);
  }
  feed(tokens: readonly number[], logits: 'all' | 'last'): Float32Array {
    const V = this.model.ir.embedding.vocabSize;
    if (tokens.length === 0) fail('RUN001', 'tokens', 'no tokens given', 'pass at least one token id, e.g. --tokens 1,2,3');
    if (this.machine.position + tokens.length > this.capacity) {
      fail('RUN002', 'tokens', `${this.machine.position + tokens.length} positions exceed the accelerator's KV cache of ${this.capacity}`, 'use a shorter sequence or an architecture with a longer machine.context', `<= ${this.capacity} positions`);
    }
    tokens.forEach((tok, i) => {
      if (!Number.isInteger(tok) || tok < 0 || tok >= V) fail('RUN003', `tokens[${i}]`, `token id ${tok} is outside the vocabulary`, 'use integer ids in range', `0 <= id < ${V}`);
    });
    const out = new Float32Array((logits === 'all' ? tokens.length : 1) * V);
    if (logits === 'all') {
      // Every position's logits: one token per run (the head takes a run's last row).
      tokens.forEach((tok, i) => {
        const r = this.machine.token(tok);
        this.cycles += r.cycles;
        out.set(r.logits!, i * V);
      });
      return out;
    }
    // The last position's logits only: the tokens in row blocks, as a prompt is processed.
    const R = this.machine.program.rows;
    for (let t = 0; t < tokens.length; t += R) {
      const block = tokens.slice(t, t + R);
      const last = t + block.length === tokens.length;
      const r = this.machine.run(block, { logits: last });
      this.cycles += r.cycles;
      if (last) out.set(r.logits!);
    }
    return out;
  }
}

export function openSession(model: Model, backend: Backend, capacity = model.ir.maxPositions): Session {
  switch (backend.kind) {
    case 'ref':
      return new RefSession(model, backend.numerics, capacity);
    case 'sim':
      return new SimSession(model, backend.arch, capacity);
    case 'rtl': {
      const kind = allBitLinears(model.ir)[0]?.weight.weightKind ?? backend.arch.weightKind;
      if (backend.arch.weightKind !== kind) fail('AR010', `--arch ${backend.arch.name}`, `the model has ${kind} weights but the architecture is built for ${backend.arch.weightKind}`, 'use an architecture of the model\'s weight kind');
      return new RtlSession(model, backend.arch, capacity);
    }
    default:
      return assertNever(backend, 'backend');
  }
}

export function backendLabel(b: Backend): string {
  return b.kind === 'ref' ? `ref, ${b.numerics} numerics` : b.kind === 'sim' ? `sim on ${b.arch.name} (hw numerics)` : `rtl on ${b.arch.name} (the Verilated whole-model accelerator, hw numerics)`;
}

/** Logits for every input position. */
export function runTokens(model: Model, tokens: readonly number[], backend: Backend): { logits: Float32Array; argmax: number[]; cycles: number | null } {
  checkContext(model, tokens.length);
  const s = openSession(model, backend, Math.max(tokens.length, 1));
  let logits: Float32Array;
  try {
    logits = s.feed(tokens, 'all');
  } finally {
    s.close?.();
  }
  const V = model.ir.embedding.vocabSize;
  const am: number[] = [];
  for (let t = 0; t < tokens.length; t++) am.push(argmax(logits.subarray(t * V, (t + 1) * V)));
  return { logits, argmax: am, cycles: s.cycles };
}

/** Greedy generation: the prompt, then one token at a time (the rules of the reference's). */
export function generateTokens(model: Model, prompt: readonly number[], maxNew: number, backend: Backend, stopAtEos = true): { tokens: number[]; stopped: StopReason; cycles: number | null } {
  checkContext(model, prompt.length);
  const s = openSession(model, backend, Math.min(model.ir.maxPositions, prompt.length + maxNew));
  try {
    return greedy(model, s, prompt, maxNew, stopAtEos);
  } finally {
    s.close?.();
  }
}

function greedy(model: Model, s: Session, prompt: readonly number[], maxNew: number, stopAtEos: boolean): { tokens: number[]; stopped: StopReason; cycles: number | null } {
  const out: number[] = [];
  let logits = s.feed(prompt, 'last');
  let fed = prompt.length;
  for (let i = 0; i < maxNew; i++) {
    const next = argmax(logits);
    out.push(next);
    if (stopAtEos && next === model.ir.eosToken) return { tokens: out, stopped: 'eos', cycles: s.cycles };
    if (i + 1 === maxNew) break;
    if (fed >= s.capacity) return { tokens: out, stopped: 'context', cycles: s.cycles };
    logits = s.feed([next], 'last');
    fed++;
  }
  return { tokens: out, stopped: 'max-tokens', cycles: s.cycles };
}
