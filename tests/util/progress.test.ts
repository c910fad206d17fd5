/** Progress reaches a terminal's stderr and nothing else: not pipes, not --json. */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';

const bin = path.join(repoRoot(), 'bin', 'bitnet-hw');
const model = path.join(repoRoot(), 'models', 'bitnet-b158');
// util-linux `script` runs the command on a pseudo-terminal, as a user's shell would.
const onTty = (cmd: string) => spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 300_000 });

describe('progress on stderr', () => {
  it('draws a bar with the count and ETA on a terminal', () => {
    const r = onTty(`${process.execPath} ${bin} eval ${model} --numerics hw`);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/eval \(ref, hw numerics\) \[.*\] 31\/31 windows \(100%\), ETA/);
    expect(r.stdout).toMatch(/held-out 3968 bytes/);
  });
  it('is silent when stderr is a pipe, and under --json on a terminal', () => {
    const piped = spawnSync(process.execPath, [bin, 'eval', model, '--numerics', 'hw'], { encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
    const json = onTty(`${process.execPath} ${bin} eval ${model} --numerics hw --json`);
    expect(json.status).toBe(0);
    expect(json.stdout).not.toMatch(/windows/);
    expect(JSON.parse(json.stdout.trim()).bits_per_byte).toBeGreaterThan(0);
  });
});
