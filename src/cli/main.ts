/**
 * bitnet-hw command line: a thin shell over the library (citty for parsing, plus a strict check of
 * every command line against the command's declared flags).
 *
 * Exit codes: 0 every check passed; 1 a check failed (a mismatch, a missed clock, fewer vectors
 * than asked: the result is printed first); 2 bad input or usage (a coded diagnostic on stderr,
 * nothing written); 3 an internal error (a bug of bitnet-hw). Only `cli` decides the code.
 * With --json every command prints exactly one JSON document on stdout (errors included).
 */
import { defineCommand, renderUsage, runCommand, type ArgsDef, type CommandDef } from 'citty';
import { BitnetError, fail, formatDiagnostics } from '../util/diagnostics.js';
import { defaultModelDir, heldoutTextPath } from '../util/paths.js';
import { progressEnabled, setProgressEnabled } from '../util/progress.js';
import { checkOutputDir, writeFileAtomic } from '../util/fsout.js';
import { parseCount, parseNumerics, parsePositiveInt, parseSim, parseTokens } from './args.js';
import { checkArgs } from './strict.js';
import { jsonDocument, snakeKey } from './json.js';
import { si } from '../util/si.js';
import {
  type BackendSpec,
  compileCommand,
  convertCommand,
  dumpCommand,
  generateCommandLib,
  inspectCommand,
  runCommandLib,
  validateCommand,
  genCommand,
  verifyCommand, verifyWholeCommand,
  simCommand,
  energyCommand,
  reportCommand,
  generateFromPrompt,
  evalCommand,
  encodePrompt,
  makeModelCommand,
  implCommand,
  archListCommand,
  crosscheckCommand,
  ptqCommand,
  archPrintCommand,
  pointCommand,
  sweepCommand,
  type CommandResult,
} from './commands.js';
import { runPipeline, STEPS } from '../pipeline.js';
import { loadModel } from '../ir/load.js';
import { allBitLinears } from '../ir/types.js';
import type { SyntheticFormat } from '../ir/export/synthetic.js';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const VERSION = '0.1.0';

/** Upper bounds of counts given on the command line (fail fast instead of running for hours). */
export const LIMITS = { vectors: 100_000_000, decode: 1_000_000, prefill: 1_000_000, seq: 1_000_000, maxTokens: 1_000_000, seed: 2 ** 32 - 1 } as const;

let jsonMode = false;
/** The running subcommand, for the JSON documents' schema. */
let commandName = 'bitnet-hw';

/** A check ran and failed: its result was printed; exit 1. */
class CheckFailed extends Error {}

function emit(r: CommandResult): void {
  // An input format in its own right (arch --print) is printed as it is, so it can be read back.
  const doc = r.inputFormat ? r.json : jsonDocument(commandName, r.json);
  process.stdout.write(jsonMode ? JSON.stringify(doc) + '\n' : r.text + '\n');
}

const modelArg = { type: 'positional', description: 'checkpoint folder, IR folder or IR .safetensors file', required: true } as const;
const modelOrPresetArg = { type: 'positional', description: 'model folder or preset (paper-125m ... paper-30b, 2b4t)', required: true } as const;
const jsonArg = { type: 'boolean', description: 'print exactly one JSON document on stdout' } as const;
const forceArg = { type: 'boolean', description: 'replace a non-empty output that bitnet-hw did not write' } as const;
const archArg = { type: 'string', description: 'architecture preset or JSON file (default: default, or default-binary for binary models)' } as const;
const numericsArg = { type: 'string', description: 'float (PyTorch semantics, the default) or hw (accelerator numerics); --backend sim is hw', valueHint: 'float|hw' } as const;
const backendArg = { type: 'string', description: 'ref (the reference model), sim (the accelerator program on the simulator) or rtl (the Verilated whole-model accelerator)', default: 'ref', valueHint: 'ref|sim|rtl' } as const;
const simArchArg = { type: 'string', description: 'architecture for --backend sim or rtl (preset or JSON file; default by weight kind)', valueHint: 'ARCH' } as const;

