/**
 * Bad input never loses data or crashes (issue 9): every case runs the real CLI and checks the
 * exit status, the diagnostic code, that no stack trace was printed and that nothing was written
 * or destroyed. Exit codes: 0 passed, 1 a check failed, 2 bad input or usage, 3 internal error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { saveIRFile } from '../../src/ir/irfile.js';
import { loadModel } from '../../src/ir/load.js';
import { argmax } from '../../src/ref/model.js';
import { tempSibling, sweepStaleTemps } from '../../src/util/fsout.js';
import { syntheticModelDir } from '../../src/util/paths.js';
import { codesOf, fixture, repoRoot, tmpDir } from '../helpers.js';

const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
function cli(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
}
const NO_STACK = /\n\s+at .*\(.*:\d+:\d+\)/;

/** A bad-input case: the command, the code it must report, and what must survive. */
interface Case {
  readonly name: string;
  readonly args: (w: Work) => string[];
  readonly code: string;
  readonly exit?: number;
  /** Checks after the run (files that must survive untouched, nothing created). */
  readonly after?: (w: Work) => void;
}

interface Work {
  readonly dir: string;
  readonly model: string;
  readonly foreign: string;
  readonly file: string;
  /** An empty folder the command runs in (for `--out .` and `--out ..`). */
  readonly cwd: string;
}

function work(): Work {
  const dir = tmpDir('bnhw-robust-');
  const model = path.join(dir, 'm');
  fs.cpSync(syntheticModelDir(), model, { recursive: true });
  const foreign = path.join(dir, 'notes');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'keep.txt'), 'precious\n');
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'precious\n');
  const cwd = path.join(dir, 'cwd');
  fs.mkdirSync(cwd);
  return { dir, model, foreign, file, cwd };
}

function untouched(w: Work): void {
  expect(fs.readFileSync(path.join(w.foreign, 'keep.txt'), 'utf8')).toBe('precious\n');
  expect(fs.readFileSync(w.file, 'utf8')).toBe('precious\n');
  expect(fs.readdirSync(w.model).sort()).toEqual(['config.json', 'model.safetensors']);
  expect(fs.readdirSync(w.dir).filter((n) => n.includes('bnhw-tmp'))).toEqual([]);
}

const arch = (w: Work, body: Record<string, unknown>): string => {
  const f = path.join(w.dir, 'arch.json');
  fs.writeFileSync(f, JSON.stringify({ name: 'a', lanes: 2, simd: 4, weightKind: 'ternary', treePipeline: 1, weightMemory: 'rom', clockMHz: 50, ...body }));
  return f;
};

