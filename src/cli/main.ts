/**
 * bitnet-hw command line: a thin shell over the library (citty for parsing).
 * Exit codes: 0 success, 2 bad input or usage, 1 internal failure. Only this file exits.
 * With --json every command prints exactly one JSON document on stdout (errors included).
 */
import { defineCommand, renderUsage, runCommand, type CommandDef } from 'citty';
import { BitnetError, formatDiagnostics } from '../util/diagnostics.js';
import { defaultModelDir, heldoutTextPath } from '../util/paths.js';
import { parseCount, parseNumerics, parsePositiveInt, parseSim, parseTokens } from './args.js';
import {
  convertCommand,
  dumpCommand,
  generateCommandLib,
  inspectCommand,
  runCommandLib,
  validateCommand,
  genCommand,
  verifyCommand,
  simCommand,
  energyCommand,
  reportCommand,
  generateFromPrompt,
  evalCommand,
  encodePrompt,
  type CommandResult,
} from './commands.js';
import { runPipeline, STEPS } from '../pipeline.js';
import { loadModel } from '../ir/load.js';
import { writeSyntheticCheckpoint, type SyntheticFormat } from '../ir/export/synthetic.js';
import { fail } from '../util/diagnostics.js';

const VERSION = '0.1.0';

let jsonMode = false;

/** Verification ran and found mismatches: the result was printed; exit 1. */
class VerificationFailed extends Error {}

function emit(r: CommandResult): void {
  process.stdout.write(jsonMode ? JSON.stringify(r.json) + '\n' : r.text + '\n');
}

const modelArg = { type: 'positional', description: 'checkpoint folder, IR folder or IR .safetensors file', required: true } as const;
const jsonArg = { type: 'boolean', description: 'print exactly one JSON document on stdout' } as const;
const numericsArg = { type: 'string', description: 'float (PyTorch semantics) or hw (accelerator numerics)', default: 'float', valueHint: 'float|hw' } as const;

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

const run = defineCommand({
  meta: { name: 'run', description: 'Reference forward pass: logits for every input position' },
  args: {
    model: modelArg,
    tokens: { type: 'string', description: 'comma-separated token ids', required: true, valueHint: '1,2,3' },
    numerics: numericsArg,
    json: jsonArg,
  },
  run: ({ args }) => emit(runCommandLib(args.model, parseTokens(args.tokens), parseNumerics(args.numerics))),
});

const generate = defineCommand({
  meta: { name: 'generate', description: 'Greedy generation with the reference model (KV cache)' },
  args: {
    model: modelArg,
    prompt: { type: 'string', description: 'text prompt (byte-level models)' },
    tokens: { type: 'string', description: 'comma-separated prompt token ids instead of --prompt', valueHint: '1,2,3' },
    'max-tokens': { type: 'string', description: 'tokens to generate', default: '16' },
    numerics: numericsArg,
    json: jsonArg,
  },
  run: ({ args }) => {
    const n = parsePositiveInt(args['max-tokens'], '--max-tokens', 16);
    if (args.prompt !== undefined) emit(generateFromPrompt(args.model, args.prompt, n, parseNumerics(args.numerics)));
    else emit(generateCommandLib(args.model, parseTokens(args.tokens), n, parseNumerics(args.numerics)));
  },
});

const evalCmd = defineCommand({
  meta: { name: 'eval', description: 'Held-out bits per byte and perplexity on the shipped held-out text' },
  args: { model: modelArg, text: { type: 'string', description: 'held-out text file (default: models/heldout.txt)' }, json: jsonArg },
  run: ({ args }) => emit(evalCommand(args.model, args.text ?? heldoutTextPath())),
});

const convert = defineCommand({
  meta: { name: 'convert', description: 'Import a checkpoint and write the IR file (safetensors + embedded IR)' },
  args: { model: modelArg, out: { type: 'string', description: 'output .safetensors path', required: true }, json: jsonArg },
  run: ({ args }) => emit(convertCommand(args.model, args.out)),
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
    json: jsonArg,
  },
  run: ({ args }) => {
    const format = args.format as SyntheticFormat;
    if (!FORMATS.includes(format)) fail('CLI020', '--format', `unknown format ${args.format}`, `use one of ${FORMATS.join(', ')}`);
    const presets = {
      tiny: { hidden: 128, layers: 2, heads: 4, kvHeads: 2, ffnHidden: 320, vocab: 260 },
      '2b4t': { hidden: 2560, layers: 30, heads: 20, kvHeads: 5, ffnHidden: 6912, vocab: 128256, maxPositions: 4096, randomCodes: true },
    } as const;
    const p = presets[args.preset as keyof typeof presets];
    if (!p) fail('CLI021', '--preset', `unknown preset ${args.preset}`, 'use tiny or 2b4t');
    writeSyntheticCheckpoint(args.out, { ...p, format, seed: parsePositiveInt(args.seed, '--seed', 1) });
    emit({ json: { out: args.out, format, preset: args.preset }, text: `wrote ${format} checkpoint (${args.preset}) to ${args.out}` });
  },
});