function backendSpec(args: { backend?: string; numerics?: string; arch?: string }): BackendSpec {
  const b = args.backend ?? 'ref';
  if (b !== 'ref' && b !== 'sim' && b !== 'rtl') fail('CLI016', '--backend', `unknown backend "${b}"`, 'use --backend ref, sim or rtl', 'ref | sim | rtl');
  const numerics = args.numerics === undefined ? (b === 'ref' ? 'float' : 'hw') : parseNumerics(args.numerics);
  return { backend: b, numerics, ...(args.arch !== undefined ? { arch: args.arch } : {}) };
}
// One run shape for sim, energy and report, so their per-token figures are the same figures.
const decodeArg = { type: 'string', description: 'decoded tokens to simulate', default: '4', valueHint: 'N' } as const;
const prefillArg = { type: 'string', description: 'prompt tokens processed before decoding', default: '16', valueHint: 'N' } as const;

const inspect = defineCommand({
  meta: { name: 'inspect', description: 'Format, config, parameter counts, tensors and weight kind of a model' },
  args: { model: modelArg, json: jsonArg },
  run: ({ args }) => emit(inspectCommand(args.model)),
});

const validate = defineCommand({
  meta: { name: 'validate', description: 'Check a model and report every problem at once' },
  args: { model: modelArg, json: jsonArg },
  run: ({ args }) => emit(validateCommand(args.model)),
});

function inputTokens(modelPath: string, tokens: string | undefined, prompt: string | undefined): number[] {
  if (tokens !== undefined && prompt !== undefined) fail('CLI013', '--tokens/--prompt', 'both --tokens and --prompt given', 'pass one of them');
  if (prompt !== undefined) return encodePrompt(loadModel(modelPath), prompt);
  return parseTokens(tokens);
}

const run = defineCommand({
  meta: { name: 'run', description: 'Reference forward pass: logits for every input position' },
  args: {
    model: modelArg,
    tokens: { type: 'string', description: 'comma-separated token ids', valueHint: '1,2,3' },
    prompt: { type: 'string', description: 'text prompt instead of --tokens (byte-level models)' },
    numerics: numericsArg,
    backend: backendArg,
    arch: simArchArg,
    json: jsonArg,
  },
  run: ({ args }) => emit(runCommandLib(args.model, inputTokens(args.model, args.tokens, args.prompt), backendSpec(args), args.numerics !== undefined)),
});

const generate = defineCommand({
  meta: { name: 'generate', description: 'Greedy generation with the reference model (KV cache), the simulator or the Verilated accelerator' },
  args: {
    model: modelArg,
    prompt: { type: 'string', description: 'text prompt (byte-level models)' },
    tokens: { type: 'string', description: 'comma-separated prompt token ids instead of --prompt', valueHint: '1,2,3' },
    'max-tokens': { type: 'string', description: 'tokens to generate', default: '16' },
    numerics: numericsArg,
    backend: backendArg,
    arch: simArchArg,
    json: jsonArg,
  },
  run: ({ args }) => {
    const n = parsePositiveInt(args['max-tokens'], '--max-tokens', 16, LIMITS.maxTokens);
    if (args.prompt !== undefined && args.tokens !== undefined) fail('CLI013', '--tokens/--prompt', 'both --tokens and --prompt given', 'pass one of them');
    const spec = backendSpec(args);
    if (args.prompt !== undefined) emit(generateFromPrompt(args.model, args.prompt, n, spec, args.numerics !== undefined));
    else emit(generateCommandLib(args.model, parseTokens(args.tokens), n, spec, args.numerics !== undefined));
  },
});

const evalCmd = defineCommand({
  meta: { name: 'eval', description: 'Held-out bits per byte and perplexity on the shipped held-out text' },
  args: { model: modelArg, text: { type: 'string', description: 'held-out text file (default: models/heldout.txt)' }, numerics: numericsArg, backend: backendArg, arch: simArchArg, json: jsonArg },
  run: ({ args }) => emit(evalCommand(args.model, args.text ?? heldoutTextPath(), backendSpec(args), args.numerics !== undefined)),
});

const convert = defineCommand({
  meta: { name: 'convert', description: 'Import a checkpoint and write the IR file (safetensors + embedded IR)' },
  args: { model: modelArg, out: { type: 'string', description: 'output .safetensors path', required: true }, force: forceArg, json: jsonArg },
  run: ({ args }) => emit(convertCommand(args.model, args.out, args.force === true)),
});

