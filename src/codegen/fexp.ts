/**
 * The exp unit's view model: the scheduled dataflow of src/ir/exp-pipeline.ts turned into the
 * instances, delay lines and operand wires that templates/verilog/bnhw_fexp.v.hbs prints.
 *
 * Needs: the schedule and the contract's latency (>= the schedule's). Guarantees: every fp32
 * node is one bnhw_fmul/bnhw_fadd instance whose operands are valid in the cycle it starts (each
 * operand's valid travels with its value, so an instance's in_v is the AND of its operands'); an
 * operand ready earlier is read from its source's delay line at exactly the wait; the result is
 * stretched to the contract by output delays. Every name is legal Verilog (node names are
 * identifiers by construction).
 */
import type { ExpOperand, ExpSchedule, ScheduledNode } from '../ir/exp-pipeline.js';
import { operandNames } from '../ir/exp-pipeline.js';
import { assertNever } from '../util/diagnostics.js';

export interface ExpOperandWire {
  readonly name: string;
  readonly hi: number;
  readonly v: string;
  readonly y: string;
}
export interface ExpInstance {
  readonly module: 'bnhw_fmul' | 'bnhw_fadd';
  readonly name: string;
  readonly inV: string;
  readonly a: string;
  readonly b: string;
  readonly start: number;
  readonly comment: string;
}
export interface ExpDelayView {
  readonly name: string;
  /** Data bits - 1 and the line's packed data width - 1. */
  readonly hi: number;
  readonly lineHi: number;
  readonly single: boolean;
  /** The shifted part's top bit (lines longer than one). */
  readonly keepHi: number;
  readonly vKeepHi: number;
  readonly lenHi: number;
  readonly len: number;
  readonly taps: readonly { readonly wire: string; readonly hi: number; readonly lo: number; readonly vbit: number }[];
}
export interface ExpView {
  readonly latency: number;
  readonly minLatency: number;
  readonly instances: readonly ExpInstance[];
  readonly delays: readonly ExpDelayView[];
  readonly operands: readonly ExpOperandWire[];
  /** The output: the scale step's register or the last output delay's tap. */
  readonly outV: string;
  readonly outY: string;
  readonly schedule: readonly { readonly name: string; readonly start: number; readonly ready: number }[];
}

const hex32 = (b: number): string => `32'h${(b >>> 0).toString(16).padStart(8, '0')}`;

export function expView(s: ExpSchedule, latency: number): ExpView {
  if (latency < s.latency) throw new Error(`exp contract ${latency} below the pipeline's ${s.latency}`);
  const by = new Map(s.nodes.map((n) => [n.node.name, n] as const));
  const extra = latency - s.latency;
  const last = s.nodes[s.nodes.length - 1]!;
  const lines = [...s.delays];
  if (extra > 0) {
    const i = lines.findIndex((d) => d.source === last.node.name);
    if (i >= 0) throw new Error('exp graph: the result must feed nothing inside the unit');
    lines.push({ source: last.node.name, width: last.width, length: extra, taps: [extra] });
  }
  const tapWire = (src: string, wait: number): string => `${src}_t${wait}`;
  const delays: ExpDelayView[] = lines.map((d) => ({
    name: d.source,
    hi: d.width - 1,
    lineHi: d.width * d.length - 1,
    single: d.length === 1,
    keepHi: d.width * (d.length - 1) - 1,
    vKeepHi: d.length - 2,
    lenHi: d.length - 1,
    len: d.length,
    taps: d.taps.map((t) => ({ wire: tapWire(d.source, t), hi: d.width * t - 1, lo: d.width * (t - 1), vbit: t - 1 })),
  }));
  // An operand of `c` read from `src`: straight from its result, or its delay line's tap.
  const source = (c: ScheduledNode, src: string): { v: string; y: string } => {
    const wait = c.start - by.get(src)!.ready;
    return wait === 0 ? { v: `${src}_v`, y: `${src}_y` } : { v: `${tapWire(src, wait)}_v`, y: `${tapWire(src, wait)}_y` };
  };
  const operands: ExpOperandWire[] = [];
  const instances: ExpInstance[] = [];
  const wire = (c: ScheduledNode, i: number, o: ExpOperand): { v: string | null; y: string } => {
    if (o.kind === 'const') return { v: null, y: hex32(o.bits) };
    const { v, y } = source(c, o.node);
    const name = `${c.node.name}_i${i}`;
    const w = by.get(o.node)!.width;
    operands.push({ name, hi: w - 1, v, y: o.neg ? `{~${y}[31], ${y}[30:0]}` : y });
    return { v: `${name}_v`, y: `${name}_y` };
  };
  for (const c of s.nodes) {
    const n = c.node;
    switch (n.kind) {
      case 'input':
        break;
      case 'fmul':
      case 'fadd': {
        const a = wire(c, 0, n.a);
        const b = n.b.kind === 'node' && n.a.kind === 'node' && n.b.node === n.a.node && n.b.neg === n.a.neg ? a : wire(c, 1, n.b);
        const vs = [...new Set([a.v, b.v].filter((v): v is string => v !== null))];
        const what = (o: ExpOperand): string => (o.kind === 'const' ? o.what : `${o.neg ? '-' : ''}${o.node}`);
        instances.push({
          module: n.kind === 'fmul' ? 'bnhw_fmul' : 'bnhw_fadd',
          name: n.name,
          inV: vs.length ? vs.join(' & ') : "1'b1",
          a: a.y,
          b: b.y,
          start: c.start,
          comment: `${n.name} = ${what(n.a)} ${n.kind === 'fmul' ? '*' : '+'} ${what(n.b)}`,
        });
        break;
      }
      case 'step':
        operandNames(n).forEach((src, i) => {
          const { v, y } = source(c, src);
          operands.push({ name: `${n.name}_i${i}`, hi: by.get(src)!.width - 1, v, y });
        });
        break;
      default:
        assertNever(n, 'exp node');
    }
  }
  const out = extra > 0 ? tapWire(last.node.name, extra) : last.node.name;
  return {
    latency,
    minLatency: s.latency,
    instances,
    delays,
    operands,
    outV: `${out}_v`,
    outY: `${out}_y`,
    schedule: s.nodes.map((n) => ({ name: n.node.name, start: n.start, ready: n.ready })),
  };
}