const gen = defineCommand({
  meta: { name: 'gen', description: 'Generate Verilog for one BitLinear layer or the engine running all of them' },
  args: {
    model: modelArg,
    arch: { type: 'string', description: 'architecture preset or JSON file', default: 'default' },
    out: { type: 'string', description: 'output folder (replaced)', required: true },
    layer: { type: 'string', description: 'a single BitLinear, e.g. layers.0.attn.q' },
    json: jsonArg,
  },
  run: ({ args }) => emit(genCommand(args.model, args.arch, args.out, args.layer)),
});

const verify = defineCommand({
  meta: { name: 'verify', description: 'Prove the generated RTL bit-exact against the reference on the model\'s real layers' },
  args: {
    model: modelArg,
    arch: { type: 'string', description: 'architecture preset or JSON file', default: 'default' },
    rtl: { type: 'string', description: 'verify RTL already generated into this folder' },
    sim: { type: 'string', description: 'verilator (C++ harness) or icarus (cocotb bench)', default: 'verilator' },
    vectors: { type: 'string', description: 'token vectors to run', default: '2000' },
    seed: { type: 'string', description: 'stimulus and stall seed', default: '1' },
    layer: { type: 'string', description: 'verify a single BitLinear' },
    json: jsonArg,
  },
  run: ({ args }) => {
    const r = verifyCommand(args.model, args.arch, {
      sim: parseSim(args.sim),
      vectors: parsePositiveInt(args.vectors, '--vectors', 2000),
      seed: parsePositiveInt(args.seed, '--seed', 1),
      ...(args.rtl ? { rtlDir: args.rtl } : {}),
      ...(args.layer ? { layer: args.layer } : {}),
    });
    emit(r);
    if ((r.json as { mismatches: number }).mismatches > 0) throw new VerificationFailed();
  },
});

const sim = defineCommand({
  meta: { name: 'sim', description: 'Cycle-level simulation of a model (folder or preset) on an architecture' },
  args: {
    model: { type: 'positional', description: 'model folder or preset (paper-125m ... paper-30b, 2b4t)', required: true },
    arch: { type: 'string', description: 'architecture preset or JSON file', default: 'default' },
    tokens: { type: 'string', description: 'decode tokens', default: '1' },
    prefill: { type: 'string', description: 'prompt tokens processed first', default: '0' },
    functional: { type: 'string', description: 'functional mode: run these token ids with every BitLinear on the engine model', valueHint: '1,2,3' },
    json: jsonArg,
  },
  run: ({ args }) =>
    emit(simCommand(args.model, args.arch, parsePositiveInt(args.tokens, '--tokens', 1), parseCount(args.prefill, '--prefill'), args.functional ? parseTokens(args.functional, '--functional') : undefined)),
});

const energy = defineCommand({
  meta: { name: 'energy', description: 'Energy per token: the papers\' arithmetic method or activity-based from the simulator' },
  args: {
    model: { type: 'positional', description: 'model folder or preset', required: false },
    method: { type: 'string', description: 'paper | activity', default: 'paper' },
    'model-spec': { type: 'string', description: 'model folder or preset (alias of the positional)', alias: 'm' },
    node: { type: 'string', description: '45nm | 7nm | table.json', default: '7nm' },
    seq: { type: 'string', description: 'sequence length (paper method)', default: '512' },
    arch: { type: 'string', description: 'architecture (activity method)' },
    tokens: { type: 'string', default: '1' },
    prefill: { type: 'string', default: '0' },
    json: jsonArg,
  },
  run: ({ args, rawArgs }) => {
    const mi = rawArgs.indexOf('--model');
    const spec = (mi >= 0 ? rawArgs[mi + 1] : undefined) ?? args['model-spec'] ?? args.model;
    if (!spec) fail('CLI007', '--model', 'no model given', 'pass a model folder or preset: --model 2b4t');
    emit(energyCommand(args.method, spec, args.node, {
      ...(args.arch ? { arch: args.arch } : {}),
      seq: parsePositiveInt(args.seq, '--seq', 512),
      tokens: parsePositiveInt(args.tokens, '--tokens', 1),
      prefill: parseCount(args.prefill, '--prefill'),
    }));
  },
});

