/**
 * The whole-model accelerator (src/codegen/whole.ts, templates/verilog/bnhw_top.v.hbs,
 * bnhw_lin.v.hbs, bnhw_prom.v.hbs) against the simulator and the hw reference: lint and
 * reproducibility, the generator's refusals, and the Verilator whole-model harness
 * (hw/harness/whole_harness.cpp) on held-out text: every run's logits bit for bit, its argmax,
 * its cycles, every instruction's issue cycle and every action counter equal to the simulator's,
 * whose logits equal the hw reference's; and a broken design's first difference named and its
 * window written as a waveform.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { generateWhole } from '../../src/codegen/whole.js';
import { ARCH_PRESETS, loadArch, parseArch } from '../../src/ir/arch.js';
import { MODEL_PRESETS, shapeModel } from '../../src/ir/presets.js';
import { loadModel } from '../../src/ir/load.js';
import { generateGreedy } from '../../src/ref/model.js';
import { RtlSession, sequenceRuns, verifyWhole } from '../../src/verify/whole.js';
import { defaultModelDir, heldoutTextPath } from '../../src/util/paths.js';
import { codesOf, repoRoot, tmpDir, toolOutput } from '../helpers.js';
import { DRAM_MUTANT_ARCH, DRAM_MUTATIONS, runWholeMutant, WHOLE_MUTATIONS } from '../../scripts/mutate-whole.js';

const model = loadModel(defaultModelDir());
const tiny = ARCH_PRESETS['tiny']!;
const def = ARCH_PRESETS['default']!;
const text = fs.readFileSync(heldoutTextPath());
const bos = model.ir.bosToken!;
/** Held-out text from byte `at`, after a BOS token. */
const prompt = (at: number, n: number): number[] => {
  if (at + n - 1 > text.length) throw new Error(`held-out text has ${text.length} bytes, not ${at + n - 1}`);
  return [bos, ...text.subarray(at, at + n - 1)];
};

describe('whole-model accelerator: the generator', () => {
  it('lint-clean (verilator -Wall, iverilog -Wall) for tiny and default, with and without counters, and for tiny with its weights in DRAM; reproducible byte for byte', () => {
    for (const arch of [tiny, def]) {
      for (const actions of [false, true]) {
        const d = generateWhole(model, arch, { actions });
        const dir = tmpDir('bnhw-whole-');
        for (const [f, t] of d.files) fs.writeFileSync(path.join(dir, f), t);
        expect(tool('verilator', ['--lint-only', '-Wall', '--top-module', 'bnhw_top', ...d.sources], dir)).toBe('');
        expect(tool('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', '-s', 'bnhw_top', ...d.sources], dir)).toBe('');
      }
    }
    // weights streamed from DRAM: the engine's read port is the top's
    const dr = generateWhole(model, DRAM_MUTANT_ARCH);
    const ddir = tmpDir('bnhw-whole-dram-');
    for (const [f, t] of dr.files) fs.writeFileSync(path.join(ddir, f), t);
    expect(tool('verilator', ['--lint-only', '-Wall', '--top-module', 'bnhw_top', ...dr.sources], ddir)).toBe('');
    expect(tool('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', '-s', 'bnhw_top', ...dr.sources], ddir)).toBe('');
    expect(dr.files.get('bnhw_top.v')).toMatch(/output wire {17}w_ar_valid,/);
    expect(dr.manifest.dram).toMatchObject({ image: 'bnhw_weights.hex', latency: 60, interval: 2 });
    expect(dr.sources).not.toContain('bnhw_wmem.v');
    expect(dr.sources).not.toContain('bnhw_etab.v');
    expect(dr.files.get('bnhw_top.v')).toMatch(/output wire {17}t_ar_valid,/);
    // the shipped model's head is tied to its embedding: one table, 4 vocab rows a line
    expect(dr.manifest.tablesDram).toMatchObject({ image: 'bnhw_tables.hex', lines: dr.program.hidden * Math.ceil(dr.program.vocab / 4), lineBits: 128 });
    const a = generateWhole(model, tiny);
    const b = generateWhole(model, tiny);
    expect([...a.files.entries()]).toEqual([...b.files.entries()]);
    expect(a.manifest.top).toBe('bnhw_top');
    expect(a.manifest.sources.every((s) => a.files.has(s))).toBe(true);
    expect(a.manifest.actions).toBeNull();
  }, 600_000);
  it('BitNet b1.58 2B4T: generated with its weights and tables in DRAM (hw/arch/2b4t-dram.json, no images), lint-clean (verilator -Wall, iverilog -Wall)', () => {
    const arch = loadArch(path.join(repoRoot(), 'hw', 'arch', '2b4t-dram.json'));
    const d = generateWhole(shapeModel(MODEL_PRESETS['2b4t']!), arch, { images: false });
    const dir = tmpDir('bnhw-whole-2b4t-');
    for (const [f, t] of d.files) fs.writeFileSync(path.join(dir, f), t);
    expect(tool('verilator', ['--lint-only', '-Wall', '--top-module', 'bnhw_top', ...d.sources], dir)).toBe('');
    expect(tool('iverilog', ['-g2005', '-Wall', '-o', 'a.vvp', '-s', 'bnhw_top', ...d.sources], dir)).toBe('');
    // 2B4T's program, its weights as 1024-bit words and its (tied) bf16 table as lines of 64 elements
    expect(d.manifest.program).toMatchObject({ instructions: 908, vocab: 128256, hidden: 2560, context: 64 });
    expect(d.manifest.dram).toMatchObject({ image: null, wordBits: 1024 });
    expect(d.manifest.tablesDram).toMatchObject({ image: null, lineBits: 1024, lines: Math.ceil(128256 / 64) * 2560 });
    expect([...d.files.keys()].filter((f) => /weights|tables/.test(f))).toEqual([]);
    // the same generator refuses to leave the images out of a design that holds them on chip
    expect(codesOf(() => generateWhole(model, tiny, { images: false }))).toEqual(['CG055']);
  }, 600_000);
  it('refuses a load-port engine and ROM weights past the chip (CG052), a KV cache past it (CG053)', () => {
    expect(codesOf(() => generateWhole(model, parseArch({ ...tiny, name: 'lp', weightMemory: 'load-port' }, 'test')))).toEqual(['CG052']);
    expect(codesOf(() => generateWhole(model, parseArch({ ...tiny, name: 'small', system: { onChipWeightBits: 1000 } }, 'test')))).toEqual(['CG052']);
    expect(codesOf(() => generateWhole(model, parseArch({ ...tiny, name: 'nokv', system: { onChipKvBits: 1000 } }, 'test')))).toEqual(['CG053']);
  });
});