const dump = defineCommand({
  meta: { name: 'dump', description: 'Canonical text dump of the IR (tensors as dtype, shape, hash)' },
  args: { model: modelArg, json: jsonArg },
  run: ({ args }) => emit(dumpCommand(args.model)),
});

const FORMATS: readonly SyntheticFormat[] = ['hf-packed', 'hf-master', 'llama-1bitllm', 'paper-binary'];
const makeModel = defineCommand({
  meta: { name: 'make-model', description: 'Write a seeded random checkpoint in any supported layout (fixtures, benchmarks)' },
  args: {
    out: { type: 'positional', description: 'output folder', required: true },
    format: { type: 'string', default: 'hf-packed', valueHint: FORMATS.join('|') },
    preset: { type: 'string', description: 'tiny | 2b4t', default: 'tiny' },
    seed: { type: 'string', default: '1' },
    force: forceArg,
    json: jsonArg,
  },
  run: ({ args }) => {
    const format = args.format as SyntheticFormat;
    if (!FORMATS.includes(format)) fail('CLI020', '--format', `unknown format ${args.format}`, `use one of ${FORMATS.join(', ')}`);
    const presets = {
      tiny: { hidden: 128, layers: 2, heads: 4, kvHeads: 2, ffnHidden: 320, vocab: 260 },
      '2b4t': { hidden: 2560, layers: 30, heads: 20, kvHeads: 5, ffnHidden: 6912, vocab: 128256, maxPositions: 4096, randomCodes: true },
    } as const;
    const p = Object.prototype.hasOwnProperty.call(presets, args.preset) ? presets[args.preset as keyof typeof presets] : undefined;
    if (!p) fail('CLI021', '--preset', `unknown preset ${args.preset}`, 'use tiny or 2b4t');
    makeModelCommand(args.out, { ...p, format, seed: parseCount(args.seed, '--seed', LIMITS.seed) }, args.force === true);
    emit({ json: { out: args.out, format, preset: args.preset }, text: `wrote ${format} checkpoint (${args.preset}) to ${args.out}` });
  },
});

const gen = defineCommand({
  meta: { name: 'gen', description: 'Generate Verilog for one BitLinear layer, the engine running all of them, or (--whole) the whole-model accelerator' },
  args: {
    model: modelArg,
    arch: archArg,
    out: { type: 'string', description: 'output folder (a new folder, or one bitnet-hw wrote before)', required: true },
    layer: { type: 'string', description: 'a single BitLinear, e.g. layers.0.attn.q' },
    whole: { type: 'boolean', description: 'the whole-model accelerator: token ids in, logits and the argmax out (with its manifest, program image and host driver)' },
    force: forceArg,
    json: jsonArg,
  },
  run: ({ args }) => emit(genCommand(args.model, args.arch, args.out, args.layer, args.force === true, args.whole === true)),
});

const compile = defineCommand({
  meta: { name: 'compile', description: 'Compile a model to the whole-model accelerator program: summary, listing, binary image' },
  args: {
    model: modelOrPresetArg,
    arch: archArg,
    listing: { type: 'boolean', description: 'print the human-readable listing' },
    out: { type: 'string', description: 'write program.bin, program.json and program.lst to this folder' },
    force: forceArg,
    json: jsonArg,
  },
  run: ({ args }) => emit(compileCommand(args.model, args.arch, { listing: args.listing === true, ...(args.out !== undefined ? { out: args.out } : {}), force: args.force === true })),
});

