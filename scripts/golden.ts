/**
 * Golden copies of the generated RTL for three designs (tests/golden/<design>/): every Verilog
 * source, the manifest and the host driver, so that a change to the generator shows up as a
 * reviewed diff. Regenerate with `npm run golden`; never edit the copies by hand.
 * (The weight images are data, not generator output; the reproducibility test covers them.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateRtl, type RtlDesign } from '../src/codegen/verilog.js';
import { loadArch } from '../src/ir/arch.js';
import { writeSyntheticCheckpoint } from '../src/ir/export/synthetic.js';
import { loadModel } from '../src/ir/load.js';
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

if (import.meta.url === `file://${process.argv[1]}`) {
  fs.rmSync(GOLDEN_DIR, { recursive: true, force: true });
  for (const [name, d] of goldenDesigns()) {
    const dir = path.join(GOLDEN_DIR, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, c] of goldenFiles(d)) fs.writeFileSync(path.join(dir, f), c);
    console.log(`wrote ${dir} (${goldenFiles(d).size} files, config ${d.manifest.configHash})`);
  }
}
