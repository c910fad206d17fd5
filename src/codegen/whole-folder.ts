/**
 * The folder `gen --whole` (and the main job's whole-rtl step) writes for a whole-model design:
 * its RTL and memory images, `manifest.json`, the program's image, listing and manifest, the flow
 * files (file list, clock constraints, the Yosys script) and the host driver.
 *
 * Needs: a WholeDesign and its architecture. Guarantees: a pure function (sorted, reproducible).
 */
import { createHash } from 'node:crypto';
import type { ArchSpec } from '../ir/arch.js';
import { encodeProgram, listing, programManifest } from '../ir/program-image.js';
import { flowFiles } from './flow-files.js';
import { generateWhole, type WholeDesign } from './whole.js';
import { generateWholeHostDriver, WHOLE_HOST_DRIVER_FILE } from './whole-host.js';

export { generateWhole };

export function wholeFolderFiles(d: WholeDesign, arch: ArchSpec, eos: number | null): Map<string, string | Uint8Array> {
  const files = new Map<string, string | Uint8Array>(d.files);
  files.set('manifest.json', JSON.stringify(d.manifest, null, 2) + '\n');
  const image = encodeProgram(d.program);
  files.set('program.bin', image);
  files.set('program.json', JSON.stringify({ ...programManifest(d.program), imageSha256: createHash('sha256').update(image).digest('hex') }, null, 2) + '\n');
  files.set('program.lst', listing(d.program));
  for (const [name, content] of flowFiles(d.top, d.sources, arch.clockMHz)) files.set(name, content);
  files.set(WHOLE_HOST_DRIVER_FILE, generateWholeHostDriver(d, eos));
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}