const verify = defineCommand({
  meta: { name: 'verify', description: 'Prove the RTL bit-exact: the engine against the reference on the model\'s real layers, or (--whole) the whole-model accelerator token for token against the simulator and the hw reference (exit 1 on any failure)' },
  args: {
    model: modelArg,
    arch: archArg,
    whole: { type: 'boolean', description: 'the whole-model accelerator on held-out text through the Verilator harness: logits, argmax, cycles, issue cycles and action counters against the simulator' },
    positions: { type: 'string', description: 'with --whole: held-out positions to run (default 32)', valueHint: 'N' },
    block: { type: 'string', description: 'with --whole: tokens of the first run (a prompt block; default 8, at most the row block)', valueHint: 'N' },
    rtl: { type: 'string', description: 'simulate the RTL in this folder (written by `gen`) instead of generating it' },
    sim: { type: 'string', description: 'verilator (C++ harness) or icarus (cocotb bench)' },
    vectors: { type: 'string', description: 'token vectors to run (default 2000)' },
    seed: { type: 'string', description: 'stimulus and stall seed', default: '1' },
    layer: { type: 'string', description: 'verify a single BitLinear' },
    token: { type: 'string', description: 'run only this token of the vector set (rerun a failure)', valueHint: 'N' },
    trace: { type: 'string', description: 'on a mismatch, write a waveform (FST on Verilator, VCD on Icarus) around it', valueHint: 'FILE' },
    json: jsonArg,
  },
  run: ({ args }) => {
    if (args.trace !== undefined && args.trace.trim() === '') fail('OUT001', '--trace', 'the trace path is empty', 'pass --trace with a file path');
    const seed = parseCount(args.seed, '--seed', LIMITS.seed);
    if (args.whole === true) {
      for (const [flag, v] of [['--rtl', args.rtl], ['--sim', args.sim], ['--vectors', args.vectors], ['--layer', args.layer], ['--token', args.token]] as const) {
        if (v !== undefined) fail('CLI020', flag, `${flag} applies to the engine's verify, not to --whole`, `drop ${flag}, or drop --whole`);
      }
      const r = verifyWholeCommand(args.model, args.arch, {
        positions: parsePositiveInt(args.positions, '--positions', 32, LIMITS.vectors),
        block: parsePositiveInt(args.block, '--block', 8, LIMITS.vectors),
        seed,
        ...(args.trace !== undefined ? { trace: args.trace } : {}),
      });
      emit(r);
      if (!(r.json as { passed: boolean }).passed) throw new CheckFailed();
      return;
    }
    for (const [flag, v] of [['--positions', args.positions], ['--block', args.block]] as const) {
      if (v !== undefined) fail('CLI020', flag, `${flag} applies to --whole only`, `add --whole, or drop ${flag}`);
    }
    const vectors = parsePositiveInt(args.vectors, '--vectors', 2000, LIMITS.vectors);
    const r = verifyCommand(args.model, args.arch, {
      sim: parseSim(args.sim ?? 'verilator'),
      vectors,
      seed,
      ...(args.rtl !== undefined ? { rtlDir: args.rtl } : {}),
      ...(args.layer !== undefined ? { layer: args.layer } : {}),
      ...(args.token !== undefined ? { token: parseCount(args.token, '--token', vectors - 1) } : {}),
      ...(args.trace !== undefined ? { trace: args.trace } : {}),
    });
    emit(r);
    if (!(r.json as { passed: boolean }).passed) throw new CheckFailed();
  },
});

const impl = defineCommand({
  meta: { name: 'impl', description: 'Synthesis (Yosys) and place and route with timing (nextpnr-ecp5) of the generated engine, or (--whole) of the whole-model accelerator with its area by unit; exit 1 when the clock is missed' },
  args: {
    model: modelArg,
    arch: archArg,
    whole: { type: 'boolean', description: 'the whole-model accelerator (its synthesis build, as gen --whole writes it): Fmax, fit, the critical path by unit and every unit\'s cells (tens of minutes)' },
    target: { type: 'string', description: 'FPGA target', default: 'ecp5-85k' },
    seed: { type: 'string', description: 'placement seed', default: '1' },
    freq: { type: 'string', description: 'clock constraint in MHz (default: the architecture\'s clockMHz)', valueHint: 'MHz' },
    bitstream: { type: 'string', description: 'also pack an ECP5 bitstream (ecppack) into this file', valueHint: 'FILE' },
    json: jsonArg,
  },
  run: ({ args }) => {
    const r = implCommand(args.model, args.arch, {
      whole: args.whole === true,
      target: args.target,
      seed: parseCount(args.seed, '--seed', LIMITS.seed),
      ...(args.freq !== undefined ? { targetMHz: parsePositiveInt(args.freq, '--freq', 100, 1000) } : {}),
      ...(args.bitstream !== undefined ? { bitstream: args.bitstream } : {}),
    });
    emit(r);
    if (!(r.json as { met: boolean }).met) throw new CheckFailed();
  },
});