const tool = toolOutput;

describe('whole-model accelerator: token for token against the simulator and the hw reference (Verilator)', () => {
  it('tiny: a 16-token prompt block, then 40 held-out positions one at a time, a run without logits, a new sequence; stalls and back-pressure', () => {
    const runs = [
      ...sequenceRuns(prompt(0, 56), 16),
      { tokens: [text[60]!], logits: false, clear: false },
      { tokens: [text[61]!], logits: true, clear: false },
      ...sequenceRuns(prompt(4000, 12), 5),
    ];
    const r = verifyWhole(model, tiny, runs, { seed: 2041, inStall: 25, outStall: 40 });
    console.log(`whole tiny: ${r.runs} runs, ${r.tokens} tokens, ${r.positionsWithLogits} positions with logits (${r.logitsChecked} logits), ${r.mismatches} mismatches; cycles RTL ${r.rtlCycles.reduce((a, b) => a + b, 0)} = sim ${r.simCycles.reduce((a, b) => a + b, 0)}`);
    expect(r.firstMismatches).toEqual([]);
    expect(r.where).toBeNull();
    expect(r.simEqualsRef).toBe(true);
    expect(r.rtlCycles).toEqual(r.simCycles);
    expect(r.runs).toBe(runs.length);
    expect(r.logitsChecked).toBe(r.positionsWithLogits * model.ir.embedding.vocabSize);
    expect(r.passed).toBe(true);
  }, 1_200_000);
  it('default (16 vector, 32 attention, 64 head lanes): 24 held-out positions one at a time after an 8-token block', () => {
    const r = verifyWhole(model, def, sequenceRuns(prompt(2048, 32), 8), { seed: 2042, inStall: 10, outStall: 20 });
    console.log(`whole default: ${r.runs} runs, ${r.tokens} tokens, ${r.positionsWithLogits} positions with logits (${r.logitsChecked} logits), ${r.mismatches} mismatches; cycles RTL ${r.rtlCycles.reduce((a, b) => a + b, 0)} = sim ${r.simCycles.reduce((a, b) => a + b, 0)}`);
    expect(r.runs).toBe(25);
    expect(r.firstMismatches).toEqual([]);
    expect(r.simEqualsRef).toBe(true);
    expect(r.rtlCycles).toEqual(r.simCycles);
    expect(r.passed).toBe(true);
  }, 1_200_000);
});

