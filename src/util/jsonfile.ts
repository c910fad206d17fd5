/** Reading a JSON input file (config, index, architecture, energy table) with coded errors. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from './diagnostics.js';

/** Largest JSON input read (configs and specs are kilobytes; this bounds a mistaken path). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export function readJsonInput(file: string, code: string, what: string): unknown {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code ?? 'error';
    fail(code, file, `cannot read ${what} (${c})`, c === 'ENOENT' ? `add ${path.basename(file)} or fix the path` : 'check the path and its permissions');
  }
  if (st.isDirectory()) fail(code, file, `${what} is a folder, not a file`, 'pass the path of the JSON file itself');
  if (!st.isFile()) fail(code, file, `${what} is not a regular file`, 'pass the path of a JSON file');
  if (st.size > MAX_JSON_BYTES) fail(code, file, `${what} is ${st.size} bytes, more than any ${what} needs`, 'pass the right file', `<= ${MAX_JSON_BYTES} bytes`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(code, file, `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check the file permissions');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(code, file, `${what} is not valid JSON (${(e as Error).message})`, `fix the JSON syntax of ${path.basename(file)}`);
  }
}