const sim = defineCommand({
  meta: { name: 'sim', description: 'Cycle-level simulation of a model (folder or preset) on an architecture' },
  args: {
    model: modelOrPresetArg,
    arch: archArg,
    decode: decodeArg,
    prefill: prefillArg,
    functional: { type: 'boolean', description: 'functional mode: run --tokens/--prompt with every BitLinear on the engine model, logits checked against the hw reference' },
    tokens: { type: 'string', description: 'token ids for --functional', valueHint: '1,2,3' },
    prompt: { type: 'string', description: 'text prompt for --functional (byte-level models)' },
    json: jsonArg,
  },
  run: ({ args }) => {
    if (!args.functional && (args.tokens !== undefined || args.prompt !== undefined)) fail('CLI014', '--tokens', '--tokens and --prompt are inputs of --functional', 'add --functional, or pass --decode N for the number of decoded tokens');
    const r = simCommand(
      args.model,
      args.arch,
      parsePositiveInt(args.decode, '--decode', 4, LIMITS.decode),
      parseCount(args.prefill, '--prefill', LIMITS.prefill),
      args.functional ? inputTokens(args.model, args.tokens, args.prompt) : undefined,
    );
    emit(r);
    if ((r.json as { passed?: boolean }).passed === false) throw new CheckFailed();
  },
});

const energy = defineCommand({
  meta: { name: 'energy', description: 'Energy: the papers\' arithmetic method (totals over one sequence), or the simulator\'s actions priced (per decoded and per prompt token, power)' },
  args: {
    model: { ...modelOrPresetArg, required: false },
    method: { type: 'string', description: 'paper | activity', default: 'paper' },
    'model-spec': { type: 'string', description: 'model folder or preset (alias of the positional)', alias: ['m', 'model'] },
    node: { type: 'string', description: '45nm | 7nm | table.json', default: '7nm' },
    seq: { type: 'string', description: 'sequence length (paper method)', default: '512' },
    arch: archArg,
    decode: decodeArg,
    prefill: prefillArg,
    json: jsonArg,
  },
  run: ({ args }) => {
    const spec = args.model ?? args['model-spec'];
    if (args.model !== undefined && args['model-spec'] !== undefined && args.model !== args['model-spec']) fail('CLI015', '--model', 'two different models given', 'pass the model once, as the positional argument');
    if (!spec) fail('CLI007', 'model', 'no model given', 'pass a model folder or preset: bitnet-hw energy 2b4t');
    emit(energyCommand(args.method, spec, args.node, {
      ...(args.arch !== undefined ? { arch: args.arch } : {}),
      seq: parsePositiveInt(args.seq, '--seq', 512, LIMITS.seq),
      tokens: parsePositiveInt(args.decode, '--decode', 4, LIMITS.decode),
      prefill: parseCount(args.prefill, '--prefill', LIMITS.prefill),
    }));
  },
});

const report = defineCommand({
  meta: { name: 'report', description: 'Report of a simulated run: Markdown, a self-contained HTML page (KPIs, tables, charts) and the first decoded token\'s timeline as a Chrome trace' },
  args: {
    model: modelOrPresetArg,
    arch: archArg,
    node: { type: 'string', description: '45nm | 7nm | table.json', default: '7nm' },
    out: { type: 'string', description: 'output folder', required: true },
    decode: decodeArg,
    prefill: prefillArg,
    force: forceArg,
    json: jsonArg,
  },
  run: ({ args }) => emit(reportCommand(args.model, args.arch, args.node, args.out, parsePositiveInt(args.decode, '--decode', 4, LIMITS.decode), parseCount(args.prefill, '--prefill', LIMITS.prefill), args.force === true)),
});

const pointArgsDef = {
  impl: { type: 'boolean', description: 'also place and route (nextpnr-ecp5, minutes): Fmax, utilisation, fits; tokens/s at the achieved clock' },
  'sim-only': { type: 'boolean', description: 'skip synthesis: simulator and energy only (no area)' },
  target: { type: 'string', description: 'FPGA target', default: 'ecp5-85k' },
  seed: { type: 'string', description: 'placement seed', default: '1' },
  node: { type: 'string', description: 'energy table: 45nm | 7nm | table.json', default: '7nm' },
  decode: decodeArg,
  prefill: prefillArg,
  json: jsonArg,
} as const;

