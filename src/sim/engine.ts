/**
 * Cycle-level model of the generated BitLinear engine (templates/verilog/bnhw_engine.v.hbs and the
 * modules it instantiates), register for register: the loader, scaler (iterative divider), element
 * quantizer pipeline, issuer, MAC array pipeline, result slots, drain, dequantizer pipeline and
 * output FIFO, each updated once per clock from the values of the previous cycle. Cycle counts
 * equal the RTL's for any stall pattern (tests/sim prove it against the Verilator harness).
 *
 * In functional mode the model computes every value itself with the hw numerics' integer
 * algorithms (the same ones the RTL implements: divideMantissas, quantizeElementBits, the weight
 * words of the plan's image, dequantBits), never by calling the reference; in timing mode only
 * control and counts are kept.
 *
 * No energy constants here: the model emits action counts ({component, action, bits, count}) that
 * src/energy prices with a versioned table.
 */
import type { EnginePlan } from '../ir/engine-plan.js';
import { ENGINE_ACTIONS, unpackWord } from '../ir/engine-plan.js';
import { CSLOTS, DQ_STAGES, engineTiming, FIFO_DEPTH, QELEM_STAGES, WFIFO_DEPTH, XSLOTS } from '../codegen/view.js';
import { dequantBits, divideMantissas, quantizeElementBits } from '../numerics/index.js';
import { f32Bits } from '../util/float.js';

export interface PortsIn {
  s_valid: boolean;
  s_data: number;
  s_layer: number;
  m_ready: boolean;
  /** The DRAM weight port's memory side (weights streamed from DRAM only). */
  w_ar_ready?: boolean;
  w_r_valid?: boolean;
}

export interface PortsOut {
  s_ready: boolean;
  m_valid: boolean;
  m_data: number;
  m_last: boolean;
  /** The DRAM weight port's request (word address and count) and the FIFO's room for a word. */
  w_ar_valid: boolean;
  w_ar_addr: number;
  w_ar_len: number;
  w_r_ready: boolean;
}

export interface ActionCount {
  readonly component: string;
  readonly action: string;
  readonly bits: number;
  count: number;
}

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

/** Values the functional mode needs: the weight memory image (see engine-plan weightImage). */
export interface EngineValues {
  readonly weights: Uint8Array;
}

const SC_IDLE = 0, SC_CFG = 1, SC_DIVS = 2, SC_HAND = 3, SC_DIVC = 4;
/** Divider steps for the token scale and for each dequantization constant. */
export const DIV_S_STEPS = 25;
export const DIV_C_STEPS = 32;

/** templates/verilog/bnhw_div.v.hbs: `start` while idle loads; `steps` iterations; `done` one cycle. */
class DividerModel {
  busy = false;
  cnt = 0;
  done = false;
  q = 0;
  sticky = false;
  shifted = false;
  /** Returns whether an iteration happened this cycle. */
  clock(start: boolean, a: number, b: number, steps: number, values: boolean): boolean {
    const wasBusy = this.busy;
    this.done = false;
    if (start && !this.busy) {
      this.busy = true;
      this.cnt = steps;
      if (values) {
        const r = divideMantissas(a, b, steps);
        this.q = r.q;
        this.sticky = r.sticky;
        this.shifted = r.shifted;
      }
      return false;
    }
    if (wasBusy) {
      this.cnt--;
      if (this.cnt === 0) {
        this.busy = false;
        this.done = true;
      }
      return true;
    }
    return false;
  }
}

interface QTag {
  last: boolean;
  layer: number;
  slot: number;
  word: number;
  qslot: number;
  cslot: number;
}
interface QStage {
  v: boolean;
  q: number;
  tag: QTag;
}
interface MTag {
  rslot: number;
  rm1: number;
  tfirst: boolean;
  tlast: boolean;
  cslot: number;
  layer: number;
}
interface MStage {
  v: boolean;
  f: boolean;
  l: boolean;
  tag: MTag;
  sums: Int32Array | null;
}
interface DStage {
  v: boolean;
  y: number;
  last: boolean;
}

