/**
 * Cycle-level model of the generated BitLinear engine (templates/verilog/bnhw_engine.v.hbs and the
 * modules it instantiates), register for register: the same FSMs, counters, divider latencies,
 * MAC pipeline depth, result buffer and drain pipeline, updated once per clock from the values of
 * the previous cycle. Cycle counts equal the RTL's for any stall pattern (tests/sim prove it
 * against the Verilator harness). In functional mode each token also carries its values, computed
 * with the hw numerics, so outputs equal the RTL's bit for bit; in timing mode only counts are kept.
 *
 * No energy constants here: the model emits action counts ({component, action, bits, count}) that
 * src/energy prices with a versioned table.
 */
import type { EnginePlan } from '../ir/engine-plan.js';
import { DIV_C, DIV_R } from '../codegen/verilog.js';
import { allBitLinears, type BitLinearIR, type Model } from '../ir/types.js';
import { applyBitLinear } from '../ref/bitlinear.js';

export interface SimToken {
  readonly id: number;
  readonly layer: number;
  /** binary32 bits of the outputs (functional mode), else null. */
  readonly y: Uint32Array | null;
}

export interface PortsIn {
  s_valid: boolean;
  s_data: number;
  s_layer: number;
  m_ready: boolean;
}

export interface PortsOut {
  s_ready: boolean;
  m_valid: boolean;
  m_data: number;
  m_last: boolean;
}

export interface ActionCount {
  readonly component: string;
  readonly action: string;
  readonly bits: number;
  count: number;
}

const Q_LOAD = 0, Q_DIV = 1, Q_WAIT = 2, Q_QUANT = 3;
const C_IDLE = 0, C_CWAIT = 1, C_CDIV = 2, C_ISSUE = 3, C_WAIT = 4;

/** Merge `acts` x `times` into `into`, keyed by (component, action, bits). */
export function addActions(into: Map<string, ActionCount>, acts: readonly ActionCount[], times: number): void {
  for (const a of acts) {
    const key = `${a.component}\u0000${a.action}\u0000${a.bits}`;
    const cur = into.get(key);
    if (cur) cur.count += a.count * times;
    else into.set(key, { component: a.component, action: a.action, bits: a.bits, count: a.count * times });
  }
}

export function sortedActions(m: ReadonlyMap<string, ActionCount>): ActionCount[] {
  return [...m.values()].sort((a, b) => (`${a.component}.${a.action}.${a.bits}` < `${b.component}.${b.action}.${b.bits}` ? -1 : 1));
}

const DIV_IDLE = 0;
const DIV_ITER = 1;
const DIV_DONE = 2;

/**
 * templates/verilog/bnhw_divu.v.hbs (instantiated twice): `start` while idle loads; then one
 * iteration per clock for `bits` clocks, the last one raising `done` for the following cycle.
 * `clock` returns DIV_IDLE, DIV_ITER, or DIV_DONE (an iteration that completes the division).
 */
class DividerModel {
  private running = false;
  private count = 0;
  constructor(private readonly bits: number) {}
  clock(start: boolean): number {
    if (start && !this.running) {
      this.running = true;
      this.count = this.bits;
      return DIV_IDLE;
    }
    if (!this.running) return DIV_IDLE;
    this.count--;
    if (this.count === 0) {
      this.running = false;
      return DIV_DONE;
    }
    return DIV_ITER;
  }
}

/** Called when a token is complete in the quantizer: returns its output values (or null). */
export type TokenValues = (layer: number, x: Uint32Array) => Uint32Array | null;

export class EngineSim {
  readonly plan: EnginePlan;
  private readonly values: TokenValues;
  // quantizer
  private qst = Q_LOAD;
  private qcnt = 0;
  private qn = 0;
  private qchunks = 0;
  private qlayer = 0;
  private qx = new Uint32Array(0);
  private qDivStarted = false;
  private readonly divR = new DividerModel(DIV_R.dividendBits);
  private rDone = false;
  private qIssued = 0;
  private rdV = false;
  private rdIdx = 0;
  private qDone = false;
  private qOut: SimToken | null = null;
  private tokenSeq = 0;
  // controller
  private cst = C_IDLE;
  private cur: SimToken | null = null;
  private g = 0;
  private cDivStarted = false;
  private readonly divC = new DividerModel(DIV_C.dividendBits);
  private cDone = false;
  private k = 0;
  private t = 0;
  private tbase = 0;
  private iV = false;
  private iL = false;
  private readonly macV: boolean[];
  private readonly macL: boolean[];
  private outDone = false;
  private accReady = false;
  // result buffer and drain
  private rbFull = false;
  private rbRows = 0;
  private rbJ = 0;
  private rbLast = false;
  private rbTok: SimToken | null = null;
  private rbBase = 0;
  private s1V = false;
  private s1Last = false;
  private s1Data = 0;
  private mValid = false;
  private mData = 0;
  private mLast = false;
  /** Cycles simulated since reset. */
  cycles = 0;
  /** Action counters, one slot per (component, action, bits) the model emits. */
  private readonly cnt: Float64Array;
  private readonly slots: readonly { component: string; action: string; bits: number }[];