function pointOptions(args: { impl?: boolean; 'sim-only'?: boolean; target: string; seed: string; node: string; decode: string; prefill: string }) {
  if (args.impl && args['sim-only']) fail('CLI061', '--sim-only', '--impl synthesizes and places the design', 'drop one of --impl and --sim-only');
  return {
    impl: args.impl === true,
    ...(args['sim-only'] === true ? { noSynth: true } : {}),
    target: args.target,
    seed: parseCount(args.seed, '--seed', LIMITS.seed),
    node: args.node,
    decode: parsePositiveInt(args.decode, '--decode', 4, LIMITS.decode),
    prefill: parseCount(args.prefill, '--prefill', LIMITS.prefill),
  };
}

const point = defineCommand({
  meta: { name: 'point', description: 'One design point measured: simulator tokens/s, energy per token, ECP5 area from synthesis and, with --impl, place and route (what each sweep worker runs)' },
  args: { model: modelOrPresetArg, arch: archArg, ...pointArgsDef },
  run: ({ args }) => emit(pointCommand(args.model, args.arch, pointOptions(args))),
});

const sweep = defineCommand({
  meta: { name: 'sweep', description: 'Design-space sweep: every point of a space file measured on a local worker pool or a Ray cluster, the Pareto front (tokens/s, J/token, LUT4), JSON, CSV and an HTML scatter; exit 1 if a point failed' },
  args: {
    model: modelOrPresetArg,
    space: { type: 'string', description: 'space file (JSON): value lists or ranges per knob and a sampling rule', required: true, valueHint: 'FILE' },
    out: { type: 'string', description: 'output folder', required: true },
    workers: { type: 'string', description: 'local worker processes (default: the number of cores)', valueHint: 'N' },
    ray: { type: 'string', description: 'run each point as a task on an existing Ray cluster: auto or HOST:PORT', valueHint: 'ADDRESS' },
    presets: { type: 'string', description: 'presets measured beside the space, to compare against: all (of the model\'s weight kind), none, or NAME,NAME', default: 'all', valueHint: 'all|none|A,B' },
    force: forceArg,
    ...pointArgsDef,
  },
  run: async ({ args }) => {
    const r = await sweepCommand(args.model, args.space, args.out, {
      ...pointOptions(args),
      ...(args.workers !== undefined ? { workers: parsePositiveInt(args.workers, '--workers', 1, 256) } : {}),
      ...(args.ray !== undefined ? { ray: args.ray } : {}),
      ...(args.presets !== 'all' ? { presets: args.presets === 'none' ? [] : args.presets.split(',').filter(Boolean) } : {}),
      force: args.force === true,
    });
    emit(r);
    if (r.failed > 0) throw new CheckFailed();
  },
});

const ptq = defineCommand({
  meta: { name: 'ptq', description: 'Post-training quantization of a full-precision baseline: W1.58A8 absmean ternary or the paper\'s binary W1A8 (BitNet checkpoints), or W8A8 int8 (float reference only)' },
  args: {
    model: modelArg,
    method: { type: 'string', description: 'absmean-ternary | binary | int8', required: true, valueHint: 'METHOD' },
    out: { type: 'string', description: 'output checkpoint folder', required: true },
    force: forceArg,
    json: jsonArg,
  },
  run: ({ args }) => emit(ptqCommand(args.model, args.method, args.out, args.force === true)),
});

const crosscheckCmd = defineCommand({
  meta: { name: 'crosscheck', description: 'A prompt end to end with every BitLinear on the Verilated RTL: exactness per layer, logits against a reference (exit 1 if the RTL is not exact)' },
  args: {
    model: modelArg,
    prompt: { type: 'string', description: 'text prompt (byte-level models)' },
    tokens: { type: 'string', description: 'comma-separated token ids instead of --prompt', valueHint: '1,2,3' },
    arch: archArg,
    rtl: { type: 'string', description: 'the RTL folder to run (written by `gen`; default: freshly generated)' },
    against: { type: 'string', description: 'reference for the logits', default: 'float', valueHint: 'float|hw|torch' },
    seed: { type: 'string', description: 'stall seed', default: '1' },
    json: jsonArg,
  },
  run: ({ args }) => {
    const against = args.against;
    if (against !== 'float' && against !== 'hw' && against !== 'torch') fail('CLI053', '--against', `unknown reference ${JSON.stringify(against)}`, 'use --against float, hw or torch', 'float | hw | torch');
    if (args.tokens === undefined && args.prompt === undefined) fail('XC001', '--prompt', 'no input given', 'pass --prompt TEXT or --tokens 1,2,3');
    const r = crosscheckCommand(args.model, args.arch, inputTokens(args.model, args.tokens, args.prompt), {
      against,
      seed: parseCount(args.seed, '--seed', LIMITS.seed),
      ...(args.rtl !== undefined ? { rtlDir: args.rtl } : {}),
    });
    emit(r);
    if (!(r.json as { passed: boolean }).passed) throw new CheckFailed();
  },
});

