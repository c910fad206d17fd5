/**
 * Write the vector unit of a model's program on an architecture to a folder (for lint, synthesis
 * and looking at): `node dist/scripts/gen-vec.js <model> <arch> <out>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../src/ir/load.js';
import { loadArch } from '../src/ir/arch.js';
import { compileProgram } from '../src/ir/compile.js';
import { generateVector } from '../src/codegen/vec.js';

const [model, archName, out] = process.argv.slice(2);
if (!model || !archName || !out) throw new Error('usage: gen-vec <model> <arch> <out>');
if (fs.existsSync(out)) throw new Error(`${out} exists`);
const arch = loadArch(archName);
const p = compileProgram(loadModel(model).ir, arch);
const d = generateVector(p, arch);
fs.mkdirSync(out, { recursive: true });
for (const [f, t] of d.files) fs.writeFileSync(path.join(out, f), t);
console.log(JSON.stringify(d.plan));