  constructor(plan: EnginePlan, values: TokenValues = () => null) {
    this.plan = plan;
    this.values = values;
    this.macV = new Array<boolean>(plan.treeRegisters).fill(false);
    this.macL = new Array<boolean>(plan.treeRegisters).fill(false);
    const S = plan.S;
    this.slots = [
      { component: 'quantizer', action: 'quantize', bits: 8 },
      { component: 'qbuf', action: 'write', bits: 8 * S },
      { component: 'xbuf', action: 'write', bits: 32 },
      { component: 'xbuf', action: 'read', bits: 32 },
      { component: 'divider_r', action: 'iteration', bits: DIV_R.divisorBits + 1 },
      { component: 'mac_array', action: 'tree_add', bits: 8 },
      { component: 'mac_array', action: 'accumulate', bits: plan.accBits },
      { component: 'wmem', action: 'read', bits: plan.wordBits },
      { component: 'qbuf', action: 'read', bits: 8 * S },
      { component: 'cgen', action: 'normalize', bits: 32 },
      { component: 'rbuf', action: 'write', bits: plan.accBits },
      { component: 'divider_c', action: 'iteration', bits: DIV_C.divisorBits + 1 },
      { component: 'dequant', action: 'f32_multiply', bits: 32 },
      { component: 'output', action: 'beat', bits: 32 },
    ];
    this.cnt = new Float64Array(this.slots.length);
  }

  actions(): ActionCount[] {
    const m = new Map<string, ActionCount>();
    addActions(m, this.slots.map((sl, i) => ({ ...sl, count: this.cnt[i]! })).filter((a) => a.count > 0), 1);
    return sortedActions(m);
  }