describe('whole-model accelerator: the ECP5-sized machine (hw/arch/ecp5-whole.json)', () => {
  it('two lanes per unit, a 32-position bf16 KV cache, base-3 weights, one row per run: 16 held-out positions', () => {
    const arch = loadArch(path.join(repoRoot(), 'hw', 'arch', 'ecp5-whole.json'));
    const r = verifyWhole(model, arch, sequenceRuns(prompt(1000, 16), 1), { seed: 2044, inStall: 20, outStall: 30 });
    console.log(`whole ecp5-whole: ${r.runs} runs, ${r.logitsChecked} logits, ${r.mismatches} mismatches; cycles RTL ${r.rtlCycles.reduce((a, b) => a + b, 0)} = sim ${r.simCycles.reduce((a, b) => a + b, 0)}`);
    expect(r.firstMismatches).toEqual([]);
    expect(r.simEqualsRef).toBe(true);
    expect(r.rtlCycles).toEqual(r.simCycles);
    expect(r.runs).toBe(16);
    expect(r.passed).toBe(true);
  }, 1_200_000);
});

describe('whole-model accelerator: weights streamed from DRAM', () => {
  it('tiny with its weights and tables behind the DRAM ports (a word every 2 cycles, a line every 4, 60 cycles after the request): 12 held-out positions, stalls and back-pressure', () => {
    const r = verifyWhole(model, DRAM_MUTANT_ARCH, sequenceRuns(prompt(3000, 12), 4), { seed: 2045, inStall: 20, outStall: 30 });
    console.log(`whole tiny-dram: ${r.runs} runs, ${r.logitsChecked} logits, ${r.mismatches} mismatches; cycles RTL ${r.rtlCycles.reduce((a, b) => a + b, 0)} = sim ${r.simCycles.reduce((a, b) => a + b, 0)}`);
    expect(r.firstMismatches).toEqual([]);
    expect(r.simEqualsRef).toBe(true);
    expect(r.rtlCycles).toEqual(r.simCycles);
    expect(r.passed).toBe(true);
    // the ports' seven mutants run in the mutation script (node dist/scripts/mutate-whole.js dram)
    expect(DRAM_MUTATIONS.length).toBe(7);
  }, 1_200_000);
});