const CASES: readonly Case[] = [
  // Outputs that would have destroyed data.
  { name: 'gen into a non-empty folder bitnet-hw did not write', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', w.foreign], code: 'OUT005' },
  { name: 'gen onto an existing regular file', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', w.file], code: 'OUT004' },
  { name: 'gen into the model folder itself', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', w.model], code: 'OUT003' },
  { name: 'gen into a folder that contains the model', args: (w) => ['gen', path.join(w.foreign, '..', 'm'), '--arch', 'tiny', '--out', w.foreign.replace(/notes$/, ''), '--force'], code: 'OUT002' },
  { name: 'gen --force into a folder that contains the model', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', path.join(w.model, '..', 'm'), '--force'], code: 'OUT003' },
  { name: 'gen into the current folder', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', '.'], code: 'OUT002' },
  { name: 'gen into the parent folder', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', '..'], code: 'OUT002' },
  { name: 'gen with an empty --out', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', ''], code: 'OUT001' },
  { name: 'gen below a regular file', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', path.join(w.file, 'rtl')], code: 'OUT006' },
  { name: 'gen into /proc', args: (w) => ['gen', w.model, '--arch', 'tiny', '--out', '/proc/bnhw-nope'], code: 'OUT010' },
  { name: 'convert onto a foreign file', args: (w) => ['convert', w.model, '--out', w.file], code: 'OUT005' },
  { name: 'convert onto a folder', args: (w) => ['convert', w.model, '--out', w.foreign], code: 'OUT004' },
  { name: 'convert onto its own input', args: (w) => ['convert', path.join(w.model, 'model.safetensors'), '--out', path.join(w.model, 'model.safetensors')], code: 'OUT003' },
  { name: 'convert with an empty --out', args: (w) => ['convert', w.model, '--out', ''], code: 'OUT001' },
  { name: 'convert into a folder that does not exist', args: (w) => ['convert', w.model, '--out', path.join(w.dir, 'no', 'x.safetensors')], code: 'OUT006' },
  { name: 'convert below /dev/null', args: (w) => ['convert', w.model, '--out', '/dev/null/x.safetensors'], code: 'OUT006' },
  { name: 'report into a non-empty foreign folder', args: (w) => ['report', '2b4t', '--out', w.foreign], code: 'OUT005' },
  { name: 'report into /proc', args: () => ['report', '2b4t', '--out', '/proc/bnhw-nope'], code: 'OUT010' },
  { name: 'make-model into a foreign folder', args: (w) => ['make-model', w.foreign], code: 'OUT005' },
  { name: 'make-model with an empty path', args: () => ['make-model', ''], code: 'OUT001' },
  { name: 'make-model into /sys', args: () => ['make-model', '/sys/bnhw-nope'], code: 'OUT010' },
  { name: 'demo into a foreign folder', args: (w) => ['demo', w.model, '--arch', 'tiny', '--out', w.foreign], code: 'OUT005' },
  // Inputs that used to crash.
  { name: 'eval --text on a missing file', args: (w) => ['eval', w.model, '--text', path.join(w.dir, 'none.txt')], code: 'EV001' },
  { name: 'eval --text on a folder', args: (w) => ['eval', w.model, '--text', w.foreign], code: 'EV001' },
  { name: 'eval on text shorter than one window', args: (w) => ['eval', w.model, '--text', w.file], code: 'EV002' },
  { name: 'verify --rtl on a missing folder', args: (w) => ['verify', w.model, '--arch', 'tiny', '--rtl', path.join(w.dir, 'none')], code: 'VER010' },
  { name: 'verify --rtl on a foreign folder', args: (w) => ['verify', w.model, '--arch', 'tiny', '--rtl', w.foreign], code: 'VER010' },
  { name: 'verify --token outside the vector set', args: (w) => ['verify', w.model, '--arch', 'tiny', '--vectors', '10', '--token', '10'], code: 'CLI008' },
  { name: 'an architecture file that is a folder', args: (w) => ['gen', w.model, '--arch', w.foreign, '--out', path.join(w.dir, 'o')], code: 'AR002' },
  { name: 'an architecture name with a newline', args: (w) => ['gen', w.model, '--arch', arch(w, { name: 'x\ny' }), '--out', path.join(w.dir, 'o')], code: 'AR003' },
  { name: 'a unit throughput of 5e-324', args: (w) => ['sim', w.model, '--arch', arch(w, { system: { norm: { perCycle: 5e-324, latency: 1 } } })], code: 'AR003' },
  { name: 'an energy table that is a folder', args: (w) => ['energy', '2b4t', '--node', w.foreign], code: 'EN002' },
  // Results that used to be wrong or silently accepted.
  { name: 'activity energy of a ternary model on a binary architecture', args: () => ['energy', '2b4t', '--method', 'activity', '--arch', 'default-binary'], code: 'AR010' },
  { name: 'run beyond the context', args: (w) => ['run', w.model, '--tokens', Array.from({ length: 300 }, () => '1').join(',')], code: 'RUN002' },
  { name: 'sim --prefill beyond the context of 2b4t', args: () => ['sim', '2b4t', '--prefill', '100000'], code: 'CLI040' },
  { name: 'sim --decode with 20 digits', args: () => ['sim', '2b4t', '--decode', '99999999999999999999'], code: 'CLI004' },
  { name: 'sim --decode above the bound', args: () => ['sim', '2b4t', '--decode', '5000000'], code: 'CLI004' },
  { name: 'verify --vectors above the bound', args: (w) => ['verify', w.model, '--vectors', '1000000000'], code: 'CLI004' },
  { name: 'a misspelt flag', args: () => ['sim', '2b4t', '--arhc', 'tiny'], code: 'CLI030' },
  { name: 'an extra positional argument', args: () => ['sim', '2b4t', 'tiny'], code: 'CLI031' },
  { name: 'a flag that needs a value given none', args: () => ['sim', '2b4t', '--arch'], code: 'CLI030' },
  { name: 'an unknown command', args: () => ['frobnicate'], code: 'CLI032' },
  { name: 'sim --tokens without --functional (a count is --decode)', args: () => ['sim', '2b4t', '--tokens', '4'], code: 'CLI014' },
  { name: 'both --tokens and --prompt', args: (w) => ['run', w.model, '--tokens', '1', '--prompt', 'a'], code: 'CLI013' },
  { name: 'an unknown --version argument', args: () => ['--version', 'x'], code: 'CLI030' },
];

describe('bad input: coded errors, exit 2, nothing written or destroyed', () => {
  it(`covers at least 40 cases (${CASES.length})`, () => expect(CASES.length).toBeGreaterThanOrEqual(40));
  for (const c of CASES) {
    it(`${c.code}: ${c.name}`, () => {
      const w = work();
      const r = cli([...c.args(w), '--json'], w.cwd);
      expect(r.status, r.stderr).toBe(c.exit ?? 2);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.stderr).toContain(c.code);
      const doc = JSON.parse(r.stdout) as { error: { diagnostics: { code: string; hint: string }[] } };
      expect(doc.error.diagnostics.map((d) => d.code)).toContain(c.code);
      expect(doc.error.diagnostics.every((d) => d.hint.length > 0)).toBe(true);
      untouched(w);
      c.after?.(w);
    });
  }
});

describe('outputs: replaced whole, never half-written, readable by others', () => {
  it('a previous bitnet-hw output is replaced; --force replaces a foreign folder; modes follow the umask', () => {
    const w = work();
    const out = path.join(w.dir, 'rtl');
    expect(cli(['gen', w.model, '--arch', 'tiny', '--out', out]).status).toBe(0);
    fs.writeFileSync(path.join(out, 'stale.v'), '// left from before\n');
    expect(cli(['gen', w.model, '--arch', 'tiny', '--out', out]).status).toBe(0);
    expect(fs.existsSync(path.join(out, 'stale.v'))).toBe(false);
    expect(fs.statSync(out).mode & 0o777).toBe(0o777 & ~process.umask());
    expect(cli(['gen', w.model, '--arch', 'tiny', '--out', w.foreign, '--force']).status).toBe(0);
    expect(fs.existsSync(path.join(w.foreign, 'bnhw_engine.v'))).toBe(true);
  });
  it('twelve rounds of two concurrent gen to one folder: both succeed, the folder is whole', async () => {
    const w = work();
    const out = path.join(w.dir, 'cc');
    const one = (): Promise<number> => new Promise((res) => spawn(process.execPath, [bin, 'gen', w.model, '--arch', 'tiny', '--out', out], { stdio: 'ignore' }).on('exit', (c) => res(c ?? -1)));
    const want = [...fs.readdirSync((cli(['gen', w.model, '--arch', 'tiny', '--out', out]), out))].sort();
    for (let i = 0; i < 12; i++) {
      expect(await Promise.all([one(), one()])).toEqual([0, 0]);
      expect(fs.readdirSync(out).sort()).toEqual(want);
    }
    expect(fs.readdirSync(w.dir).filter((n) => n.includes('bnhw-tmp'))).toEqual([]);
  }, 300_000);
  it('SIGTERM during convert leaves no temp file; a dead writer\'s temp is swept by the next writer', async () => {
    const w = work();
    const out = path.join(w.dir, 'x.bitnet.safetensors');
    const child = spawn(process.execPath, [bin, 'convert', w.model, '--out', out], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c, sig) => r(c ?? (sig ? 143 : null))));
    expect([0, 143]).toContain(code);
    expect(fs.readdirSync(w.dir).filter((n) => n.includes('bnhw-tmp'))).toEqual([]);
    // A temp left by a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default).
    const stale = path.join(w.dir, `.x.bitnet.safetensors.bnhw-tmp-${2 ** 22 + 1}-0123abcd`);
    fs.writeFileSync(stale, 'partial');
    const mine = tempSibling(path.join(w.dir, 'y'));
    fs.writeFileSync(mine, 'in progress');
    sweepStaleTemps(w.dir);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(mine)).toBe(true);
  });
});

describe('results that used to be wrong', () => {
  it('a NaN logit never wins argmax; all-NaN is an error', () => {
    expect(argmax(Float32Array.of(NaN, 1, 3, 3))).toBe(2);
    expect(argmax(Float32Array.of(-Infinity, NaN, -Infinity))).toBe(0);
    expect(codesOf(() => argmax(Float32Array.of(NaN, NaN)))).toEqual(['RUN010']);
  });
  it('an IR file beside a checkpoint is used only while its fingerprint matches', () => {
    const dir = fixture({ format: 'hf-packed' });
    const ir = path.join(dir, 'model.bitnet.safetensors');
    // Without a recorded source: ambiguous.
    saveIRFile(loadModel(dir), ir);
    expect(codesOf(() => loadModel(dir))).toEqual(['CK020']);
    fs.rmSync(ir);
    expect(cli(['convert', dir, '--out', ir]).status).toBe(0);
    expect(loadModel(dir).ir.hidden).toBe(32);
    // Copying the folder changes modification times only: still fresh (contents compared).
    const copy = tmpDir();
    fs.cpSync(dir, copy, { recursive: true });
    expect(loadModel(copy).ir.hidden).toBe(32);
    // A retrained checkpoint of the same shape: the stale IR file must not win.
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    cfg['rms_norm_eps'] = 1e-5;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    expect(codesOf(() => loadModel(dir))).toEqual(['CK021']);
  });
  it('generate says when it stopped at the context limit', () => {
    const m = fixture({ format: 'hf-packed', maxPositions: 8 });
    const r = cli(['generate', m, '--tokens', '1,2,3', '--max-tokens', '20', '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { generated: number[]; stopped: string };
    expect(doc.stopped).toBe('context');
    expect(doc.generated.length).toBe(6);
    expect(cli(['generate', m, '--tokens', '1,2,3', '--max-tokens', '20']).stdout).toContain('context limit of 8');
  });
  it('head_dim mistakes are blamed on head_dim', () => {
    const m = fixture({ format: 'hf-packed' });
    const f = path.join(m, 'config.json');
    fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), head_dim: 16 }));
    const r = cli(['inspect', m, '--json']);
    const d = (JSON.parse(r.stdout) as { error: { diagnostics: { code: string; path: string }[] } }).error.diagnostics[0]!;
    expect(d.code).toBe('CK014');
    expect(d.path).toMatch(/head_dim$/);
  });
});

describe('usage hygiene', () => {
  it('--version [--json], --seed 0, energy --model=NAME, plain help when piped', () => {
    expect(cli(['--version']).stdout.trim()).toBe('0.1.0');
    expect(JSON.parse(cli(['--version', '--json']).stdout)).toEqual({ schema: 'bitnet-hw/version/1', version: '0.1.0' });
    const e = cli(['energy', '--model=2b4t', '--json']);
    expect(e.status).toBe(0);
    expect(JSON.parse(e.stdout).model).toBe('2b4t');
    const help = cli(['sim', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).not.toMatch(/\u001b\[/);
    expect(cli(['--help']).stdout).not.toMatch(/\u001b\[/);
    const v = cli(['verify', syntheticModelDir(), '--arch', 'tiny', '--vectors', '14', '--seed', '0', '--json']);
    expect(v.status).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ passed: true, seed: 0, vectors: 14 });
  });
});
