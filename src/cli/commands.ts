/**
 * The CLI's commands as library functions: each takes parsed options and returns a result object
 * (the --json document) plus its human rendering. No printing, no exiting here.
 */
import { createHash } from 'node:crypto';
import type { ModelIR } from '../ir/types.js';
import { compileProgram } from '../ir/compile.js';
import { encodeProgram, listing, programManifest } from '../ir/program-image.js';
import { unitOf } from '../ir/units.js';
import { backendLabel, generateTokens, runTokens, type Backend } from '../backend.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dumpModel, summarizeModel, type ModelSummary } from '../ir/dump.js';
import { saveIRFile } from '../ir/irfile.js';
import { loadModel } from '../ir/load.js';
import { validateModel } from '../ir/validate.js';
import { allBitLinears, type Model } from '../ir/types.js';
import type { Numerics } from '../numerics/index.js';
import { accumulatorBits } from '../numerics/index.js';
import { checkContext, generateGreedyWithReason, runSequence } from '../ref/model.js';
import { BitnetError, fail, formatDiagnostics, type Diagnostic } from '../util/diagnostics.js';
import { ARCH_PRESETS, loadArch, machineOf, systemOf } from '../ir/arch.js';
import { generateRtl, writeRtl } from '../codegen/verilog.js';
import { generateWhole, wholeFolderFiles } from '../codegen/whole-folder.js';
import { sequenceRuns, verifyWhole } from '../verify/whole.js';
import { verifyModel, type VerifyOptions } from '../verify/index.js';
import { crosscheck, type Against } from '../verify/crosscheck.js';
import { rtlFiles } from '../verify/rtlfiles.js';
import { MODEL_PRESETS, shapeIR, shapeModel, shapeOfModel, type ModelShape } from '../ir/presets.js';
import { simulateModel, type SimReport } from '../sim/model.js';
import { simulateFunctional } from '../sim/functional.js';
import { loadEnergyTable } from '../energy/tables.js';
import { paperEnergy } from '../energy/paper.js';
import { activityEnergy, type ActivityEnergy } from '../energy/activity.js';
import { si } from '../util/si.js';
import { progressBar } from '../util/progress.js';
import { writeReport } from '../report/index.js';
import { shippedScaling } from '../report/training.js';
import { checkOutputDir, checkOutputFile, replaceDir } from '../util/fsout.js';
import { heldoutTextPath } from '../util/paths.js';
import { fingerprintCheckpoint } from '../ir/fingerprint.js';
import { isIRFile } from '../ir/irfile.js';
import { writeSyntheticCheckpoint, type SyntheticSpec } from '../ir/export/synthetic.js';
import { PTQ_METHODS, writePtqCheckpoint, type PtqMethod } from '../ir/export/ptq.js';
import { clockFor, implement, implementationFor, implementWhole } from '../verify/impl.js';
import type { UnitArea } from '../verify/synth.js';
import { resolveShape } from '../ir/resolve.js';
import { evaluatePoint, type PointOptions } from '../sweep/point.js';
import { runSweep } from '../sweep/index.js';
import { loadSpace } from '../sweep/space.js';
import type { Pool } from '../sweep/pool.js';
import { sweepCsv, sweepHtml, sweepJson, sweepText } from '../sweep/output.js';
import { jsonDocument } from './json.js';
import { writeOutputDir } from '../util/fsout.js';
export { resolveShape, TERNARY_ZERO_FRACTION } from '../ir/resolve.js';
import type { ArchSpec } from '../ir/arch.js';
import type { WeightKind } from '../ir/types.js';