describe('whole-model accelerator: gen --whole, the host driver and generate --backend rtl', () => {
  it('gen --whole writes the RTL, manifest, program image and host driver; the driver type-checks and its generate() on the Verilated top gives the hw reference\'s tokens; the CLI\'s --backend rtl prints the same text', async () => {
    const out = path.join(tmpDir('bnhw-gen-whole-'), 'rtl');
    const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'src', 'cli', 'entry.js'), ...args], { encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const g = cli(['gen', defaultModelDir(), '--arch', 'tiny', '--whole', '--out', out, '--json']);
    expect(g.stderr).toBe('');
    expect(g.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { top: string; sources: string[] };
    expect(manifest.top).toBe('bnhw_top');
    for (const s of manifest.sources) expect(fs.existsSync(path.join(out, s))).toBe(true);
    for (const f of ['program.bin', 'program.lst', 'program.json', 'bnhw_program.hex', 'bnhw_top.generated.ts', 'synth_ecp5.ys']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    expect(cli(['gen', defaultModelDir(), '--arch', 'tiny', '--whole', '--layer', 'layers.0.attn.q', '--out', `${out}2`]).stderr).toMatch(/CLI019/);
    // the driver: strict TypeScript, and greedy decoding through the Verilated top
    const file = path.join(out, 'bnhw_top.generated.ts');
    const project = new Project({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true, target: 9, module: 199, moduleResolution: 99, noEmit: true, lib: ['lib.es2022.d.ts'] } });
    project.addSourceFileAtPath(file);
    expect(project.getPreEmitDiagnostics().map((x) => x.getMessageText())).toEqual([]);
    const drv = (await import(file)) as { generate: (d: RtlSession, t: readonly number[], n: number) => { tokens: number[]; stopped: string; cycles: number } };
    const toks = [bos, ...Buffer.from('The hacker', 'utf8')];
    const session = new RtlSession(model, tiny, 64);
    let hw: ReturnType<typeof drv.generate>;
    try {
      hw = drv.generate(session, toks, 10);
    } finally {
      session.close();
    }
    expect(hw.tokens).toEqual(generateGreedy(model, toks, 10, { numerics: 'hw' }));
    expect(hw.cycles).toBeGreaterThan(0);
    // the CLI: --backend rtl against --backend ref --numerics hw
    const a = cli(['generate', defaultModelDir(), '--prompt', 'Jargon', '--max-tokens', '8', '--backend', 'rtl', '--arch', 'tiny', '--json']);
    const b = cli(['generate', defaultModelDir(), '--prompt', 'Jargon', '--max-tokens', '8', '--numerics', 'hw', '--json']);
    expect(a.status).toBe(0);
    const ja = JSON.parse(a.stdout) as { text: string; backend: string; cycles: number };
    const jb = JSON.parse(b.stdout) as { text: string };
    expect(ja.backend).toBe('rtl');
    expect(ja.text).toBe(jb.text);
    expect(ja.cycles).toBeGreaterThan(0);
    // verify --whole: held-out positions through the harness, and its refusals
    const v = cli(['verify', defaultModelDir(), '--whole', '--arch', 'tiny', '--positions', '6', '--block', '2', '--json']);
    expect(v.status).toBe(0);
    const jv = JSON.parse(v.stdout) as { passed: boolean; runs: number; mismatches: number; rtl_cycles: number[]; sim_cycles: number[] };
    expect(jv).toMatchObject({ passed: true, runs: 5, mismatches: 0 });
    expect(jv.rtl_cycles).toEqual(jv.sim_cycles);
    expect(cli(['verify', defaultModelDir(), '--whole', '--layer', 'layers.0.attn.q']).stderr).toMatch(/CLI020/);
    expect(cli(['verify', defaultModelDir(), '--positions', '4']).stderr).toMatch(/CLI020/);
  }, 1_200_000);
});

describe('whole-model accelerator: a broken design is caught, the first difference named, its window written as a waveform', () => {
  it('four of the mutants of scripts/mutate-whole.ts (all seventeen: node dist/scripts/mutate-whole.js)', () => {
    const design = generateWhole(model, tiny, { actions: true });
    const pick = (name: string): (typeof WHOLE_MUTATIONS)[number] => WHOLE_MUTATIONS.find((m) => m.name === name)!;
    const wave = path.join(tmpDir('bnhw-whole-wave-'), 'first.fst');
    const late = runWholeMutant(model, design, pick('lin: outputs written a word late'), { waveform: wave });
    expect(late.killed).toBe(true);
    // the first lin's first outputs land one word on: named by its run, position, token, instruction and unit
    expect(late.how).toMatch(/^run 0 \(position \d+, token \d+\): instruction 5 \(lin, engine unit\) wrote [0-9a-f]+ at word \d+, the simulator [0-9a-f]+$/);
    expect(fs.statSync(wave).size).toBeGreaterThan(1000);
    const pos = runWholeMutant(model, design, pick('top: the position advances by one, not by the block'));
    expect(pos.killed).toBe(true);
    expect(pos.how).toMatch(/^run 1 \(positions 3\.\.3\): instruction \d+ \(\w+, \w+ unit\) issued on cycle \d+ of the run, the simulator's \d+$/);
    // a KV cache write to the wrong bank: named at the kvw that wrote it (the write log has the cache's writes), not at the attention that reads it
    const kvw = runWholeMutant(model, design, pick('kvw: V words written to the bank of their K position'));
    expect(kvw.killed).toBe(true);
    expect(kvw.how).toMatch(/^run 0 \(position 0, token \d+\): instruction \d+ \(kvw, kv unit\) wrote [0-9a-f]+ to V of position 0, word \d+ \(bank \d+, line \d+\), the simulator [0-9a-f]+$/);
    // an engine counter off: named by the counter and the simulator's action it counts
    const div = runWholeMutant(model, design, pick("engine counters: the scale's division one iteration short"));
    expect(div.killed).toBe(true);
    expect(div.how).toMatch(/^run 0 \(positions 0\.\.2\): action counter eng\.act_div \(divider\.iteration\) differs \(got \d+, want \d+\)$/);
  }, 1_200_000);
});
