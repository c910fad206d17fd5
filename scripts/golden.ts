/**
 * Golden copies of the generated RTL for three designs (tests/golden/<design>/): every Verilog
 * source, the manifest and the host driver; of the whole-model top's own files on `tiny`; of the fp32 units for two contracts; and of the accelerator program's listing and
 * manifest for four models (tests/golden/programs/), so that a change to the generator or the
 * compiler shows up as a reviewed diff. Regenerate with `npm run golden`; never edit the copies
 * by hand.
 * (The weight images are data, not generator output; the reproducibility test covers them.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateRtl, type RtlDesign } from '../src/codegen/verilog.js';
import { generateFpUnits } from '../src/codegen/fpu.js';
import { generateWhole } from '../src/codegen/whole.js';
import { loadArch, parseArch } from '../src/ir/arch.js';
import { writeSyntheticCheckpoint } from '../src/ir/export/synthetic.js';
import { loadModel } from '../src/ir/load.js';
import { compileProgram } from '../src/ir/compile.js';
import { listing, programManifest } from '../src/ir/program-image.js';
import { MODEL_PRESETS, shapeIR } from '../src/ir/presets.js';
import { packageRoot, syntheticModelDir } from '../src/util/paths.js';

export const GOLDEN_DIR = path.join(packageRoot(), 'tests', 'golden');

/** The three designs: name -> generated design. */
export function goldenDesigns(): Map<string, RtlDesign> {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-golden-'));
  try {
    writeSyntheticCheckpoint(bin, { format: 'paper-binary', hidden: 64, layers: 1, heads: 4, kvHeads: 2, ffnHidden: 96, vocab: 64, groups: 2, seed: 3 });
    const tiny = loadModel(syntheticModelDir());
    return new Map([
      ['tiny', generateRtl(tiny, loadArch('tiny'))],
      ['tiny-base3', generateRtl(tiny, loadArch('tiny-base3'))],
      ['tiny-binary-groups', generateRtl(loadModel(bin), loadArch('tiny-binary'))],
    ]);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

/** The files of a design that are golden (sorted names). */
export function goldenFiles(d: RtlDesign): Map<string, string> {
  return new Map([...d.files].filter(([n]) => !n.endsWith('.hex')));
}

/** The fp32 units of two contracts (`default`, and one with input registers, the multiplier's split, output delays and 4 bits per cycle): folder -> files. */
export function goldenFpUnits(): Map<string, ReadonlyMap<string, string>> {
  const base = loadArch('default');
  const deep = parseArch({ ...base, name: 'fp-deep', machine: { ...base.machine, fpAddLatency: 7, fpMulLatency: 8, divCycles: 10, sqrtCycles: 11 } }, 'golden');
  return new Map([
    ['fpu-default', generateFpUnits(base).files],
    ['fpu-deep', generateFpUnits(deep).files],
  ]);
}

/**
 * The whole-model top of the shipped model on `tiny`: the files this generator adds (the top, the
 * engine's adapter, the parameter ROM's wrapper) and its manifest; the units' own files have their
 * goldens or their benches, and the images are data.
 */
export function goldenWhole(): Map<string, string> {
  const d = generateWhole(loadModel(path.join(packageRoot(), 'models', 'bitnet-b158')), loadArch('tiny'));
  const out = new Map<string, string>();
  for (const f of ['bnhw_top.v', 'bnhw_lin.v', 'bnhw_prom.v']) out.set(f, d.files.get(f)!);
  out.set('manifest.json', JSON.stringify(d.manifest, null, 2) + '\n');
  return out;
}

/** Program goldens: file name -> content (listing and manifest of each compiled model). */
export function goldenPrograms(): Map<string, string> {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'bnhw-golden-'));
  try {
    writeSyntheticCheckpoint(bin, { format: 'paper-binary', hidden: 64, layers: 1, heads: 4, kvHeads: 2, ffnHidden: 96, vocab: 64, groups: 2, seed: 3 });
    const cases: [string, ReturnType<typeof compileProgram>][] = [
      ['bitnet-b158.tiny', compileProgram(loadModel(path.join(packageRoot(), 'models', 'bitnet-b158')).ir, loadArch('tiny'))],
      ['synthetic-tiny.default', compileProgram(loadModel(syntheticModelDir()).ir, loadArch('default'))],
      ['paper-binary-groups.tiny-binary', compileProgram(loadModel(bin).ir, loadArch('tiny-binary'))],
      ['2b4t.default', compileProgram(shapeIR(MODEL_PRESETS['2b4t']!), loadArch('default'))],
    ];
    const out = new Map<string, string>();
    for (const [name, p] of cases) {
      out.set(`${name}.lst`, listing(p));
      out.set(`${name}.json`, JSON.stringify(programManifest(p), null, 2) + '\n');
    }
    return out;
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  fs.rmSync(GOLDEN_DIR, { recursive: true, force: true });
  const pdir = path.join(GOLDEN_DIR, 'programs');
  fs.mkdirSync(pdir, { recursive: true });
  for (const [f, c] of goldenPrograms()) fs.writeFileSync(path.join(pdir, f), c);
  console.log(`wrote ${pdir} (${goldenPrograms().size} files)`);
  for (const [name, files] of goldenFpUnits()) {
    const dir = path.join(GOLDEN_DIR, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, c] of files) fs.writeFileSync(path.join(dir, f), c);
    console.log(`wrote ${dir} (${files.size} files)`);
  }
  const wdir = path.join(GOLDEN_DIR, 'whole-tiny');
  fs.mkdirSync(wdir, { recursive: true });
  for (const [f, c] of goldenWhole()) fs.writeFileSync(path.join(wdir, f), c);
  console.log(`wrote ${wdir} (${goldenWhole().size} files)`);
  for (const [name, d] of goldenDesigns()) {
    const dir = path.join(GOLDEN_DIR, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, c] of goldenFiles(d)) fs.writeFileSync(path.join(dir, f), c);
    console.log(`wrote ${dir} (${goldenFiles(d).size} files, config ${d.manifest.configHash})`);
  }
}