export interface CommandResult {
  /** The --json document's body (the CLI adds `schema` and converts keys to snake_case). */
  readonly json: unknown;
  readonly text: string;
  /** The document is an input format of its own (printed as it is, no schema, no key conversion). */
  readonly inputFormat?: boolean;
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
    `weights     ${s.weightKind}${s.zeroWeightFraction !== null ? ` (${(s.zeroWeightFraction * 100).toFixed(1)}% zeros)` : ''}, ${fmtInt(s.linearWeightBits / 8)} bytes stored`,
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

/** What `--backend`, `--numerics` and `--arch` ask for, before the model is loaded. */
export interface BackendSpec {
  readonly backend: 'ref' | 'sim' | 'rtl';
  readonly numerics: Numerics;
  readonly arch?: string;
}

/** The backend for a model: `--backend sim` runs the hw numerics (and refuses `--numerics float`). */
export function resolveBackend(model: Model, spec: BackendSpec, numericsGiven: boolean): Backend {
  if (spec.backend === 'ref') {
    if (spec.arch !== undefined) fail('CLI017', '--arch', '--arch applies to --backend sim and rtl only', 'drop --arch, or add --backend sim (or rtl)');
    return { kind: 'ref', numerics: spec.numerics };
  }
  if (numericsGiven && spec.numerics !== 'hw') fail('CLI018', '--numerics', `the ${spec.backend === 'sim' ? 'simulator' : 'RTL'} computes the accelerator's hw numerics only`, `drop --numerics, or use --numerics hw with --backend ${spec.backend}`, 'hw');
  const arch = archFor(spec.arch, modelWeightKind(model));
  return { kind: spec.backend, arch };
}

export function runCommandLib(modelPath: string, tokens: number[], spec: BackendSpec | Numerics, numericsGiven = false): CommandResult {
  const model = loadModel(modelPath);
  const bs: BackendSpec = typeof spec === 'string' ? { backend: 'ref', numerics: spec } : spec;
  const backend = resolveBackend(model, bs, numericsGiven);
  const r = runTokens(model, tokens, backend);
  const V = model.ir.embedding.vocabSize;
  const logits: number[][] = [];
  for (let t = 0; t < tokens.length; t++) logits.push(Array.from(r.logits.subarray(t * V, (t + 1) * V)));
  const text = tokens
    .map((tok, t) => {
      const row = logits[t]!;
      return `pos ${t} token ${tok} -> argmax ${r.argmax[t]} (logit ${row[r.argmax[t]!]!.toFixed(4)})`;
    })
    .join('\n');
  const cyc = r.cycles !== null ? `\n${backendLabel(backend)}: ${r.cycles.toLocaleString('en-US')} accelerator cycles` : '';
  return { json: { tokens: [...tokens], logits, argmax: r.argmax, backend: backend.kind, numerics: backend.kind === 'ref' ? backend.numerics : 'hw', ...(r.cycles !== null ? { cycles: r.cycles } : {}) }, text: text + cyc };
}

function stopNote(stopped: string, model: Model): string {
  return stopped === 'context' ? `\n(stopped at the model's context limit of ${model.ir.maxPositions} positions)` : '';
}

export function generateCommandLib(modelPath: string, tokens: number[], maxTokens: number, spec: BackendSpec | Numerics, numericsGiven = false): CommandResult {
  const model = loadModel(modelPath);
  const bs: BackendSpec = typeof spec === 'string' ? { backend: 'ref', numerics: spec } : spec;
  const backend = resolveBackend(model, bs, numericsGiven);
  const { tokens: out, stopped, cycles } = generateTokens(model, tokens, maxTokens, backend);
  const numerics = backend.kind === 'ref' ? backend.numerics : 'hw';
  return { json: { prompt: tokens, generated: out, numerics, backend: backend.kind, stopped, ...(cycles !== null ? { cycles } : {}) }, text: `prompt ${tokens.join(',')}\ngenerated ${out.join(',')}${stopNote(stopped, model)}` };
}

export function convertCommand(modelPath: string, out: string, force = false): CommandResult {
  checkOutputFile(out, { inputs: [modelPath], force, isOurs: isIRFile });
  const model = loadModel(modelPath);
  // A checkpoint folder's files are fingerprinted so a later, changed checkpoint is never shadowed.
  const isCkpt = fs.statSync(modelPath).isDirectory() && fs.existsSync(path.join(modelPath, 'config.json'));
  saveIRFile(model, out, isCkpt ? fingerprintCheckpoint(modelPath) : undefined);
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

/** The architecture preset matching a model's weight kind (what every command uses by default). */
export function defaultArchFor(kind: WeightKind): string {
  return kind === 'binary' ? 'default-binary' : 'default';
}

function archFor(archSpec: string | undefined, kind: WeightKind): ArchSpec {
  return loadArch(archSpec ?? defaultArchFor(kind));
}

function modelWeightKind(model: Model): WeightKind {
  return allBitLinears(model.ir)[0]!.weight.weightKind;
}

export function genCommand(modelPath: string, archSpec: string | undefined, out: string, layer?: string, force = false, whole = false): CommandResult {
  const preset = MODEL_PRESETS[modelPath];
  checkOutputDir(out, { inputs: [...(preset ? [] : [modelPath]), ...(archSpec && fs.existsSync(archSpec) ? [archSpec] : [])], force });
  // A shape preset has no checkpoint: only its whole-model RTL with weights and tables in DRAM,
  // whose memories' images are left out (the RTL embeds scales and norm gains, set to 1).
  if (preset && !whole) fail('CLI009', modelPath, `${modelPath} is a shape preset without weights: the engine's RTL holds them`, 'pass a model folder, or --whole with an architecture whose weightMemory is "dram"');
  const model = preset ? shapeModel(preset) : loadModel(modelPath);
  const arch = archFor(archSpec, modelWeightKind(model));
  if (whole) {
    if (layer !== undefined) fail('CLI019', '--layer', '--layer and --whole together', 'drop --layer: --whole writes the whole model\'s accelerator');
    if (preset && arch.weightMemory !== 'dram') fail('CLI009', '--arch', `${modelPath} is a shape preset without weights or tables: only a design that streams them from DRAM can be generated for it`, 'use an architecture with weightMemory "dram" (e.g. hw/arch/2b4t-dram.json)');
    const d = generateWhole(model, arch, { images: !preset });
    const files = wholeFolderFiles(d, arch, model.ir.eosToken);
    writeOutputDir(out, 'rtl', files);
    const note = preset ? '; a shape preset: scales and norm gains set to 1, no weight or table images (their DRAM contents come from a checkpoint)' : '';
    return {
      json: { out, configHash: d.configHash, top: d.top, files: [...files.keys()], instructions: d.program.instructions.length, sources: d.sources, images: !preset },
      text: `wrote ${files.size} files to ${out} (top ${d.top}: the whole model, ${d.program.instructions.length} instructions, config ${d.configHash})${note}`,
    };
  }
  const design = generateRtl(model, arch, layer);
  writeRtl(design, out);
  const m = design.manifest;
  return {
    json: { out, configHash: m.configHash, top: m.top, files: [...design.files.keys()], layers: m.layers.length, accumulatorBits: m.parameters['ACC_BITS'] },
    text: `wrote ${design.files.size} files to ${out} (top ${m.top}, ${m.layers.length} layer(s), config ${m.configHash})`,
  };
}

/**
 * `compile`: the accelerator program of a model (folder or preset) on an architecture: a summary,
 * the listing (`--listing`), and with `--out` a folder with the binary image, its manifest and
 * the listing.
 */
export function compileCommand(modelSpec: string, archSpec: string | undefined, opts: { listing: boolean; out?: string; force?: boolean }): CommandResult {
  if (opts.out !== undefined) checkOutputDir(opts.out, { inputs: MODEL_PRESETS[modelSpec] ? [] : [modelSpec], force: opts.force === true });
  const { shape, ir } = resolveShape(modelSpec);
  const arch = archFor(archSpec, shape.weightKind);
  checkArchKind(shape, arch, archSpec ?? arch.name);
  const program = compileProgram(ir ?? shapeIR(shape), arch);
  const lst = listing(program);
  const image = encodeProgram(program);
  const manifest = { ...programManifest(program), imageSha256: createHash('sha256').update(image).digest('hex') };
  if (opts.out !== undefined) {
    replaceDir(opts.out, 'program', (tmp) => {
      fs.writeFileSync(path.join(tmp, 'program.bin'), image);
      fs.writeFileSync(path.join(tmp, 'program.json'), JSON.stringify(manifest, null, 2) + '\n');
      fs.writeFileSync(path.join(tmp, 'program.lst'), lst);
    });
  }
  const units = new Map<string, number>();
  for (const i of program.instructions) units.set(unitOf(i), (units.get(unitOf(i)) ?? 0) + 1);
  const summary = `${program.model} on ${program.arch}: ${program.instructions.length} instructions (${[...units].map(([u, n]) => `${u} ${n}`).join(', ')}), scratchpad ${program.scratchpadWords.toLocaleString('en-US')} words, parameters ${program.paramWords.toLocaleString('en-US')} words, KV cache ${program.kvWords.toLocaleString('en-US')} words (${program.kvFormat}), image ${image.length.toLocaleString('en-US')} bytes${opts.out !== undefined ? `; wrote ${opts.out}/program.{bin,json,lst}` : ''}`;
  return {
    json: { ...manifest, ...(opts.listing ? { listing: lst } : {}), ...(opts.out !== undefined ? { out: opts.out } : {}) },
    text: opts.listing ? `${lst}${summary}` : summary,
  };
}

/** Quote an argument for a POSIX shell (for the printed rerun commands). */
export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export interface VerifyCliOptions extends Omit<VerifyOptions, 'inStall' | 'outStall'> {}

export function verifyCommand(modelPath: string, archSpec: string | undefined, opts: VerifyCliOptions): CommandResult {
  const model = loadModel(modelPath);
  const arch = archFor(archSpec, modelWeightKind(model));
  const r = verifyModel(model, arch, { ...opts, inStall: 20, outStall: 20 });
  const m0 = r.first_mismatches[0];
  const rerun = m0
    ? ['bitnet-hw', 'verify', modelPath, '--arch', archSpec ?? arch.name, ...(opts.rtlDir ? ['--rtl', opts.rtlDir] : []), ...(opts.layer ? ['--layer', opts.layer] : []), '--sim', r.sim, '--vectors', String(opts.vectors), '--seed', String(r.seed), '--token', String(m0.token), '--trace', `token${m0.token}.${r.sim === 'verilator' ? 'fst' : 'vcd'}`].map(shellQuote).join(' ')
    : null;
  const fmtM = (m: (typeof r.first_mismatches)[number]): string =>
    `  ${m.layer} token ${m.token} row ${m.output_row} (tile ${m.tile}, lane ${m.lane}) at cycle ${m.cycle}: got ${/^[0-9a-f]{8}$/.test(m.got_hex) ? `0x${m.got_hex} (${m.got})` : 'X (unknown bits)'} want 0x${m.want_hex} (${m.want})${m.last_got !== m.last_want ? `, m_last ${m.last_got ? 1 : 0} want ${m.last_want ? 1 : 0}` : ''}`;
  const text = [
    `${r.passed ? 'PASS' : 'FAIL'}: ${r.vectors} of ${r.vectors_requested} token vectors on ${r.sim} (${r.rtl === 'generated' ? 'freshly generated RTL' : `RTL in ${r.rtl}`}), ${r.mismatches} mismatches, ${r.cycles} cycles (seed ${r.seed}, ${r.stalls.input_percent}% input stalls, ${r.stalls.output_percent}% output back-pressure)`,
    ...r.failures.map((f) => `  failed: ${f}`),
    ...(r.mismatches ? ['mismatches by layer: ' + r.per_layer.filter((l) => l.mismatches).map((l) => `${l.name} ${l.mismatches}`).join(', '), 'first mismatches:', ...r.first_mismatches.map(fmtM)] : []),
    ...(r.trace ? [`waveform of the first failure: ${r.trace}`] : []),
    ...(rerun ? [`rerun just that token: ${rerun}`] : []),
    'isolated token latency per layer (cycles, no stalls):',
    ...r.per_layer.map((l) => `  ${l.name.padEnd(20)} ${String(l.out).padStart(6)}x${String(l.n).padEnd(6)} ${l.latency_cycles}`),
  ].join('\n');
  return { json: { ...r, rerun }, text };
}

/**
 * `verify --whole`: the whole-model accelerator through the Verilator harness on the shipped
 * held-out text: a prompt block, then one position per run, each run checked against the
 * simulator (logits, argmax, cycles, issue cycles, action counters), whose logits are checked
 * against the hw reference.
 */
export function verifyWholeCommand(modelPath: string, archSpec: string | undefined, opts: { positions: number; block: number; seed: number; trace?: string }): CommandResult {
  const model = loadModel(modelPath);
  const arch = archFor(archSpec, modelWeightKind(model));
  const text = fs.readFileSync(heldoutTextPath());
  const bos = model.ir.bosToken;
  const V = model.ir.embedding.vocabSize;
  if (V < 256) fail('CLI012', modelPath, 'verify --whole runs held-out text: it needs a byte-level model', 'use a model trained by python/bitnet_train');
  const tokens = [...(bos !== null ? [bos] : []), ...text.subarray(0, opts.positions)].slice(0, opts.positions);
  const context = Math.min(model.ir.maxPositions, machineOf(arch).context ?? model.ir.maxPositions);
  if (tokens.length > context) fail('CLI004', '--positions', `${tokens.length} positions exceed the accelerator's context of ${context}`, 'use fewer positions', `<= ${context}`);
  const rows = machineOf(arch).prefillRows;
  const runs = sequenceRuns(tokens, Math.min(opts.block, rows));
  const r = verifyWhole(model, arch, runs, { seed: opts.seed, inStall: 20, outStall: 30, ...(opts.trace !== undefined ? { waveform: opts.trace } : {}) });
  const sum = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0);
  const text2 = [
    `${r.passed ? 'PASS' : 'FAIL'}: the whole-model accelerator on ${arch.name}, ${r.runs} of ${runs.length} runs (${r.tokens} tokens, ${r.positionsWithLogits} positions with logits, ${r.logitsChecked.toLocaleString('en-US')} logits), ${r.mismatches} mismatches (seed ${opts.seed}, 20% input stalls, 30% output back-pressure)`,
    `cycles: RTL ${sum(r.rtlCycles).toLocaleString('en-US')}, simulator ${sum(r.simCycles).toLocaleString('en-US')}; simulator logits ${r.simEqualsRef ? 'equal' : 'DIFFER FROM'} the hw reference's`,
    `checked per run: logits bit for bit, argmax, cycles, every instruction's issue cycle, ${r.counters.length} action counters`,
    ...(r.where ? [`first difference: ${r.where}`] : []),
    ...(r.where && opts.trace ? [`waveform of its window: ${opts.trace}`] : []),
  ].join('\n');
  return { json: { ...r, arch: arch.name }, text: text2 };
}

/** A model preset name or a model path, as a shape (plus the real zero-weight fraction when known). */
/** Token counts of a simulation must fit the model's context. */
function checkSimCounts(shape: ModelShape, prefill: number, decode: number): void {
  if (prefill + decode > shape.context) {
    fail('CLI040', '--prefill/--decode', `${prefill} prompt + ${decode} decoded tokens exceed the context of ${shape.context} positions of ${shape.name}`, 'use fewer tokens', `<= ${shape.context} in all`);
  }
}

function checkArchKind(shape: ModelShape, arch: ArchSpec, archSpec: string): void {
  if (shape.weightKind !== arch.weightKind) fail('AR010', `--arch ${archSpec}`, `the model has ${shape.weightKind} weights but the architecture is built for ${arch.weightKind}`, `use an architecture with weightKind ${shape.weightKind} (e.g. --arch ${defaultArchFor(shape.weightKind)})`);
}


export function simCommand(modelSpec: string, archSpec: string | undefined, tokens: number, prefill: number, functional?: number[]): CommandResult {
  if (functional) {
    if (MODEL_PRESETS[modelSpec]) fail('CLI009', '--functional', 'functional mode needs weights', 'pass a model folder (make one with `bitnet-hw make-model`)');
    const model = loadModel(modelSpec);
    const arch = archFor(archSpec, modelWeightKind(model));
    const r = simulateFunctional(model, arch, functional);
    return { json: { mode: 'functional', passed: r.logitsEqualReference, ...r }, text: `functional: ${r.tokens.length} tokens through the accelerator program (${r.bitlinearCalls} BitLinear calls on the engine model), ${r.cycles.toLocaleString("en-US")} cycles; logits ${r.logitsEqualReference ? 'equal the hw reference bit for bit' : `DIFFER from the hw reference (max ${r.maxAbsDiff})`}` };
  }
  const { shape, ir } = resolveShape(modelSpec);
  const arch = archFor(archSpec, shape.weightKind);
  checkArchKind(shape, arch, archSpec ?? arch.name);
  checkSimCounts(shape, prefill, tokens);
  const r = simulateModel(shape, arch, { prefill, tokens, clock: clockFor(modelSpec, arch), ir });
  if (!Number.isFinite(r.cycles_per_token)) fail('CLI041', '--arch', 'the simulation produced a non-finite cycle count', 'check the architecture\'s unit throughputs');
  const text = [
    `${shape.name} on ${arch.name} (${arch.lanes} lanes x ${arch.simd}), weights ${r.weights_on_chip ? 'on chip' : 'streamed from DRAM'}`,
    `clock ${r.clock.mhz} MHz: ${r.clock.note}`,
    `run: ${prefill} prompt tokens then ${tokens} decoded`,
    `decode: ${Math.round(r.cycles_per_token).toLocaleString('en-US')} cycles per decoded token = ${r.tokens_per_second.toPrecision(4)} tokens/s (${si(1 / r.tokens_per_second, 's')} per token)`,
    ...(prefill ? [`prompt: ${r.prefill_cycles.toLocaleString('en-US')} cycles in total over ${prefill} tokens = ${r.prompt_tokens_per_second.toPrecision(4)} prompt tokens/s`] : []),
    `MAC array utilisation ${(r.utilization.mac_array * 100).toFixed(1)}% over the run; stall cycles over the run: ${Object.entries(r.stalls).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`,
    `busy cycles by unit, total over the run: ${Object.entries(r.per_unit).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`,
    `busy share of the decode cycles: ${Object.entries(r.per_unit_decode).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${((100 * v) / Math.max(r.decode_cycles, 1)).toFixed(1)}%`).join(', ')}`,
  ].join('\n');
  return { json: r, text };
}

export function energyCommand(method: string, modelSpec: string, node: string, opts: { arch?: string; seq: number; tokens: number; prefill: number }): CommandResult {
  const table = loadEnergyTable(node);
  const { shape, zeroFraction, ir } = resolveShape(modelSpec);
  if (method === 'paper') {
    const r = paperEnergy(shape, table, opts.seq);
    const text = [
      `paper method, ${r.model}, ${r.node}: the arithmetic of the linear and attention matmuls only, totals over one sequence of ${r.seq} tokens`,
      ...r.results.map((x) => `  ${x.arch.padEnd(7)} MUL ${si(x.mul_J, 'J').padStart(9)}  ADD ${si(x.add_J, 'J').padStart(9)}  total ${si(x.total_J, 'J').padStart(9)} over ${r.seq} tokens (${si(x.total_J / r.seq, 'J')} per token)`),
    ].join('\n');
    return { json: r, text };
  }
  if (method !== 'activity') fail('CLI006', '--method', `unknown method ${method}`, 'use --method paper or --method activity', 'paper | activity');
  const arch = archFor(opts.arch, shape.weightKind);
  checkArchKind(shape, arch, opts.arch ?? arch.name);
  checkSimCounts(shape, opts.prefill, opts.tokens);
  const sim = simulateModel(shape, arch, { prefill: opts.prefill, tokens: opts.tokens, clock: clockFor(modelSpec, arch), ir });
  const r = activityEnergy(sim, shape, table, zeroFraction);
  return { json: r, text: activityText(r, sim) };
}

/** The activity method's figures in text, every figure saying what it is over. */
export function activityText(r: ActivityEnergy, sim: SimReport): string {
  const clock = `${r.clock.mhz} MHz ${r.clock.source === 'achieved' ? `clock achieved by place and route (${r.clock.note})` : 'target clock (not met or not checked by place and route)'}`;
  const parts = Object.entries(r.per_part_per_decoded_token_J).sort((a, b) => b[1] - a[1]);
  const comps = Object.entries(r.per_component_per_decoded_token_J).sort((a, b) => b[1] - a[1]);
  return [
    `activity method, ${r.model} on ${r.arch}, ${r.node} (energy table ${r.table}); run: ${r.prefill_tokens} prompt tokens then ${r.decoded_tokens} decoded`,
    `per decoded token ${si(r.per_decoded_token_J, 'J')}; per prompt token ${si(r.per_prompt_token_J, 'J')}; total ${si(r.total_J, 'J')} over ${r.total_tokens} tokens`,
    `decoding at the ${clock}: ${sim.tokens_per_second.toPrecision(4)} tokens/s, ${si(sim.tokens_per_second > 0 ? 1 / sim.tokens_per_second : null, 's')} per token, ${si(r.decode_power_W, 'W')}, ${r.tokens_per_second_per_W === null ? 'n/a' : r.tokens_per_second_per_W.toPrecision(3)} tokens/s/W`,
    `BitLinear part ${si(r.bitlinear_per_decoded_token_J, 'J')} per decoded token = ${r.design_over_floor === null ? 'n/a' : `${r.design_over_floor.toFixed(2)}x`} its floor ${si(r.floor_per_decoded_token_J, 'J')}`,
    `per decoded token by part: ${parts.map(([k, v]) => `${k} ${si(v, 'J')}`).join(', ')}`,
    'per decoded token by component:',
    ...comps.map(([k, v]) => `  ${k.padEnd(12)} ${si(v, 'J')}`),
  ].join('\n');
}

export function reportCommand(modelSpec: string, archSpec: string | undefined, node: string, out: string, tokens: number, prefill: number, force = false): CommandResult {
  checkOutputDir(out, { inputs: MODEL_PRESETS[modelSpec] ? [] : [modelSpec], force });
  const table = loadEnergyTable(node);
  const { shape, zeroFraction, ir } = resolveShape(modelSpec);
  const arch = archFor(archSpec, shape.weightKind);
  checkArchKind(shape, arch, archSpec ?? arch.name);
  checkSimCounts(shape, prefill, tokens);
  const sim = simulateModel(shape, arch, { prefill, tokens, clock: clockFor(modelSpec, arch), ir });
  const name = MODEL_PRESETS[modelSpec] ? modelSpec : path.basename(path.resolve(modelSpec));
  const data = { title: `${name} on ${arch.name}`, sim, activity: activityEnergy(sim, shape, table, zeroFraction), paper: paperEnergy(shape, table, 512), impl: implementationFor(modelSpec, arch), scaling: shippedScaling() };
  const files = writeReport(data, out);
  return { json: { ...files, cycles_per_token: sim.cycles_per_token, per_decoded_token_J: data.activity.per_decoded_token_J, per_prompt_token_J: data.activity.per_prompt_token_J, prefill_tokens: prefill, decoded_tokens: tokens }, text: `wrote ${files.markdown}, ${files.html} and ${files.trace}` };
}

/** `crosscheck`: a prompt with every BitLinear on the Verilated RTL, logits against a reference. */
export function crosscheckCommand(modelPath: string, archSpec: string | undefined, tokens: readonly number[], opts: { against: Against; seed: number; rtlDir?: string }): CommandResult {
  const model = loadModel(modelPath);
  if (tokens.length === 0) fail('XC001', '--prompt', 'no input tokens', 'pass --prompt TEXT or --tokens 1,2,3');
  checkContext(model, tokens.length);
  const arch = archFor(archSpec, modelWeightKind(model));
  const design = generateRtl(model, arch);
  rtlFiles(design, opts.rtlDir); // a foreign or broken folder fails before any work
  const r = crosscheck(model, modelPath, design, tokens, opts);
  const d = r.first_diverging_layer;
  const text = [
    `${r.passed ? 'PASS' : 'FAIL'}: ${r.positions} positions, ${r.bitlinear_calls} BitLinear calls on the ${r.rtl === 'generated' ? 'freshly generated' : r.rtl} RTL (Verilator, seed ${r.seed}, random stalls), ${r.rtl_cycles.toLocaleString('en-US')} RTL cycles`,
    `exactness (RTL vs the hw law, bit for bit): ${r.exact ? 'every BitLinear output equal' : d ? `first diverging layer ${d.layer} (call ${d.call}, position ${d.position}, row ${d.row}: got ${d.got}, want ${d.want})` : 'the RTL did not complete'}`,
    `against ${r.against}: max |logit difference| ${r.max_abs_logit_diff.toPrecision(4)} over a logit range of ${r.reference_logit_range.toPrecision(4)} (${(100 * r.max_abs_logit_diff_over_range).toPrecision(3)}%); argmax agreement ${(100 * r.argmax_agreement).toFixed(1)}% of positions`,
    'per layer (RTL outputs differing from the law; max |difference| from the reference run\'s own output over its range):',
    ...r.per_layer.map((l) => `  ${l.name.padEnd(22)} ${String(l.mismatches_vs_law).padStart(6)} of ${String(l.outputs).padStart(7)}   ${l.max_diff_over_range_vs_reference === null ? 'n/a' : `${(100 * l.max_diff_over_range_vs_reference).toPrecision(3)}%`}`),
    ...r.failures.map((f) => `FAILED: ${f}`),
  ].join('\n');
  return { json: r, text };
}

/** `arch --list`: the presets in one line each. */
export function archListCommand(): CommandResult {
  const rows = Object.values(ARCH_PRESETS).map((a) => ({
    name: a.name,
    lanes: a.lanes,
    simd: a.simd,
    weight_kind: a.weightKind,
    weight_packing: a.weightKind === 'binary' ? 'sign' : (a.weightPacking ?? '2bit'),
    weight_memory: a.weightMemory,
    target_clock_mhz: a.clockMHz,
  }));
  const text = [
    'architecture presets (print one with `bitnet-hw arch --print NAME > my-arch.json`, edit it, pass --arch my-arch.json):',
    ...rows.map((r) => `  ${r.name.padEnd(15)} ${`${r.lanes} lanes x ${r.simd}`.padEnd(16)} ${r.weight_kind.padEnd(8)} ${r.weight_packing.padEnd(6)} ${r.weight_memory.padEnd(9)} target ${r.target_clock_mhz} MHz`),
  ].join('\n');
  return { json: { presets: rows }, text };
}

/** `arch --print NAME`: a preset with every default written out, valid input for --arch FILE. */
export function archPrintCommand(name: string): CommandResult {
  const a = ARCH_PRESETS[name];
  if (!a) fail('CLI050', name, `unknown architecture preset ${JSON.stringify(name)}`, `use one of ${Object.keys(ARCH_PRESETS).join(', ')} (see \`bitnet-hw arch --list\`)`);
  const full = { ...a, ...(a.weightKind === 'ternary' ? { weightPacking: a.weightPacking ?? '2bit' } : {}), system: systemOf(a), machine: machineOf(a) };
  return { json: full, text: JSON.stringify(full, null, 2), inputFormat: true };
}