const NO_QTAG: QTag = { last: false, layer: 0, slot: 0, word: 0, qslot: 0, cslot: 0 };
const NO_MTAG: MTag = { rslot: 0, rm1: 0, tfirst: false, tlast: false, cslot: 0, layer: 0 };

export class EngineSim {
  readonly plan: EnginePlan;
  private readonly values: EngineValues | null;
  private readonly S: number;
  private readonly P: number;
  private readonly iwPow: number;
  private readonly kwPow: number;
  private readonly gwPow: number;
  private readonly readStages: number;
  // loader
  private lbusy = false;
  private lcnt = 0;
  private lnm1 = 0;
  private lslot = 0;
  private lwr = 0;
  private lamax = 0;
  private llayer = 0;
  private xused = 0;
  private sdV = false;
  private sdLayer = 0;
  private sdSlot = 0;
  private sdAmax = 0;
  private readonly xbuf: Uint32Array;
  // Registered release pulses (they reach the other stage one cycle late, as in the RTL).
  private xrelQ = false;
  private qrelQ = false;
  private rrelQ = false;
  private crelQ = false;
  private crelSlotQ = 0;
  private csetQ = false;
  private csetSlotQ = 0;
  // scaler
  private scSt = SC_IDLE;
  private scLayer = 0;
  private scXslot = 0;
  private scAmax = 0;
  private scNbits = 0;
  private scS = 0;
  private scCslot = 0;
  private scG = 0;
  private scGm1 = 0;
  private scWm = 0;
  private scStarted = false;
  private cwr = 0;
  private cused = 0;
  private readonly cvalid = [false, false, false, false];
  private qdV = false;
  private qdLayer = 0;
  private qdXslot = 0;
  private qdS = 0;
  private qdCslot = 0;
  private readonly cbufC: Float64Array;
  private readonly cbufE: Int32Array;
  private readonly div = new DividerModel();
  // quantizer
  private qzBusy = false;
  private qzLayer = 0;
  private qzXslot = 0;
  private qzS = 0;
  private qzCslot = 0;
  private qzQslot = 0;
  private qwr = 0;
  private qused = 0;
  private qzI = 0;
  private qzNm1 = 0;
  private qzQlast = 0;
  private qzHa = false;
  private qzSlot = 0;
  private qzWord = 0;
  /** Element pipeline: the qi* registers (with the activation read), then the element stages. */
  private readonly qpipe: QStage[];
  private readonly qword: Int8Array;
  private readonly qbuf: Int8Array;
  private idV = false;
  private idLayer = 0;
  private idQslot = 0;
  private idCslot = 0;
  cError = false;
  // issuer
  private isBusy = false;
  private isLayer = 0;
  private isQslot = 0;
  private isCslot = 0;
  private isK = 0;
  private isCm1 = 0;
  private isT = 0;
  private isTm1 = 0;
  private isTbase = 0;
  private isOut = 0;
  private isWaddr = 0;
  private isRslot = 0;
  private rcred = 2;
  private rwr = 0;
  /** Issue-to-accumulate pipeline: read stages then the tree's registers. */
  private readonly mpipe: MStage[];
  private readonly acc: Float64Array;
  private readonly codes: Uint8Array;
  // result slots and drain
  private readonly rbuf: [Float64Array, Float64Array];
  private readonly rmeta: [MTag, MTag] = [NO_MTAG, NO_MTAG];
  private readonly rvalid = [false, false];
  private drBusy = false;
  private drPtr = 0;
  private drRrd = 0;
  private drJ = 0;
  private drRm1 = 0;
  private drTlast = false;
  private drCslot = 0;
  private drG = 0;
  private drOff = 0;
  private drRpgm1 = 0;
  private ocred = FIFO_DEPTH;
  // streamed weights: the pending DRAM request and the weight FIFO's occupancy
  private readonly dram: boolean;
  private arV = false;
  private arAddr = 0;
  private arLen = 0;
  private wfCnt = 0;
  private readonly dpipe: DStage[];
  private drCslotAtStart = 0;
  // output FIFO
  private readonly fifoY = new Uint32Array(FIFO_DEPTH);
  private readonly fifoL = new Uint8Array(FIFO_DEPTH);
  private fWr = 0;
  private fRd = 0;
  private fCount = 0;
  /** Cycles simulated since reset; MAC issue cycles. */
  cycles = 0;
  issueCycles = 0;
  /** Action counters, one slot per (component, action, bits) the model emits. */
  private readonly cnt: Float64Array;
  private readonly slots: readonly { component: string; action: string; bits: number }[];