/** A demo summary value for people: energies in engineering units, counts with separators. */
function summaryValue(key: string, v: unknown): string {
  if (typeof v !== 'number') return JSON.stringify(v);
  if (/J$/.test(key)) return si(v, 'J');
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(4)));
}

const archCmd = defineCommand({
  meta: { name: 'arch', description: 'List the architecture presets, or print one (every default written out) to start a custom architecture' },
  args: {
    list: { type: 'boolean', description: 'list the presets' },
    print: { type: 'string', description: 'print this preset as JSON (valid input for --arch FILE)', valueHint: 'NAME' },
    json: jsonArg,
  },
  run: ({ args }) => {
    if (args.list && args.print !== undefined) fail('CLI051', '--list/--print', 'both --list and --print given', 'pass one of them');
    if (args.print !== undefined) emit(archPrintCommand(args.print));
    else if (args.list) emit(archListCommand());
    else fail('CLI052', 'arch', 'nothing to do', 'pass --list, or --print NAME');
  },
});

const demo = defineCommand({
  meta: { name: 'demo', description: 'The main job on the shipped default model: every pipeline stage, with a report (exit 1 if a check fails)' },
  args: {
    model: { type: 'positional', description: 'model to use instead of the shipped default', required: false },
    'model-path': { type: 'string', description: 'alias of the positional model', alias: ['model'] },
    prompt: { type: 'string', description: 'text prompt (byte-level models)' },
    tokens: { type: 'string', description: 'prompt token ids instead of --prompt (models that are not byte-level)' },
    'max-tokens': { type: 'string', default: '24' },
    arch: archArg,
    out: { type: 'string', description: 'folder for the RTL and the report', default: 'demo-out' },
    vectors: { type: 'string', description: 'token vectors for RTL verification', default: '2000' },
    force: forceArg,
    json: jsonArg,
  },
  run: ({ args }) => {
    const modelPath = args.model ?? args['model-path'] ?? defaultModelDir();
    const out = checkOutputDir(args.out, { inputs: [modelPath], force: args.force === true });
    const model = loadModel(modelPath);
    const kind = allBitLinears(model.ir)[0]!.weight.weightKind;
    const tokens = args.tokens !== undefined ? inputTokens(modelPath, args.tokens, args.prompt) : encodePrompt(model, args.prompt ?? 'The hacker ');
    const archName = args.arch ?? (kind === 'binary' ? 'default-binary' : 'default');
    try {
      fs.mkdirSync(out, { recursive: true });
    } catch (e) {
      fail('OUT010', args.out, `cannot create the output folder (${(e as NodeJS.ErrnoException).code})`, 'choose a location you may write to');
    }
    writeFileAtomic(path.join(out, '.bitnet-hw-output'), JSON.stringify({ tool: 'bitnet-hw', kind: 'demo' }) + '\n');
    const failures: string[] = [];
    const reports = runPipeline({
      modelPath,
      archName,
      outDir: out,
      vectors: parsePositiveInt(args.vectors, '--vectors', 2000, LIMITS.vectors),
      tokens,
      maxNew: parsePositiveInt(args['max-tokens'], '--max-tokens', 24, LIMITS.maxTokens),
      failures,
    }, STEPS, (r, i, n) => {
      if (progressEnabled()) process.stderr.write(`demo [${i + 1}/${n}] ${r.step}: done in ${(r.ms / 1000).toFixed(1)} s${failures.length ? ` (${failures.length} failed checks so far)` : ''}\n`);
    });
    const text = [
      `bitnet-hw demo on ${modelPath}`,
      `pipeline: ${STEPS.map((s) => s.name).join(' -> ')}`,
      ...reports.map((r) => `[${r.step}] ${(r.ms / 1000).toFixed(2)} s\n${Object.entries(r.summary).map(([k, v]) => `    ${snakeKey(k)}: ${summaryValue(k, v)}`).join('\n')}`),
      failures.length ? `FAILED checks:\n${failures.map((f) => `  ${f}`).join('\n')}` : 'all checks passed',
    ].join('\n');
    emit({ json: { model: modelPath, passed: failures.length === 0, failures, steps: reports }, text });
    if (failures.length) throw new CheckFailed();
  },
});