/** Byte-level prompts: the models trained here use token id = byte value (0-255) plus BOS/EOS. */
export function encodePrompt(model: Model, text: string): number[] {
  if (model.ir.embedding.vocabSize < 256) fail('CLI012', '--prompt', `vocabulary of ${model.ir.embedding.vocabSize} is not byte-level`, 'use --tokens with token ids for this model');
  const bytes = [...Buffer.from(text, 'utf8')];
  return model.ir.bosToken !== null ? [model.ir.bosToken, ...bytes] : bytes;
}

export function decodeBytes(ids: readonly number[]): string {
  return Buffer.from(ids.filter((t) => t < 256)).toString('utf8');
}

export function generateFromPrompt(modelPath: string, prompt: string, maxTokens: number, spec: BackendSpec | Numerics, numericsGiven = false): CommandResult {
  const model = loadModel(modelPath);
  const bs: BackendSpec = typeof spec === 'string' ? { backend: 'ref', numerics: spec } : spec;
  const backend = resolveBackend(model, bs, numericsGiven);
  const tokens = encodePrompt(model, prompt);
  const { tokens: out, stopped, cycles } = generateTokens(model, tokens, maxTokens, backend);
  const text = decodeBytes(out);
  const numerics = backend.kind === 'ref' ? backend.numerics : 'hw';
  return { json: { prompt, tokens, generated: out, text, numerics, backend: backend.kind, stopped, ...(cycles !== null ? { cycles } : {}) }, text: `${prompt}${text}${stopNote(stopped, model)}` };
}