  constructor(plan: EnginePlan, values: EngineValues | null = null) {
    this.plan = plan;
    this.values = values;
    this.S = plan.S;
    this.P = plan.P;
    const bitsFor = (v: number): number => {
      let w = 1;
      while (2 ** w - 1 < v) w++;
      return w;
    };
    this.iwPow = 2 ** bitsFor(Math.max(plan.chunksMax * plan.S - 1, 1));
    this.kwPow = 2 ** bitsFor(Math.max(plan.chunksMax - 1, 1));
    this.gwPow = 2 ** bitsFor(Math.max(Math.max(...plan.layers.map((l) => l.weightGroups)) - 1, 1));
    const timing = engineTiming(plan);
    this.readStages = timing.readStages;
    this.xbuf = new Uint32Array(values ? XSLOTS * this.iwPow : 0);
    this.cbufC = new Float64Array(CSLOTS * this.gwPow);
    this.cbufE = new Int32Array(CSLOTS * this.gwPow);
    // Element pipeline: the activation buffer's read latency (the qi* registers), then its stages.
    this.qpipe = Array.from({ length: timing.xLat + QELEM_STAGES }, () => ({ v: false, q: 0, tag: NO_QTAG }));
    this.qword = new Int8Array(plan.S);
    this.qbuf = new Int8Array(values ? 2 * this.kwPow * plan.S : 0);
    this.mpipe = Array.from({ length: this.readStages + timing.macRegs }, () => ({ v: false, f: false, l: false, tag: NO_MTAG, sums: null }));
    this.acc = new Float64Array(plan.P);
    this.codes = new Uint8Array(plan.P * plan.S);
    this.rbuf = [new Float64Array(plan.P), new Float64Array(plan.P)];
    this.dpipe = Array.from({ length: DQ_STAGES }, () => ({ v: false, y: 0, last: false }));
    this.slots = ENGINE_ACTIONS.map((a) => ({ component: a.component, action: a.action, bits: a.bits(plan) }));
    this.dram = plan.arch.weightMemory === 'dram';
    this.cnt = new Float64Array(this.slots.length);
  }

  actions(): ActionCount[] {
    const m = new Map<string, ActionCount>();
    addActions(m, this.slots.map((sl, i) => ({ ...sl, count: this.cnt[i]! })).filter((a) => a.count > 0), 1);
    return sortedActions(m);
  }