export const main: CommandDef = defineCommand({
  meta: { name: 'bitnet-hw', version: VERSION, description: 'BitNet to hardware: IR, reference, simulator, Verilog, energy' },
  subCommands: { inspect, validate, run, generate, eval: evalCmd, convert, dump, 'make-model': makeModel, gen, compile, verify, impl, sim, energy, report, arch: archCmd, crosscheck: crosscheckCmd, ptq, point, sweep, demo },
});

function subCommandOf(rawArgs: readonly string[]): { name: string; cmd: CommandDef } | null {
  const subs = (main.subCommands ?? {}) as Record<string, CommandDef>;
  const name = rawArgs[0];
  return name !== undefined && Object.prototype.hasOwnProperty.call(subs, name) ? { name, cmd: subs[name]! } : null;
}

async function usageFor(rawArgs: readonly string[]): Promise<string> {
  const sub = subCommandOf(rawArgs);
  const text = sub ? await renderUsage(sub.cmd, main) : await renderUsage(main);
  // Colours only for a terminal: pipes and files get plain text.
  return process.stdout.isTTY ? text : text.replace(/\u001b\[[0-9;]*m/g, '');
}

function usageError(code: string, message: string, hint: string): number {
  process.stderr.write(`error ${code}: ${message}\n  fix: ${hint}\n`);
  if (jsonMode) process.stdout.write(JSON.stringify(jsonDocument('error', { error: { diagnostics: [{ code, severity: 'error', path: 'argv', message, hint }] } })) + '\n');
  return 2;
}

export async function cli(rawArgs: string[]): Promise<number> {
  jsonMode = rawArgs.includes('--json');
  setProgressEnabled(!jsonMode);
  if (rawArgs.length === 0) {
    process.stdout.write((await usageFor(rawArgs)) + '\n');
    return 2;
  }
  const first = rawArgs[0]!;
  if (first === '--version' || first === '-v') {
    const rest = rawArgs.slice(1).filter((a) => a !== '--json');
    if (rest.length) return usageError('CLI030', `unexpected argument ${JSON.stringify(rest[0])} after --version`, 'run `bitnet-hw --version [--json]`');
    process.stdout.write(jsonMode ? JSON.stringify(jsonDocument('version', { version: VERSION })) + '\n' : VERSION + '\n');
    return 0;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write((await usageFor([])) + '\n');
    return 0;
  }
  const sub = subCommandOf(rawArgs);
  if (!sub) {
    return usageError('CLI032', first.startsWith('-') ? `unknown flag ${first} (a command comes first)` : `unknown command ${JSON.stringify(first)}`, `run \`bitnet-hw --help\` for the commands: ${Object.keys(main.subCommands ?? {}).join(', ')}`);
  }
  commandName = sub.name;
  const rest = rawArgs.slice(1);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write((await usageFor(rawArgs)) + '\n');
    return 0;
  }
  try {
    checkArgs(rest, ((sub.cmd.args ?? {}) as ArgsDef), sub.name);
    await runCommand(main, { rawArgs });
    return 0;
  } catch (e) {
    if (e instanceof CheckFailed) return 1;
    if (e instanceof BitnetError) {
      process.stderr.write(formatDiagnostics(e.diagnostics) + '\n');
      if (jsonMode) process.stdout.write(JSON.stringify(jsonDocument('error', { error: { diagnostics: e.diagnostics } })) + '\n');
      return 2;
    }
    if (e instanceof Error && e.name === 'CLIError') {
      process.stderr.write((await usageFor(rawArgs)) + '\n\n');
      return usageError('CLI000', e.message.replace(/\u001b\[[0-9;]*m/g, ''), 'see the usage above');
    }
    process.stderr.write(`internal error (a bug of bitnet-hw; please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    if (jsonMode) process.stdout.write(JSON.stringify(jsonDocument('error', { error: { internal: e instanceof Error ? e.message : String(e) } })) + '\n');
    return 3;
  }
}
