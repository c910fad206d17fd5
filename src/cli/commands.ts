/**
 * The CLI's commands as library functions: each takes parsed options and returns a result object
 * (the --json document) plus its human rendering. No printing, no exiting here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dumpModel, summarizeModel, type ModelSummary } from '../ir/dump.js';
import { saveIRFile } from '../ir/irfile.js';
import { loadModel } from '../ir/load.js';
import { validateModel } from '../ir/validate.js';
import { allBitLinears, type Model } from '../ir/types.js';
import type { Numerics } from '../numerics/index.js';
import { accumulatorBits } from '../numerics/index.js';
import { generateGreedy, runSequence } from '../ref/model.js';
import { fail, formatDiagnostics, type Diagnostic } from '../util/diagnostics.js';
import { loadArch } from '../ir/arch.js';
import { generateRtl, writeRtl } from '../codegen/verilog.js';
import { verifyModel, type VerifyOptions } from '../verify/index.js';

export interface CommandResult {
  readonly json: unknown;
  readonly text: string;
}

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function renderSummary(s: ModelSummary, withTensors: boolean): string {
  const c = s.config;
  const L = [
    `model       ${s.name} (format ${s.source})`,
    `shape       hidden ${c.hidden}, ${c.layers} layers, ${c.heads} heads (${c.kvHeads} KV) of ${c.headDim}, FFN ${c.ffnHidden} ${c.ffnActivation}`,
    `            vocab ${c.vocab}, context ${c.maxPositions}, ${c.norm}, RoPE theta ${c.ropeTheta ?? 'none'}, head ${c.tiedHead ? 'tied' : 'untied'}`,
    `weights     ${s.weightKind}${s.zeroWeightFraction !== null ? ` (${(s.zeroWeightFraction * 100).toFixed(1)}% zeros)` : ''}, ${fmtInt(s.linearWeightBits / 8)} bytes packed`,
    `parameters  ${fmtInt(s.parameters.total)} total: ${fmtInt(s.parameters.linear)} linear, ${fmtInt(s.parameters.embedding)} embedding, ${fmtInt(s.parameters.head)} head, ${fmtInt(s.parameters.norms)} norm`,
  ];
  if (withTensors) {
    L.push('tensors');
    for (const t of s.tensors) L.push(`  ${t.name}  ${t.dtype}[${t.shape.join(', ')}]`);
  }
  return L.join('\n');
}

export function inspectCommand(modelPath: string): CommandResult {
  const model = loadModel(modelPath);
  const s = summarizeModel(model);
  return { json: s, text: renderSummary(s, true) };
}

export function validateCommand(modelPath: string): CommandResult {
  const model = loadModel(modelPath); // throws with every problem when invalid
  const ds: Diagnostic[] = validateModel(model);
  return { json: { valid: true, diagnostics: ds }, text: ds.length ? formatDiagnostics(ds) : `${modelPath}: valid` };
}

export function runCommandLib(modelPath: string, tokens: number[], numerics: Numerics): CommandResult {
  const model = loadModel(modelPath);
  const r = runSequence(model, tokens, { numerics });
  const logits: number[][] = [];
  for (let t = 0; t < tokens.length; t++) logits.push(Array.from(r.logits.subarray(t * r.vocab, (t + 1) * r.vocab)));
  const text = tokens
    .map((tok, t) => {
      const row = logits[t]!;
      return `pos ${t} token ${tok} -> argmax ${r.argmax[t]} (logit ${row[r.argmax[t]!]!.toFixed(4)})`;
    })
    .join('\n');
  return { json: { tokens: r.tokens, logits, argmax: r.argmax }, text };
}

export function generateCommandLib(modelPath: string, tokens: number[], maxTokens: number, numerics: Numerics): CommandResult {
  const model = loadModel(modelPath);
  const out = generateGreedy(model, tokens, maxTokens, { numerics, stopAtEos: true });
  return { json: { prompt: tokens, generated: out, numerics }, text: `prompt ${tokens.join(',')}\ngenerated ${out.join(',')}` };
}

export function convertCommand(modelPath: string, out: string): CommandResult {
  const model = loadModel(modelPath);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) fail('CLI010', out, 'output path is a directory', 'pass a file path such as model.bitnet.safetensors');
  const dir = path.dirname(out);
  if (!fs.existsSync(dir)) fail('CLI011', out, `output folder ${dir} does not exist`, 'create the folder first');
  saveIRFile(model, out);
  const bytes = fs.statSync(out).size;
  return { json: { out, bytes, source: model.ir.source }, text: `wrote ${out} (${fmtInt(bytes)} bytes, from ${model.ir.source})` };
}

export function dumpCommand(modelPath: string): CommandResult {
  const model = loadModel(modelPath);
  const text = dumpModel(model);
  return { json: { dump: text }, text: text.trimEnd() };
}

/** Per-BitLinear facts for reports: sizes and derived accumulator widths. */
export function bitlinearTable(model: Model): { name: string; out: number; in: number; kind: string; accBits: number }[] {
  return allBitLinears(model.ir).map((b) => ({
    name: b.name,
    out: b.outFeatures,
    in: b.inFeatures,
    kind: b.weight.weightKind,
    accBits: accumulatorBits(b.inFeatures, b.actQuant.bits),
  }));
}

export function genCommand(modelPath: string, archSpec: string, out: string, layer?: string): CommandResult {
  const arch = loadArch(archSpec);
  const model = loadModel(modelPath);
  const design = generateRtl(model, arch, layer);
  writeRtl(design, out);
  const m = design.manifest;
  return {
    json: { out, configHash: m.configHash, top: m.top, files: [...design.files.keys()], layers: m.layers.length, accumulatorBits: m.parameters['ACC_BITS'] },
    text: `wrote ${design.files.size} files to ${out} (top ${m.top}, ${m.layers.length} layer(s), config ${m.configHash})`,
  };
}

export function verifyCommand(modelPath: string, archSpec: string, opts: Omit<VerifyOptions, 'inStall' | 'outStall'>): CommandResult {
  const arch = loadArch(archSpec);
  const model = loadModel(modelPath);
  const r = verifyModel(model, arch, { ...opts, inStall: 20, outStall: 20 });
  const text = [
    `${r.mismatches === 0 ? 'PASS' : 'FAIL'}: ${r.vectors} token vectors on ${r.sim}, ${r.mismatches} mismatches, ${r.cycles} cycles (seed ${r.seed}, ${r.stalls.input}% input stalls, ${r.stalls.output}% output back-pressure)`,
    'isolated token latency per layer (cycles, no stalls):',
    ...r.per_layer.map((l) => `  ${l.name.padEnd(20)} ${String(l.out).padStart(6)}x${String(l.n).padEnd(6)} ${l.latency_cycles}`),
  ].join('\n');
  return { json: r, text };
}