  /** Apply `inp` for one cycle: returns the outputs seen during the cycle, then clocks. */
  cycle(inp: PortsIn): PortsOut {
    const plan = this.plan;
    const S = this.S;
    const P = this.P;
    const vals = this.values;
    // ---------------- combinational signals of this cycle ----------------
    const lLast = this.lbusy && this.lcnt === this.lnm1;
    // With streamed weights a token's first beat also waits for the previous request to be taken.
    const sReady = this.lbusy ? !(lLast && this.sdV) : this.xused !== 3 && !this.arV;
    const beat = inp.s_valid && sReady;
    const scTake = this.scSt === SC_IDLE && this.sdV && this.cused !== 4;
    const qzTake = !this.qzBusy && this.qdV && this.qused !== 2;
    const qzLast = this.qzI === this.qzQlast;
    const xrel = this.qzBusy && qzLast;
    const idTake = !this.isBusy && this.idV;
    const isTstart = this.isK === 0;
    const isGo = this.isBusy && (!isTstart || this.rcred !== 0) && (!this.dram || this.wfCnt !== 0);
    const wrReady = this.wfCnt !== WFIFO_DEPTH;
    const wPush = this.dram && wrReady && inp.w_r_valid === true;
    const isKlast = this.isK === this.isCm1;
    const isTlast = this.isT === this.isTm1;
    const qrel = isGo && isKlast && isTlast;
    const drRow = this.drBusy && this.ocred !== 0;
    const drRowlast = drRow && this.drJ === this.drRm1;
    const nmeta = this.rmeta[this.drPtr]!;
    const drStart = (!this.drBusy || drRowlast) && this.rvalid[this.drPtr]! && this.cvalid[nmeta.cslot]!;
    const rRel = drRowlast;
    const cRel = drRowlast && this.drTlast;
    this.drCslotAtStart = this.drCslot;
    const mValid = this.fCount !== 0;
    const pop = mValid && inp.m_ready;
    const out: PortsOut = {
      s_ready: sReady,
      m_valid: mValid,
      m_data: this.fifoY[this.fRd]!,
      m_last: this.fifoL[this.fRd] === 1,
      w_ar_valid: this.arV,
      w_ar_addr: this.arAddr,
      w_ar_len: this.arLen,
      w_r_ready: this.dram && wrReady,
    };
    const qeOut = this.qpipe[this.qpipe.length - 1]!;
    const macOut = this.mpipe[this.mpipe.length - 1]!;
    const macLast = macOut.v && macOut.l;
    const dqOut = this.dpipe[this.dpipe.length - 1]!;
    const divDone = this.div.done;
    const firstBeat = beat && !this.lbusy;
    // The issuer takes the descriptor as it was at the start of this cycle.
    const idOld = { layer: this.idLayer, qslot: this.idQslot, cslot: this.idCslot };

    // ---------------- weight port ----------------
    if (this.arV && inp.w_ar_ready === true) this.arV = false;
    if (wPush) {
      this.cnt[13]!++;
      this.cnt[14]!++;
    }
    this.wfCnt += (wPush ? 1 : 0) - (this.dram && isGo ? 1 : 0);

    // ---------------- loader ----------------
    if (beat) {
      this.cnt[0]!++;
      if (vals) this.xbuf[(this.lbusy ? this.lslot : this.lwr) * this.iwPow + (this.lbusy ? this.lcnt : 0)] = inp.s_data >>> 0;
    }
    // x_rd: the quantizer's read this cycle (old memory contents; never the slot being written).
    const xRd = vals && this.qzBusy ? this.xbuf[this.qzXslot * this.iwPow + this.qzI]! : 0;
    if (this.qzBusy) this.cnt[1]!++;
    const xMag = inp.s_data & 0x7fffffff;
    const amaxNx = xMag > this.lamax ? xMag : this.lamax;
    let sdV = this.sdV;
    if (scTake) sdV = false;
    if (beat) {
      if (!this.lbusy) {
        const l = plan.layers[inp.s_layer];
        if (!l) throw new Error(`engine sim: layer id ${inp.s_layer} is not in the plan`);
        this.lbusy = true;
        this.llayer = inp.s_layer;
        if (this.dram) {
          this.arV = true;
          this.arAddr = l.wBase;
          this.arLen = l.chunks * l.tiles;
        }
        this.lnm1 = l.n - 1;
        this.lcnt = 1;
        this.lamax = xMag;
        this.lslot = this.lwr;
        this.lwr = this.lwr === 2 ? 0 : this.lwr + 1;
      } else if (lLast) {
        this.lbusy = false;
        sdV = true;
        this.sdLayer = this.llayer;
        this.sdSlot = this.lslot;
        this.sdAmax = amaxNx;
      } else {
        this.lcnt++;
        this.lamax = amaxNx;
      }
    }
    this.sdV = sdV;

    // ---------------- scaler ----------------
    const sc = this.scSt;
    const divStart = (sc === SC_DIVS || sc === SC_DIVC) && !this.scStarted;
    const divA = sc === SC_DIVS ? ((0x800000 | (this.scNbits & 0x7fffff)) * 256) : this.scWm;
    const divB = sc === SC_DIVS ? ((0x800000 | (this.scAmax & 0x7fffff)) * 256) : ((0x800000 | (this.scS & 0x7fffff)) * 256);
    const divQ = this.div.q;
    const divSticky = this.div.sticky;
    const divShifted = this.div.shifted;
    if (sc === SC_DIVC && this.scStarted && divDone) {
      const l = plan.layers[this.scLayer]!;
      const idx = this.scCslot * this.gwPow + this.scG;
      this.cbufC[idx] = divQ;
      this.cbufE[idx] = l.we[this.scG]! + 127 - ((this.scS >>> 23) & 0xff) - (divShifted ? 1 : 0);
    }
    let qdV = this.qdV;
    if (qzTake) qdV = false;
    if (this.crelQ) this.cvalid[this.crelSlotQ] = false;
    if (this.csetQ) this.cvalid[this.csetSlotQ] = true;
    let csetNext = false;
    let csetSlotNext = 0;
    this.cused += (scTake ? 1 : 0) - (this.crelQ ? 1 : 0);
    switch (sc) {
      case SC_IDLE:
        if (scTake) {
          this.scLayer = this.sdLayer;
          this.scXslot = this.sdSlot;
          this.scAmax = this.sdAmax;
          this.scCslot = this.cwr;
          this.cwr = (this.cwr + 1) % CSLOTS;
          this.scSt = SC_CFG;
        }
        break;
      case SC_CFG: {
        const l = plan.layers[this.scLayer]!;
        const eps = l.epsBits & 0x7fffffff;
        if (this.scAmax < eps) this.scAmax = eps;
        this.scNbits = f32Bits(l.qscale);
        this.scGm1 = l.weightGroups - 1;
        this.scSt = SC_DIVS;
        break;
      }
      case SC_DIVS:
        if (!this.scStarted) this.scStarted = true;
        else if (divDone) {
          this.scStarted = false;
          // RNE of the 25-bit quotient (24 bits and a guard) with the remainder as sticky.
          const up = divQ % 2 === 1 && (divSticky || Math.floor(divQ / 2) % 2 === 1);
          const frac = (Math.floor(divQ / 2) & 0x7fffff) + (up ? 1 : 0);
          const carry = frac === 0x800000;
          const e = (((this.scNbits >>> 23) & 0xff) - ((this.scAmax >>> 23) & 0xff) + 127 - (divShifted ? 1 : 0) + (carry ? 1 : 0)) & 0xff;
          this.scS = ((e << 23) | (frac & 0x7fffff)) >>> 0;
          this.scSt = SC_HAND;
        }
        break;
      case SC_HAND:
        if (!this.qdV) {
          qdV = true;
          this.qdLayer = this.scLayer;
          this.qdXslot = this.scXslot;
          this.qdS = this.scS;
          this.qdCslot = this.scCslot;
          this.scG = 0;
          this.scWm = plan.layers[this.scLayer]!.wm[0]!;
          this.scSt = SC_DIVC;
        }
        break;
      default:
        if (!this.scStarted) this.scStarted = true;
        else if (divDone) {
          this.scStarted = false;
          if (this.scG === this.scGm1) {
            csetNext = true;
            csetSlotNext = this.scCslot;
            this.scSt = SC_IDLE;
          } else {
            this.scG++;
            this.scWm = plan.layers[this.scLayer]!.wm[this.scG]!;
          }
        }
    }
    this.qdV = qdV;
    this.csetQ = csetNext;
    this.csetSlotQ = csetSlotNext;
    if (this.div.clock(divStart, divA, divB, sc === SC_DIVS ? DIV_S_STEPS : DIV_C_STEPS, vals !== null)) this.cnt[2]!++;

    // ---------------- quantizer ----------------
    // The element pipeline advances: the tail (qeOut) is handled below, the head takes this
    // cycle's issue (x_rd and the qi_* registers are the same stage).
    for (let i = this.qpipe.length - 1; i > 0; i--) this.qpipe[i] = this.qpipe[i - 1]!;
    if (this.qzBusy) {
      const pad = this.qzI > this.qzNm1;
      const q = vals && !pad ? quantizeElementBits(xRd, this.qzS, this.qzHa) : 0;
      this.qpipe[0] = { v: true, q, tag: { last: qzLast, layer: this.qzLayer, slot: this.qzSlot, word: this.qzWord, qslot: this.qzQslot, cslot: this.qzCslot } };
      this.cnt[3]!++;
    } else this.qpipe[0] = { v: false, q: 0, tag: NO_QTAG };
    if (qzTake) {
      const l = plan.layers[this.qdLayer]!;
      this.qzBusy = true;
      this.qzLayer = this.qdLayer;
      this.qzXslot = this.qdXslot;
      this.qzS = this.qdS;
      this.qzCslot = this.qdCslot;
      this.qzQslot = this.qwr;
      this.qwr ^= 1;
      this.qzNm1 = l.n - 1;
      this.qzQlast = l.chunks * S - 1;
      this.qzHa = l.halfAway;
      this.qzI = 0;
      this.qzSlot = 0;
      this.qzWord = 0;
    } else if (this.qzBusy) {
      if (qzLast) this.qzBusy = false;
      this.qzI++;
      if (this.qzSlot === S - 1) {
        this.qzSlot = 0;
        this.qzWord++;
      } else this.qzSlot++;
    }
    this.qused += (qzTake ? 1 : 0) - (this.qrelQ ? 1 : 0);
    this.xused += (firstBeat ? 1 : 0) - (this.xrelQ ? 1 : 0);
    // Tail: assemble the code word, write it, hand the token to the issuer.
    let idV = this.idV;
    if (idTake) idV = false;
    if (qeOut.v) {
      const t = qeOut.tag;
      if (t.slot === S - 1) {
        this.cnt[4]!++;
        if (vals) {
          const base = (t.qslot * this.kwPow + t.word) * S;
          this.qword[S - 1] = qeOut.q;
          this.qbuf.set(this.qword, base);
        }
      } else if (vals) this.qword[t.slot] = qeOut.q;
      if (t.last) {
        if (this.idV && !idTake) this.cError = true;
        idV = true;
        this.idLayer = t.layer;
        this.idQslot = t.qslot;
        this.idCslot = t.cslot;
      }
    }

    // ---------------- issuer and MAC array ----------------
    // Advance the issue pipeline; the MAC array accumulates what leaves it.
    if (macOut.v) {
      this.cnt[8]! += P * S;
      this.cnt[9]! += P;
      if (vals) {
        const sums = macOut.sums!;
        for (let p = 0; p < P; p++) this.acc[p] = macOut.f ? sums[p]! : this.acc[p]! + sums[p]!;
      }
    }
    if (macLast) {
      const t = macOut.tag;
      this.cnt[10]! += P;
      if (vals) this.rbuf[t.rslot]!.set(this.acc);
      this.rmeta[t.rslot] = t;
    }
    for (let i = this.mpipe.length - 1; i > 0; i--) this.mpipe[i] = this.mpipe[i - 1]!;
    if (isGo) {
      this.issueCycles++;
      this.cnt[5]!++;
      // the weight word: from the weight memory, or from the FIFO the DRAM port fills
      this.cnt[this.dram ? 15 : 6]!++;
      if (plan.packing === 'base3') this.cnt[7]! += Math.ceil(plan.wordBits / 8);
      let sums: Int32Array | null = null;
      if (vals) {
        sums = new Int32Array(P);
        const bpw = Math.ceil(plan.wordBits / 8);
        unpackWord(vals.weights, this.isWaddr * bpw, plan.packing, P * S, this.codes);
        const qb = (this.isQslot * this.kwPow + this.isK) * S;
        const ternary = plan.codeBits === 2;
        for (let p = 0; p < P; p++) {
          let s = 0;
          for (let j = 0; j < S; j++) {
            const c = this.codes[p * S + j]!;
            const w = ternary ? c - 1 : c ? 1 : -1;
            s += w * this.qbuf[qb + j]!;
          }
          sums[p] = s;
        }
      }
      const out = this.isOut;
      const rowsLeft = out - this.isTbase;
      const tag: MTag = {
        rslot: isTstart ? this.rwr : this.isRslot,
        rm1: rowsLeft > P ? P - 1 : rowsLeft - 1,
        tfirst: this.isT === 0,
        tlast: isTlast,
        cslot: this.isCslot,
        layer: this.isLayer,
      };
      this.mpipe[0] = { v: true, f: isTstart, l: isKlast, tag, sums };
    } else this.mpipe[0] = { v: false, f: false, l: false, tag: NO_MTAG, sums: null };
    if (idTake) {
      const l = plan.layers[idOld.layer]!;
      this.isBusy = true;
      this.isLayer = idOld.layer;
      this.isQslot = idOld.qslot;
      this.isCslot = idOld.cslot;
      this.isCm1 = l.chunks - 1;
      this.isTm1 = l.tiles - 1;
      this.isOut = l.out;
      this.isWaddr = l.wBase;
      this.isK = 0;
      this.isT = 0;
      this.isTbase = 0;
    } else if (isGo) {
      this.isWaddr++;
      if (isTstart) {
        this.isRslot = this.rwr;
        this.rwr ^= 1;
      }
      if (isKlast) {
        this.isK = 0;
        if (isTlast) this.isBusy = false;
        else {
          this.isT++;
          this.isTbase += P;
        }
      } else this.isK++;
    }
    this.rcred += (this.rrelQ ? 1 : 0) - (isGo && isTstart ? 1 : 0);
    this.idV = idV;

    // ---------------- result slots and drain ----------------
    for (let i = this.dpipe.length - 1; i > 0; i--) this.dpipe[i] = this.dpipe[i - 1]!;
    if (drRow) {
      this.cnt[11]!++;
      let y = 0;
      if (vals) {
        const idx = this.drCslot * this.gwPow + this.drG;
        y = dequantBits(this.rbuf[this.drRrd]![this.drJ]!, { C: this.cbufC[idx]!, E: this.cbufE[idx]! });
      }
      this.dpipe[0] = { v: true, y, last: this.drTlast && this.drJ === this.drRm1 };
    } else this.dpipe[0] = { v: false, y: 0, last: false };
    if (macLast) this.rvalid[macOut.tag.rslot] = true;
    if (drRow) {
      this.drJ++;
      if (this.drOff === this.drRpgm1) {
        this.drOff = 0;
        this.drG++;
      } else this.drOff++;
    }
    if (drRowlast) {
      this.rvalid[this.drRrd] = false;
      if (!drStart) this.drBusy = false;
    }
    if (drStart) {
      this.drBusy = true;
      this.drRrd = this.drPtr;
      this.drPtr ^= 1;
      this.drJ = 0;
      this.drRm1 = nmeta.rm1;
      this.drTlast = nmeta.tlast;
      this.drCslot = nmeta.cslot;
      if (nmeta.tfirst) {
        this.drG = 0;
        this.drOff = 0;
        this.drRpgm1 = plan.layers[nmeta.layer]!.rowsPerGroup - 1;
      }
    }
    this.ocred += (pop ? 1 : 0) - (drRow ? 1 : 0);

    // ---------------- output FIFO ----------------
    if (dqOut.v) {
      this.fifoY[this.fWr] = dqOut.y;
      this.fifoL[this.fWr] = dqOut.last ? 1 : 0;
      this.fWr = this.fWr === FIFO_DEPTH - 1 ? 0 : this.fWr + 1;
    }
    if (pop) {
      this.cnt[12]!++;
      this.fRd = this.fRd === FIFO_DEPTH - 1 ? 0 : this.fRd + 1;
    }
    this.fCount += (dqOut.v ? 1 : 0) - (pop ? 1 : 0);
    this.xrelQ = xrel;
    this.qrelQ = qrel;
    this.rrelQ = rRel;
    this.crelQ = cRel;
    this.crelSlotQ = this.drCslotAtStart;
    this.cycles++;
    return out;
  }
}