/** Held-out bits per byte and perplexity, over non-overlapping 128-byte windows (each from position 0). */
export function evalCommand(modelPath: string, textPath: string, spec: BackendSpec = { backend: 'ref', numerics: 'float' }, numericsGiven = false, window = 128): CommandResult {
  let st: fs.Stats;
  try {
    st = fs.statSync(textPath);
  } catch (e) {
    fail('EV001', textPath, `cannot read the text (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'pass an existing text file with --text');
  }
  if (!st.isFile()) fail('EV001', textPath, 'the text path is not a regular file', 'pass a text file with --text');
  if (st.size < window + 1) fail('EV002', textPath, `the text has ${st.size} bytes; one evaluation window needs ${window + 1}`, 'pass a longer text', `>= ${window + 1} bytes`);
  const model = loadModel(modelPath);
  if (model.ir.embedding.vocabSize < 256) fail('CLI012', modelPath, 'eval needs a byte-level model', 'use a model trained by python/bitnet_train');
  if (window > model.ir.maxPositions) fail('EV003', modelPath, `the evaluation window of ${window} bytes exceeds the context of ${model.ir.maxPositions}`, 'use a model with a longer context');
  const backend = resolveBackend(model, spec, numericsGiven);
  const data = [...fs.readFileSync(textPath)];
  let nats = 0;
  let agree = 0;
  let count = 0;
  const V = model.ir.embedding.vocabSize;
  const windows = Math.floor((data.length - 1) / window);
  const bar = progressBar(`eval (${backendLabel(backend)})`, windows, 'windows', 2);
  for (let w = 0; w + window + 1 <= data.length; w += window) {
    bar.update(w / window);
    const seq = data.slice(w, w + window + 1);
    const r = runTokens(model, seq.slice(0, window), backend);
    for (let t = 0; t < window; t++) {
      if (r.argmax[t] === seq[t + 1]) agree++;
      const row = r.logits.subarray(t * V, (t + 1) * V);
      let mx = -Infinity;
      for (const v of row) if (v > mx) mx = v;
      let z = 0;
      for (const v of row) z += Math.exp(v - mx);
      nats += Math.log(z) + mx - row[seq[t + 1]!]!;
      count++;
    }
  }
  bar.update(windows);
  bar.stop();
  const bpb = nats / count / Math.LN2;
  const numerics = backend.kind === 'ref' ? backend.numerics : 'hw';
  return {
    json: { bits_per_byte: bpb, perplexity: Math.exp(nats / count), next_byte_accuracy: agree / count, tokens: count, backend: backend.kind, numerics },
    text: `held-out ${count} bytes (${backendLabel(backend)}): ${bpb.toFixed(4)} bits/byte, perplexity ${Math.exp(nats / count).toFixed(3)}, next-byte accuracy ${((100 * agree) / count).toFixed(2)}%`,
  };
}

/** `ptq`: post-training quantization of a full-precision baseline into a BitNet checkpoint folder. */
export function ptqCommand(modelPath: string, method: string, out: string, force = false): CommandResult {
  if (!(PTQ_METHODS as readonly string[]).includes(method)) fail('CLI054', '--method', `unknown method ${JSON.stringify(method)}`, `use one of ${PTQ_METHODS.join(', ')}`, PTQ_METHODS.join(' | '));
  checkOutputDir(out, { inputs: [modelPath], force, flag: '--out' });
  const model = loadModel(modelPath);
  let r: ReturnType<typeof writePtqCheckpoint> | undefined;
  replaceDir(out, 'model', (tmp) => {
    r = writePtqCheckpoint(model, modelPath, method as PtqMethod, tmp);
  });
  const res = r!;
  return {
    json: { out, ...res },
    text: `wrote ${out}: ${res.layers} linear layers (${res.weights.toLocaleString('en-US')} weights) quantized after training, ${method}${res.zeroFraction !== null ? ` (${(100 * res.zeroFraction).toFixed(1)}% zeros)` : ''}; evaluate it with \`bitnet-hw eval ${out}\``,
  };
}

/** `make-model`: a seeded random checkpoint, written whole into a fresh (or previous) output folder. */
export function makeModelCommand(out: string, spec: SyntheticSpec, force = false): void {
  checkOutputDir(out, { inputs: [], force, flag: 'make-model <dir>' });
  replaceDir(out, 'model', (tmp) => writeSyntheticCheckpoint(tmp, spec));
}

/** The whole accelerator's cells by unit (Yosys, hierarchy kept) as a table. */
function areaTable(rows: readonly UnitArea[]): string[] {
  const kinds = ['LUT4', 'CCU2C', 'TRELLIS_FF', 'DP16KD', 'MULT18X18D'] as const;
  const n = (v: number | undefined): string => (v ?? 0).toLocaleString('en-US');
  return [
    'area by unit (Yosys synth_ecp5 with the hierarchy kept):',
    `| unit | ${kinds.join(' | ')} |`,
    `|---|${kinds.map(() => '---:').join('|')}|`,
    ...rows.map((u) => `| ${u.instances === 1 ? u.unit : `${u.unit} x${u.instances}`} | ${kinds.map((k) => n(u.cells[k])).join(' | ')} |`),
  ];
}

/** `impl`: synthesis, place and route and static timing on an FPGA; `met` false is a failed check. */
export function implCommand(modelPath: string, archSpec: string | undefined, opts: { whole?: boolean; target: string; seed: number; targetMHz?: number; bitstream?: string; rtlDir?: string }): CommandResult {
  if (opts.bitstream !== undefined) checkOutputFile(opts.bitstream, { inputs: [modelPath], flag: '--bitstream', isOurs: (f) => f.endsWith('.bit') });
  const model = loadModel(modelPath);
  const arch = archFor(archSpec, modelWeightKind(model));
  const flow = { target: opts.target, seed: opts.seed, targetMHz: opts.targetMHz ?? arch.clockMHz, ...(opts.bitstream ? { bitstream: opts.bitstream } : {}), ...(opts.rtlDir ? { rtlDir: opts.rtlDir } : {}) };
  const r = opts.whole ? implementWhole(generateWhole(model, arch), flow) : implement(generateRtl(model, arch), flow);
  const u = r.utilization;
  const use = (k: string, label: string): string => (u[k] ? `${label} ${u[k]!.used.toLocaleString('en-US')}/${u[k]!.available.toLocaleString('en-US')} (${((100 * u[k]!.used) / u[k]!.available).toFixed(1)}%)` : `${label} 0`);
  const cp = r.critical_path;
  const text = [
    `${r.met ? 'MET' : 'MISSED'}: ${Object.entries(r.fmax_mhz).map(([c, f]) => `${c} ${f.toFixed(2)} MHz`).join(', ')} against the ${r.target_mhz} MHz target on ${r.device} (seed ${r.seed}${r.cached ? ', cached result' : ''})`,
    `utilisation: ${[use('TRELLIS_COMB', 'LUT4+carry cells'), use('TRELLIS_FF', 'FF'), use('DP16KD', 'EBR'), use('MULT18X18D', 'DSP'), use('TRELLIS_IO', 'IO')].join(', ')}`,
    `Yosys cells: LUT4 ${r.yosys.cells['LUT4'] ?? 0}, CCU2C ${r.yosys.cells['CCU2C'] ?? 0}, TRELLIS_FF ${r.yosys.cells['TRELLIS_FF'] ?? 0}, DP16KD ${r.yosys.cells['DP16KD'] ?? 0}, MULT18X18D ${r.yosys.cells['MULT18X18D'] ?? 0}; ${r.yosys.warnings.length} Yosys warnings`,
    ...(cp ? [`critical path: ${cp.from} -> ${cp.to} in the ${cp.unit}: ${cp.delay_ns.toFixed(2)} ns, ${cp.logic_levels} logic levels (${cp.logic_ns.toFixed(2)} ns logic, ${cp.routing_ns.toFixed(2)} ns routing)`] : []),
    ...(r.area_by_unit ? areaTable(r.area_by_unit) : []),
    `wall time: Yosys ${r.wall_s.yosys} s, nextpnr ${r.wall_s.pnr} s; report ${r.report_json}`,
    ...(r.bitstream ? [`bitstream: ${r.bitstream}`] : []),
  ].join('\n');
  return { json: { ...r, passed: r.met }, text };
}

/** `point`: one design point measured (what each sweep worker runs). */
export function pointCommand(modelSpec: string, archSpec: string | undefined, opts: PointOptions): CommandResult {
  const { shape } = resolveShape(modelSpec);
  const arch = archFor(archSpec, shape.weightKind);
  checkArchKind(shape, arch, archSpec ?? arch.name);
  checkSimCounts(shape, opts.prefill, opts.decode);
  const r = evaluatePoint(modelSpec, arch, opts);
  const text = [
    `${shape.name} on ${arch.name} (${arch.lanes} lanes x ${arch.simd}): ${r.tokens_per_second.toPrecision(4)} decoded tokens/s at the ${r.clock.mhz} MHz ${r.clock.source === 'achieved' ? 'clock achieved by place and route' : 'target clock'} (${Math.round(r.cycles_per_token).toLocaleString('en-US')} cycles per token), ${si(r.per_decoded_token_J, 'J')} per decoded token (activity method, ${opts.node})`,
    r.ecp5 ? `ECP5 area (${r.ecp5.source}): ${r.ecp5.lut4.toLocaleString('en-US')} LUT4, ${r.ecp5.ff.toLocaleString('en-US')} FF, ${r.ecp5.ebr} EBR, ${r.ecp5.dsp} DSP; xc7 MAC array ${r.xc7_mac_array_luts?.toLocaleString('en-US') ?? 'n/a'} LUT; ${r.fits ? 'fits' : 'does NOT fit'} the part (${r.fits_source})` : 'area: not synthesized',
    ...(r.impl ? [`place and route: Fmax ${r.impl.fmax_mhz} MHz against the ${r.impl.target_mhz} MHz target (${r.impl.met ? 'met' : 'missed'}), critical path in the ${r.impl.critical_unit ?? 'n/a'}`] : []),
  ].join('\n');
  return { json: { point: r }, text };
}

export interface SweepCommandOptions extends PointOptions {
  readonly presets?: readonly string[];
  readonly workers?: number;
  readonly ray?: string;
  readonly force: boolean;
}

/** `sweep`: a design space measured point by point, its Pareto front, and the files that show it. */
export async function sweepCommand(modelSpec: string, spaceFile: string, out: string, opts: SweepCommandOptions): Promise<CommandResult & { failed: number }> {
  if (opts.ray !== undefined && opts.workers !== undefined) fail('CLI060', '--workers', '--workers sizes the local pool; with --ray the cluster decides', 'pass either --workers N or --ray ADDRESS');
  checkOutputDir(out, { inputs: [...(MODEL_PRESETS[modelSpec] ? [] : [modelSpec]), spaceFile], force: opts.force, flag: '--out' });
  const space = loadSpace(spaceFile);
  const { shape } = resolveShape(modelSpec);
  checkSimCounts(shape, opts.prefill, opts.decode);
  if (opts.impl && MODEL_PRESETS[modelSpec]) fail('SW010', modelSpec, 'a weightless preset has no RTL to place and route', 'sweep a model folder for --impl, or drop --impl');
  const pool: Pool = opts.ray !== undefined ? { kind: 'ray', address: opts.ray } : { kind: 'local', workers: opts.workers ?? Math.max(1, os.availableParallelism()) };
  const { workers: _w, ray: _r, force: _f, presets: _p, ...pointOpts } = opts;
  const res = await runSweep(modelSpec, space, spaceFile, { ...pointOpts, pool, ...(opts.presets ? { presets: opts.presets } : {}) });
  const body = sweepJson(res);
  writeOutputDir(out, 'sweep', new Map([
    ['sweep.json', JSON.stringify(jsonDocument('sweep', body), null, 2) + '\n'],
    ['sweep.csv', sweepCsv(res)],
    ['sweep.html', sweepHtml(res)],
  ]));
  const files = { json: path.join(out, 'sweep.json'), csv: path.join(out, 'sweep.csv'), html: path.join(out, 'sweep.html') };
  return { json: { files, ...body }, text: `${sweepText(res)}\nwrote ${files.json}, ${files.csv} and ${files.html}`, failed: res.failed };
}
