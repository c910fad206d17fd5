/**
 * The package as a user installs it: `npm pack`, install the tarball into an empty folder, run the
 * CLI from there (no checkout, caches outside the package) and import the library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, tmpDir } from './helpers.js';

const sh = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

describe('the npm package (needs `npm run build`)', () => {
  it('packs, installs into an empty folder, runs inspect, gen, verify, sim and imports as a library', { timeout: 600_000 }, () => {
    const work = tmpDir('bnhw-pack-');
    const pack = sh('npm', ['pack', '--json', '--pack-destination', work], repoRoot(), { ...process.env, npm_config_ignore_scripts: 'true' });
    expect(pack.status, pack.stderr).toBe(0);
    const info = JSON.parse(pack.stdout) as { filename: string; size: number; files: { path: string }[] }[];
    const files = info[0]!.files.map((f) => f.path);
    // What an installed tool needs, and nothing that only a checkout uses.
    for (const need of ['bin/bitnet-hw', 'dist/src/cli/entry.js', 'dist/src/index.d.ts', 'hw/harness/engine_harness.cpp', 'templates/verilog/bnhw_engine.v.hbs', 'models/bitnet-b158/model.safetensors', 'LICENSE'])
      expect(files, need).toContain(need);
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('dist/bench') || f.startsWith('dist/scripts') || f.startsWith('dist/tests') || f.startsWith('models/fp-baseline') || f.startsWith('src/'))).toEqual([]);
    console.log(`package: ${files.length} files, ${(info[0]!.size / 1e6).toFixed(2)} MB packed`);

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    const inst = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', path.join(work, info[0]!.filename)], app);
    expect(inst.status, inst.stderr).toBe(0);
    const pkg = path.join(app, 'node_modules', 'bitnet-hw');
    // A read-only package: caches must go elsewhere.
    const cache = path.join(work, 'xdg-cache');
    const { BITNET_HW_CACHE_DIR: _ignored, ...inherited } = process.env;
    const env = { ...inherited, XDG_CACHE_HOME: cache };
    spawnSync('chmod', ['-R', 'a-w', pkg]);
    try {
      const bin = path.join(app, 'node_modules', '.bin', 'bitnet-hw');
      const model = path.join(pkg, 'models', 'bitnet-b158');
      const run = (...args: string[]) => sh(bin, args, app, env);
      expect(run('--version').stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).version);
      const inspect = run('inspect', model, '--json');
      expect(inspect.status, inspect.stderr).toBe(0);
      expect(JSON.parse(inspect.stdout).weight_kind).toBe('ternary');
      const gen = run('gen', model, '--arch', 'tiny', '--out', 'rtl');
      expect(gen.status, gen.stderr).toBe(0);
      expect(fs.existsSync(path.join(app, 'rtl', 'bnhw_engine.v'))).toBe(true);
      const verify = run('verify', model, '--arch', 'tiny', '--rtl', 'rtl', '--vectors', '10', '--json');
      expect(verify.status, verify.stderr).toBe(0);
      const v = JSON.parse(verify.stdout) as { mismatches: number; vectors: number };
      expect(v.mismatches).toBe(0);
      expect(v.vectors).toBe(10);
      expect(fs.existsSync(path.join(cache, 'bitnet-hw'))).toBe(true);
      const sim = run('sim', model, '--arch', 'tiny', '--json');
      expect(sim.status, sim.stderr).toBe(0);
      expect(JSON.parse(sim.stdout).cycles_per_token).toBeGreaterThan(0);
      const lib = sh(process.execPath, ['--input-type=module', '-e', `
        import { loadModel, compileProgram, loadArch, runTokens } from 'bitnet-hw';
        const m = loadModel(${JSON.stringify(model)});
        const p = compileProgram(m.ir, loadArch('tiny'));
        const r = runTokens(m, [1, 2, 3], { kind: 'ref', numerics: 'hw' });
        console.log(JSON.stringify({ instructions: p.instructions.length, argmax: r.argmax }));`], app, env);
      expect(lib.status, lib.stderr).toBe(0);
      const doc = JSON.parse(lib.stdout) as { instructions: number; argmax: number[] };
      expect(doc.instructions).toBeGreaterThan(10);
      expect(doc.argmax.length).toBe(3);
    } finally {
      spawnSync('chmod', ['-R', 'u+w', pkg]);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
