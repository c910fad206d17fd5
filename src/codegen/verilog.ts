/**
 * RTL generation: engine plan -> view model -> Handlebars templates -> files.
 *
 * Needs: a validated model and an architecture. Guarantees: byte-for-byte reproducible output
 * (sorted file list, no timestamps or paths; the header carries a hash of the configuration and
 * weights), a manifest describing ports, parameters, memory map and the layer table, and a
 * weights image for ROM designs. `writeRtl` replaces the output folder atomically.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { dramTiming, systemOf, type ArchSpec } from '../ir/arch.js';
import { planEngine, weightImage, type EnginePlan } from '../ir/engine-plan.js';
import { canonicalJson } from '../ir/irfile.js';
import type { Model } from '../ir/types.js';
import { packageRoot } from '../util/paths.js';
import { writeOutputDir } from '../util/fsout.js';
import { buildView, DQ_STAGES, FIFO_DEPTH, macRegisters, memoryDepths, QELEM_STAGES, WFIFO_DEPTH, type EngineView } from './view.js';
import { generateHostDriver, HOST_DRIVER_FILE } from './host.js';

import { flowFiles } from './flow-files.js';
export const GENERATOR_VERSION = '0.1.0';

export interface RtlDesign {
  readonly plan: EnginePlan;
  readonly view: EngineView;
  /** File name -> content, in sorted order. */
  readonly files: ReadonlyMap<string, string>;
  readonly manifest: RtlManifest;
  /** The weight memory image; null for a DRAM design generated without its image (`images: false`). */
  readonly weights: Uint8Array | null;
}

export interface RtlManifest {
  readonly generator: string;
  readonly configHash: string;
  readonly top: string;
  readonly sources: readonly string[];
  readonly arch: ArchSpec;
  readonly ports: readonly { name: string; dir: 'input' | 'output'; width: number; description: string }[];
  readonly parameters: Readonly<Record<string, number | string>>;
  readonly memories: readonly { name: string; words: number; wordBits: number; init: string | null; loadImage?: string; dramImage?: string }[];
  /** Weights streamed from DRAM: the port's timing contract at the target clock (src/ir/arch.ts dramTiming), for harnesses. */
  readonly dram?: { readonly latency: number; readonly interval: number; readonly clockMHz: number };
  readonly layers: readonly {
    id: number;
    name: string;
    n: number;
    out: number;
    chunks: number;
    tiles: number;
    wBase: number;
    weightGroups: number;
    convention: string;
    qscale: number;
    accumulatorBits: number;
  }[];
  readonly latency: Readonly<Record<string, string | number>>;
}

const TEMPLATES = ['bnhw_div', 'bnhw_qelem', 'bnhw_dq', 'bnhw_b3dec', 'bnhw_mem', 'bnhw_mac_array', 'bnhw_engine'] as const;
const templateCache = new Map<string, Handlebars.TemplateDelegate>();
function templateSource(name: string): string {
  return fs.readFileSync(path.join(packageRoot(), 'templates', 'verilog', `${name}.v.hbs`), 'utf8');
}
function template(name: string): Handlebars.TemplateDelegate {
  let t = templateCache.get(name);
  if (!t) {
    t = Handlebars.compile(templateSource(name), { noEscape: true, strict: true });
    templateCache.set(name, t);
  }
  return t;
}

/**
 * `images: false` (weights in DRAM only): leave out the weight image, which is the memory's
 * contents, not the RTL's, and needs the weights themselves; the RTL needs only their scales.
 */