  /** Apply `inp` for one cycle: returns the outputs seen during the cycle, then clocks. */
  cycle(inp: PortsIn): PortsOut {
    const P = this.plan.P;
    const S = this.plan.S;
    const out: PortsOut = { s_ready: this.qst === Q_LOAD, m_valid: this.mValid, m_data: this.mData, m_last: this.mLast };
    const beat = inp.s_valid && this.qst === Q_LOAD;
    const adv = !this.mValid || inp.m_ready;
    const take = adv && this.rbFull;
    const cl = this.cur ? this.plan.layers[this.cur.layer]! : null;
    const issue = this.cst === C_ISSUE;
    const issueLast = cl !== null && this.k === cl.chunks - 1;
    const copy = this.cst === C_WAIT && this.accReady && !this.rbFull;
    const bufFree = this.cst === C_IDLE;

    // ---- quantizer (next state) ----
    let qst = this.qst;
    let qDone = false;
    let qOut = this.qOut;
    const rStart = this.qst === Q_DIV && !this.qDivStarted;
    // Pack stage first: it finishes the previous token, whose buffers a new first beat replaces.
    if (this.rdV) {
      this.cnt[0] = this.cnt[0]! + 1;
      if (this.rdIdx % S === S - 1) this.cnt[1] = this.cnt[1]! + 1;
      if (this.rdIdx === this.qchunks * S - 1) {
        qDone = true;
        qOut = { id: this.tokenSeq++, layer: this.qlayer, y: this.values(this.qlayer, this.qx) };
      }
    }
    switch (this.qst) {
      case Q_LOAD:
        if (beat) {
          let n = this.qn;
          if (this.qcnt === 0) {
            const l = this.plan.layers[inp.s_layer];
            if (!l) throw new Error(`engine sim: layer id ${inp.s_layer} is not in the plan`);
            n = l.n;
            this.qn = l.n;
            this.qchunks = l.chunks;
            this.qlayer = inp.s_layer;
            this.qx = new Uint32Array(l.n);
          }
          this.qx[this.qcnt] = inp.s_data >>> 0;
          this.cnt[2] = this.cnt[2]! + 1;
          if (this.qcnt === n - 1) {
            this.qcnt = 0;
            qst = Q_DIV;
          } else this.qcnt++;
        }
        break;
      case Q_DIV:
        if (!this.qDivStarted) this.qDivStarted = true;
        else if (this.rDone) {
          this.qDivStarted = false;
          qst = Q_WAIT;
        }
        break;
      case Q_WAIT:
        if (bufFree) {
          qst = Q_QUANT;
          this.qIssued = 0;
        }
        break;
      default: {
        const nq = this.qchunks * S;
        if (this.qIssued < this.qn) this.cnt[3] = this.cnt[3]! + 1;
        if (this.qIssued === nq - 1) qst = Q_LOAD;
        this.rdIdxNext = this.qIssued;
        this.qIssued++;
      }
    }
    const rdVNext = this.qst === Q_QUANT;
    const rStep = this.divR.clock(rStart);
    if (rStep !== DIV_IDLE) this.cnt[4] = this.cnt[4]! + 1;
    const rDone = rStep === DIV_DONE;

    // ---- controller ----
    const vF = this.macV.length ? this.macV[this.macV.length - 1]! : this.iV;
    const lF = this.macL.length ? this.macL[this.macL.length - 1]! : this.iL;
    for (let i = this.macV.length - 1; i > 0; i--) {
      this.macV[i] = this.macV[i - 1]!;
      this.macL[i] = this.macL[i - 1]!;
    }
    if (this.macV.length) {
      this.macV[0] = this.iV;
      this.macL[0] = this.iL;
    }
    if (vF) {
      this.cnt[5] = this.cnt[5]! + P * Math.max(S - 1, 0) + P;
      this.cnt[6] = this.cnt[6]! + P;
    }
    const outDone = vF && lF;
    let accReady = this.accReady || this.outDone;
    let rbFull = this.rbFull;
    if (take && this.rbJ === this.rbRows - 1) rbFull = false;
    const cStart = this.cst === C_CDIV && !this.cDivStarted;
    if (issue) {
      this.cnt[7] = this.cnt[7]! + 1;
      this.cnt[8] = this.cnt[8]! + 1;
    }
    let cst = this.cst;
    switch (this.cst) {
      case C_IDLE:
        if (this.qDone) {
          this.cur = this.qOut;
          this.g = 0;
          cst = C_CWAIT;
        }
        break;
      case C_CWAIT:
        if (!this.rbFull) cst = C_CDIV;
        break;
      case C_CDIV:
        if (!this.cDivStarted) this.cDivStarted = true;
        else if (this.cDone) {
          this.cDivStarted = false;
          this.cnt[9] = this.cnt[9]! + 1;
          if (this.g === cl!.weightGroups - 1) {
            cst = C_ISSUE;
            this.k = 0;
            this.t = 0;
            this.tbase = 0;
          } else this.g++;
        }
        break;
      case C_ISSUE:
        if (issueLast) cst = C_WAIT;
        else this.k++;
        break;
      default:
        if (copy) {
          accReady = false;
          rbFull = true;
          this.rbRows = Math.min(P, cl!.out - this.tbase);
          this.rbLast = this.t === cl!.tiles - 1;
          this.rbTok = this.cur;
          this.rbBase = this.tbase;
          this.cnt[10] = this.cnt[10]! + P;
          if (this.rbLast) cst = C_IDLE;
          else {
            this.t++;
            this.tbase += P;
            this.k = 0;
            cst = C_ISSUE;
          }
        }
    }
    const cStep = this.divC.clock(cStart);
    if (cStep !== DIV_IDLE) this.cnt[11] = this.cnt[11]! + 1;
    const cDone = cStep === DIV_DONE;

    // ---- drain ----
    if (adv) {
      this.mValid = this.s1V;
      this.mData = this.s1Data;
      this.mLast = this.s1Last;
      this.s1V = this.rbFull;
      if (this.rbFull) {
        const y = this.rbTok!.y;
        this.s1Data = y ? y[this.rbBase + this.rbJ]! : 0;
        this.s1Last = this.rbLast && this.rbJ === this.rbRows - 1;
        this.cnt[12] = this.cnt[12]! + 1;
      }
    }
    if (take) this.rbJ = this.rbJ === this.rbRows - 1 ? 0 : this.rbJ + 1;
    if (out.m_valid && inp.m_ready) this.cnt[13] = this.cnt[13]! + 1;

    // ---- commit ----
    this.qst = qst;
    this.qDone = qDone;
    this.qOut = qOut;
    this.rdV = rdVNext;
    this.rdIdx = this.rdIdxNext;
    this.rDone = rDone;
    this.iV = issue;
    this.iL = issue && issueLast;
    this.outDone = outDone;
    this.accReady = accReady;
    this.rbFull = rbFull;
    this.cst = cst;
    this.cDone = cDone;
    this.cycles++;
    return out;
  }

  private rdIdxNext = 0;
}

/** Functional values from the hw-numerics reference for every layer of the plan. */
export function referenceValues(model: Model, plan: EnginePlan): TokenValues {
  const bls = plan.layers.map((l) => allBitLinearsByName(model).get(l.name)!);
  return (layer, x) => {
    const xf = new Float32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
    const y = applyBitLinear('hw', bls[layer]!, model.tensors, xf, 1);
    return new Uint32Array(y.buffer);
  };
}

function allBitLinearsByName(model: Model): Map<string, BitLinearIR> {
  return new Map(allBitLinears(model.ir).map((b) => [b.name, b]));
}
