/**
 * Typed TypeScript host driver for a generated design, written with ts-morph: the port and memory
 * map, the layer table, `packWeights` (weights -> the RTL's weight memory image, the same layout
 * as engine-plan's weightImage) and `runLayer`, which streams one token through any cycle-level
 * backend of the engine's ports (the cycle-level simulator, or an RTL simulator bridge).
 *
 * Needs: an RtlDesign. Guarantees: deterministic text (no timestamps, sorted data), strict-mode
 * clean TypeScript, no imports (the file stands alone beside the RTL).
 */
import { IndentationText, Project, QuoteKind, VariableDeclarationKind } from 'ts-morph';
import type { RtlDesign } from './verilog.js';

export const HOST_DRIVER_FILE = 'bnhw_engine.generated.ts';

export function generateHostDriver(design: RtlDesign): string {
  const { plan, manifest } = design;
  const project = new Project({ useInMemoryFileSystem: true, manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Single } });
  const sf = project.createSourceFile(HOST_DRIVER_FILE, '', { overwrite: true });
  sf.insertStatements(0, `// ${design.view.header}\n// Host driver for ${manifest.top}: port and memory map, weight packing, and a streaming runner.`);
  const constant = (name: string, init: string, doc: string, type?: string): void => {
    sf.addVariableStatement({ isExported: true, declarationKind: VariableDeclarationKind.Const, declarations: [{ name, initializer: init, ...(type ? { type } : {}) }], docs: [doc] });
  };
  constant('CONFIG_HASH', `'${manifest.configHash}'`, 'Hash of the plan, weights and templates this driver was generated with.');
  constant('LANES', String(plan.P), 'P: output rows computed in parallel.');
  constant('SIMD', String(plan.S), 'S: inputs per lane per cycle.');
  constant('CODE_BITS', String(plan.codeBits), 'Bits per weight code at the MAC array (2 ternary: w+1; 1 binary: 1 = +1).', '1 | 2');
  constant('PACKING', `'${plan.packing}'`, "How the weight memory stores codes: '2bit', '1bit', or 'base3' (five ternary weights per byte).", "'2bit' | '1bit' | 'base3'");
  constant('WORD_BITS', String(plan.wordBits), 'Bits per weight memory word.');
  constant('WORD_BYTES', String(Math.ceil(plan.wordBits / 8)), 'Bytes per weight word in packWeights() output (little-endian within a word).');
  constant('WEIGHT_WORDS', String(plan.wDepth), 'Weight words used by the layers (the memory may be deeper).');
  constant('WEIGHTS_IN_DRAM', String(plan.arch.weightMemory === 'dram'), 'The weights stream from DRAM through the w_ar/w_r port (runLayer then needs the memory behind it).', 'boolean');
  sf.addInterface({
    name: 'PortSpec',
    isExported: true,
    properties: [
      { name: 'name', type: 'string', isReadonly: true },
      { name: 'dir', type: "'input' | 'output'", isReadonly: true },
      { name: 'width', type: 'number', isReadonly: true },
      { name: 'description', type: 'string', isReadonly: true },
    ],
  });
  constant('PORTS', `${JSON.stringify(manifest.ports, null, 2)} as const satisfies readonly PortSpec[]`, 'Ports of the top-level module.');
  sf.addInterface({
    name: 'LayerSpec',
    isExported: true,
    properties: ['id', 'n', 'out', 'chunks', 'tiles', 'wBase', 'weightGroups'].map((n) => ({ name: n, type: 'number', isReadonly: true })).concat([{ name: 'name', type: 'string', isReadonly: true }]),
  });
  const layers = plan.layers.map((l) => ({ id: l.index, name: l.name, n: l.n, out: l.out, chunks: l.chunks, tiles: l.tiles, wBase: l.wBase, weightGroups: l.weightGroups }));
  constant('LAYERS', `${JSON.stringify(layers, null, 2)} as const satisfies readonly LayerSpec[]`, 'The layer table baked into the engine (s_layer = id).');
  sf.addTypeAlias({ name: 'LayerName', isExported: true, type: '(typeof LAYERS)[number][\'name\']' });
  sf.addFunction({
    name: 'layerId',
    isExported: true,
    parameters: [{ name: 'name', type: 'LayerName' }],
    returnType: 'number',
    statements: ['const l = LAYERS.find((x) => x.name === name);', "if (!l) throw new Error(`unknown layer ${name}`);", 'return l.id;'],
  });
  sf.addFunction({
    name: 'packWeights',
    isExported: true,
    docs: ['Weight memory image: per layer a row-major [out x n] array of weights in {-1, 0, +1} (ternary) or {-1, +1} (binary).'],
    parameters: [{ name: 'weights', type: 'Readonly<Record<LayerName, Int8Array>>' }],
    returnType: 'Uint8Array',
    statements: `const img = new Uint8Array(WEIGHT_WORDS * WORD_BYTES);
const codes = new Uint8Array(LANES * SIMD);
for (const l of LAYERS) {
  const w = weights[l.name];
  if (w.length !== l.out * l.n) throw new Error(\`\${l.name}: expected \${l.out * l.n} weights, got \${w.length}\`);
  for (let t = 0; t < l.tiles; t++) {
    for (let k = 0; k < l.chunks; k++) {
      const word = (l.wBase + t * l.chunks + k) * WORD_BYTES;
      for (let p = 0; p < LANES; p++) {
        const r = t * LANES + p;
        for (let s = 0; s < SIMD; s++) {
          const c = k * SIMD + s;
          const v = r < l.out && c < l.n ? w[r * l.n + c]! : CODE_BITS === 2 ? 0 : -1;
          codes[p * SIMD + s] = CODE_BITS === 2 ? v + 1 : v > 0 ? 1 : 0;
        }
      }
      if (PACKING === 'base3') {
        for (let j = 0; j * 5 < codes.length; j++) {
          let b = 0;
          for (let q = Math.min(4, codes.length - 1 - j * 5); q >= 0; q--) b = b * 3 + codes[j * 5 + q]!;
          img[word + j] = b;
        }
      } else {
        for (let i = 0; i < codes.length; i++) {
          const bit = i * CODE_BITS;
          img[word + (bit >> 3)]! |= codes[i]! << (bit & 7);
        }
      }
    }
  }
}
return img;`,
  });
  sf.addInterface({
    name: 'EnginePortsIn',
    isExported: true,
    properties: [
      { name: 's_valid', type: 'boolean' },
      { name: 's_data', type: 'number', docs: ['binary32 bits'] },
      { name: 's_layer', type: 'number' },
      { name: 'm_ready', type: 'boolean' },
      { name: 'w_ar_ready', type: 'boolean', hasQuestionToken: true, docs: ['DRAM designs: the memory takes the request'] },
      { name: 'w_r_valid', type: 'boolean', hasQuestionToken: true, docs: ['DRAM designs: the memory offers a weight word'] },
      { name: 'w_r_data', type: 'Uint8Array', hasQuestionToken: true, docs: ['DRAM designs: the word, WORD_BYTES little-endian bytes of the image'] },
    ],
  });
  sf.addInterface({
    name: 'EnginePortsOut',
    isExported: true,
    properties: [
      { name: 's_ready', type: 'boolean' },
      { name: 'm_valid', type: 'boolean' },
      { name: 'm_data', type: 'number', docs: ['binary32 bits'] },
      { name: 'm_last', type: 'boolean' },
      { name: 'w_ar_valid', type: 'boolean', hasQuestionToken: true, docs: ['DRAM designs: a request (word address, word count)'] },
      { name: 'w_ar_addr', type: 'number', hasQuestionToken: true },
      { name: 'w_ar_len', type: 'number', hasQuestionToken: true },
      { name: 'w_r_ready', type: 'boolean', hasQuestionToken: true, docs: ['DRAM designs: the weight FIFO has room'] },
    ],
  });
  sf.addInterface({
    name: 'WeightMemory',
    isExported: true,
    docs: ['The memory behind a DRAM design\'s weight port, cycle by cycle (bitnet-hw\'s DramModel, src/sim/dram.ts, is one): whether a word is offered, its address, and the end of a cycle.'],
    methods: [
      { name: 'valid', parameters: [{ name: 'cycle', type: 'number' }], returnType: 'boolean' },
      { name: 'addr', returnType: 'number' },
      { name: 'step', parameters: [{ name: 'cycle', type: 'number' }, { name: 'taken', type: 'boolean' }, { name: 'request', type: '{ readonly addr: number; readonly len: number } | null' }], returnType: 'void' },
    ],
  });
  sf.addInterface({
    name: 'EngineBackend',
    isExported: true,
    docs: ['A cycle-level model of the engine ports: `cycle` applies inputs for one cycle, returns the outputs seen during it, then clocks.'],
    methods: [
      { name: 'reset', returnType: 'void', hasQuestionToken: true },
      { name: 'cycle', parameters: [{ name: 'inputs', type: 'EnginePortsIn' }], returnType: 'EnginePortsOut' },
    ],
  });
  sf.addFunction({
    name: 'runLayer',
    isExported: true,
    docs: ['Stream one token of `layer` through the backend; returns the outputs and the cycles from the first input beat to the last output beat. A DRAM design needs `dram`: the memory behind its weight port and the weight image (packWeights) it serves.'],
    parameters: [
      { name: 'backend', type: 'EngineBackend' },
      { name: 'layer', type: 'LayerName' },
      { name: 'x', type: 'Float32Array' },
      { name: 'maxCycles', type: 'number', initializer: '10_000_000' },
      { name: 'dram', type: '{ readonly memory: WeightMemory; readonly image: Uint8Array }', hasQuestionToken: true },
    ],
    returnType: '{ y: Float32Array; cycles: number }',
    statements: `const id = layerId(layer);
const spec = LAYERS[id]!;
if (x.length !== spec.n) throw new Error(\`\${layer}: expected \${spec.n} inputs, got \${x.length}\`);
const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
const out = new Uint32Array(spec.out);
let inIdx = 0;
let outIdx = 0;
let first = -1;
if (WEIGHTS_IN_DRAM && !dram) throw new Error(\`\${layer}: a design with its weights in DRAM: pass the memory behind its weight port and the weight image\`);
for (let c = 0; c < maxCycles; c++) {
  const rv = dram !== undefined && dram.memory.valid(c);
  const word = rv ? dram.image.subarray(dram.memory.addr() * WORD_BYTES, (dram.memory.addr() + 1) * WORD_BYTES) : undefined;
  const o = backend.cycle({ s_valid: inIdx < spec.n, s_data: inIdx < spec.n ? bits[inIdx]! : 0, s_layer: id, m_ready: true, ...(dram ? { w_ar_ready: true, w_r_valid: rv, ...(word ? { w_r_data: word } : {}) } : {}) });
  if (dram) dram.memory.step(c, rv && o.w_r_ready === true, o.w_ar_valid === true ? { addr: o.w_ar_addr ?? 0, len: o.w_ar_len ?? 0 } : null);
  if (o.s_ready && inIdx < spec.n) {
    if (inIdx === 0) first = c;
    inIdx++;
  }
  if (o.m_valid) {
    out[outIdx++] = o.m_data >>> 0;
    if (o.m_last !== (outIdx === spec.out)) throw new Error(\`\${layer}: m_last out of place at row \${outIdx - 1}\`);
    if (outIdx === spec.out) return { y: new Float32Array(out.buffer), cycles: c - first + 1 };
  }
}
throw new Error(\`\${layer}: no result within \${maxCycles} cycles\`);`,
  });
  sf.formatText({ indentSize: 2 });
  return sf.getFullText();
}