export function generateRtl(model: Model, arch: ArchSpec, layer?: string, opts: { readonly actions?: boolean; readonly images?: boolean } = {}): RtlDesign {
  const actions = opts.actions ?? false;
  const plan = planEngine(model, arch, layer);
  const images = opts.images ?? true;
  if (!images && arch.weightMemory !== 'dram') throw new Error('generateRtl: only a design with its weights in DRAM can leave out their image');
  const weights = images ? weightImage(model, plan) : null;
  // The hash covers everything the output depends on: plan, weights and the templates themselves;
  // not the architecture's memory-system and whole-model unit blocks, which the engine RTL does
  // not depend on (so the implementation cache survives a change to them).
  const { system: _system, machine: _machine, ...engineArch } = plan.arch;
  const h = createHash('sha256').update(canonicalJson({ plan: { ...plan, arch: engineArch }, generator: GENERATOR_VERSION, ...(actions ? { actions } : {}) }));
  if (weights) h.update(weights);
  for (const t of TEMPLATES) h.update(templateSource(t));
  const configHash = h.digest('hex').slice(0, 16);
  const view = buildView(plan, { modelName: model.ir.name, configHash, version: GENERATOR_VERSION });
  const ctx = { ...view, ...view.widths, ...view.mac, actions, treeAdds: plan.P * plan.S, accAdds: plan.P, b3decBytes: Math.ceil(plan.wordBits / 8) };
  const files = new Map<string, string>();
  files.set('bnhw_div.v', template('bnhw_div')({ header: view.header }));
  files.set('bnhw_qelem.v', template('bnhw_qelem')(view.qelem));
  files.set('bnhw_dq.v', template('bnhw_dq')(view.dq));
  if (view.b3dec) files.set('bnhw_b3dec.v', template('bnhw_b3dec')(view.b3dec));
  for (const m of view.memories) files.set(`${String(m['name'])}.v`, template('bnhw_mem')(m));
  files.set('bnhw_mac_array.v', template('bnhw_mac_array')(ctx));
  files.set('bnhw_engine.v', template('bnhw_engine')(ctx));
  const bytesPerWord = Math.ceil(plan.wordBits / 8);
  const depth = plan.wDepth;
  // The whole image: the host's load image for load-port designs, the ROM's contents otherwise
  // (split into one file per bank when the memory has several).
  const hex = weights ? weightsHex(weights, bytesPerWord, plan.wordBits, depth, padByte(plan)) : null;
  if (hex !== null) files.set('bnhw_weights.hex', hex);
  if (hex !== null && !view.loadPort && !view.dram && view.weightBanks.length > 1) {
    const lines = hex.split('\n');
    const padLine = lines[0]!.replace(/./g, '0');
    for (const b of view.weightBanks) {
      const part = lines.slice(b.first, b.first + b.words);
      while (part.length < b.words) part.push(padLine);
      files.set(b.file, part.join('\n') + '\n');
    }
  }
  const sources = [...files.keys()].filter((f) => f.endsWith('.v')).sort();
  const manifest: RtlManifest = {
    generator: `bitnet-hw ${GENERATOR_VERSION}`,
    configHash,
    top: view.top,
    sources,
    arch: engineArch,
    ports: [
      { name: 'clk', dir: 'input', width: 1, description: 'clock (rising edge)' },
      { name: 'rst', dir: 'input', width: 1, description: 'synchronous reset, active high' },
      { name: 's_valid', dir: 'input', width: 1, description: 'activation beat valid' },
      { name: 's_ready', dir: 'output', width: 1, description: 'engine accepts an activation beat' },
      { name: 's_data', dir: 'input', width: 32, description: 'activation, IEEE binary32' },
      { name: 's_layer', dir: 'input', width: view.widths['lw']!, description: 'layer id, sampled with the first beat of a token' },
      { name: 'm_valid', dir: 'output', width: 1, description: 'output beat valid' },
      { name: 'm_ready', dir: 'input', width: 1, description: 'consumer accepts an output beat (back-pressure)' },
      { name: 'm_data', dir: 'output', width: 32, description: 'output, IEEE binary32, rows in order' },
      { name: 'm_last', dir: 'output', width: 1, description: 'last output row of a token' },
      ...(view.loadPort
        ? [
            { name: 'w_we', dir: 'input' as const, width: 1, description: 'weight memory write enable' },
            { name: 'w_addr', dir: 'input' as const, width: view.widths['waw']!, description: 'weight word address' },
            { name: 'w_data', dir: 'input' as const, width: plan.wordBits, description: 'weight word' },
          ]
        : []),
      ...(view.dram
        ? [
            { name: 'w_ar_valid', dir: 'output' as const, width: 1, description: 'DRAM read request valid (held until taken)' },
            { name: 'w_ar_ready', dir: 'input' as const, width: 1, description: 'DRAM takes the request' },
            { name: 'w_ar_addr', dir: 'output' as const, width: view.widths['waw']!, description: 'first weight word of the request (word address in the weight image)' },
            { name: 'w_ar_len', dir: 'output' as const, width: view.widths['lenW']!, description: 'weight words requested (one layer of one token), delivered in order' },
            { name: 'w_r_valid', dir: 'input' as const, width: 1, description: 'DRAM offers the next weight word' },
            { name: 'w_r_ready', dir: 'output' as const, width: 1, description: 'the weight FIFO has room for a word' },
            { name: 'w_r_data', dir: 'input' as const, width: plan.wordBits, description: 'weight word' },
          ]
        : []),
      { name: 'c_error', dir: 'output', width: 1, description: 'sticky: a dequant constant left the normal binary32 range' },
    ],
    parameters: { P: plan.P, S: plan.S, ACC_BITS: view.widths['accW']!, TREE_REGISTERS: plan.treeRegisters, WEIGHT_PACKING: plan.packing, WORD_BITS: plan.wordBits },
    memories: [
      view.dram
        ? { name: 'wfifo', words: WFIFO_DEPTH, wordBits: plan.wordBits, init: null, ...(weights ? { dramImage: 'bnhw_weights.hex' } : {}) }
        : { name: 'wmem', words: depth, wordBits: plan.wordBits, init: view.loadPort ? null : view.weightsFile, ...(view.loadPort ? { loadImage: 'bnhw_weights.hex' } : {}) },
      { name: 'qbuf', words: memoryDepths(plan).qDepth, wordBits: plan.S * 8, init: null },
      { name: 'xbuf', words: memoryDepths(plan).xDepth, wordBits: 32, init: null },
    ],
    layers: plan.layers.map((l) => ({
      id: l.index,
      name: l.name,
      n: l.n,
      out: l.out,
      chunks: l.chunks,
      tiles: l.tiles,
      wBase: l.wBase,
      weightGroups: l.weightGroups,
      convention: l.convention,
      qscale: l.qscale,
      accumulatorBits: view.widths['accW']!,
    })),
    latency: {
      scale_divider_steps: 25,
      constant_divider_steps: 32,
      quantizer_stages: QELEM_STAGES,
      activation_read_cycles: view.xLat,
      code_read_cycles: view.qLat,
      weight_read_cycles: view.wLat,
      read_stages: view.readStages,
      mac_pipeline_registers: macRegisters(plan),
      dequantizer_stages: DQ_STAGES,
      output_fifo_entries: FIFO_DEPTH,
      note: 'exact per-token cycle counts come from the simulator (src/sim), which models this RTL cycle by cycle',
    },
    ...(view.dram ? { dram: { ...dramTiming(systemOf(arch), arch.clockMHz, plan.wordBits), clockMHz: arch.clockMHz } } : {}),
  };
  files.set('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  for (const [name, content] of flowFiles(view.top, sources, arch.clockMHz)) files.set(name, content);
  files.set(HOST_DRIVER_FILE, generateHostDriver({ plan, view, files, manifest, weights }));
  return { plan, view, files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))), manifest, weights };
}

/** The byte that encodes weight 0 in every position (padding words beyond the layers). */
function padByte(plan: EnginePlan): number {
  return plan.packing === '2bit' ? 0x55 : plan.packing === 'base3' ? 121 : 0; // base 3: 1+3+9+27+81
}

/** One word per line, most significant hex digit first; padded to the memory depth with zero codes. */
function weightsHex(img: Uint8Array, bytesPerWord: number, wordBits: number, depth: number, pad: number): string {
  const digits = Math.ceil(wordBits / 4);
  const lines: string[] = [];
  const words = img.length / bytesPerWord;
  for (let w = 0; w < depth; w++) {
    let hex = '';
    for (let b = bytesPerWord - 1; b >= 0; b--) {
      const v = w < words ? img[w * bytesPerWord + b]! : pad;
      hex += v.toString(16).padStart(2, '0');
    }
    lines.push(hex.slice(hex.length - digits));
  }
  return lines.join('\n') + '\n';
}

/** Write a design into `dir`, replacing a previous output there atomically (see util/fsout.ts). */
export function writeRtl(design: RtlDesign, dir: string): void {
  writeOutputDir(dir, 'rtl', design.files);
}