const report = defineCommand({
  meta: { name: 'report', description: 'Markdown and self-contained HTML report with charts (energy, cycles, BitNet vs FP16)' },
  args: {
    model: { type: 'positional', description: 'model folder or preset', required: true },
    arch: { type: 'string', description: 'architecture preset or JSON file' },
    node: { type: 'string', default: '7nm' },
    out: { type: 'string', description: 'output folder', required: true },
    tokens: { type: 'string', default: '4' },
    prefill: { type: 'string', default: '16' },
    json: jsonArg,
  },
  run: ({ args }) => emit(reportCommand(args.model, args.arch, args.node, args.out, parsePositiveInt(args.tokens, '--tokens', 4), parseCount(args.prefill, '--prefill'))),
});

const demo = defineCommand({
  meta: { name: 'demo', description: 'The main job on the shipped default model: every pipeline stage, with a report' },
  args: {
    model: { type: 'string', description: 'model to use instead of the shipped default' },
    prompt: { type: 'string', description: 'text prompt (byte-level models)', default: 'The hacker ' },
    tokens: { type: 'string', description: 'prompt token ids instead of --prompt (models that are not byte-level)' },
    'max-tokens': { type: 'string', default: '24' },
    arch: { type: 'string', description: 'architecture preset or JSON file', default: 'default' },
    out: { type: 'string', description: 'folder for the RTL and the report', default: 'demo-out' },
    vectors: { type: 'string', description: 'token vectors for RTL verification', default: '2000' },
    json: jsonArg,
  },
  run: ({ args }) => {
    const modelPath = args.model ?? defaultModelDir();
    const reports = runPipeline({
      modelPath,
      archName: args.arch,
      outDir: args.out,
      vectors: parsePositiveInt(args.vectors, '--vectors', 2000),
      tokens: args.tokens !== undefined ? parseTokens(args.tokens) : encodePrompt(loadModel(modelPath), args.prompt),
      maxNew: parsePositiveInt(args['max-tokens'], '--max-tokens', 24),
    });
    const text = [
      `bitnet-hw demo on ${modelPath}`,
      `pipeline: ${STEPS.map((s) => s.name).join(' -> ')}`,
      ...reports.map((r) => `[${r.step}] ${r.ms.toFixed(1)} ms\n${Object.entries(r.summary).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n')}`),
    ].join('\n');
    emit({ json: { model: modelPath, steps: reports }, text });
  },
});

export const main: CommandDef = defineCommand({
  meta: { name: 'bitnet-hw', version: VERSION, description: 'BitNet to hardware: IR, reference, simulator, Verilog, energy' },
  subCommands: { inspect, validate, run, generate, eval: evalCmd, convert, dump, 'make-model': makeModel, gen, verify, sim, energy, report, demo },
});

async function usageFor(rawArgs: readonly string[]): Promise<string> {
  const subs = (main.subCommands ?? {}) as Record<string, CommandDef>;
  const name = rawArgs.find((a) => !a.startsWith('-'));
  const sub = name ? subs[name] : undefined;
  return sub ? renderUsage(sub, main) : renderUsage(main);
}

export async function cli(rawArgs: string[]): Promise<number> {
  jsonMode = rawArgs.includes('--json');
  if (rawArgs.length === 0 || rawArgs.includes('--help') || rawArgs.includes('-h')) {
    process.stdout.write((await usageFor(rawArgs)) + '\n');
    return rawArgs.length === 0 ? 2 : 0;
  }
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  try {
    await runCommand(main, { rawArgs });
    return 0;
  } catch (e) {
    if (e instanceof VerificationFailed) return 1;
    if (e instanceof BitnetError) {
      process.stderr.write(formatDiagnostics(e.diagnostics) + '\n');
      if (jsonMode) process.stdout.write(JSON.stringify({ error: { diagnostics: e.diagnostics } }) + '\n');
      return 2;
    }
    if (e instanceof Error && e.name === 'CLIError') {
      process.stderr.write((await usageFor(rawArgs)) + '\n\n' + `error CLI000: ${e.message}\n`);
      if (jsonMode) process.stdout.write(JSON.stringify({ error: { diagnostics: [{ code: 'CLI000', severity: 'error', path: 'argv', message: e.message, hint: 'see the usage above' }] } }) + '\n');
      return 2;
    }
    process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    if (jsonMode) process.stdout.write(JSON.stringify({ error: { internal: e instanceof Error ? e.message : String(e) } }) + '\n');
    return 1;
  }
}
