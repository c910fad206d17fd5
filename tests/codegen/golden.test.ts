/** The generated RTL of three designs, the whole-model top's own files, the fp32 units of two contracts and four compiled programs equal their golden copies (tests/golden, `npm run golden`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, goldenDesigns, goldenFiles, goldenFpUnits, goldenPrograms, goldenWhole } from '../../scripts/golden.js';

describe('golden RTL', () => {
  for (const [name, d] of goldenDesigns()) {
    it(`${name}: every generated file equals tests/golden/${name} (regenerate with npm run golden and review the diff)`, () => {
      const dir = path.join(GOLDEN_DIR, name);
      const files = goldenFiles(d);
      expect(fs.readdirSync(dir).sort()).toEqual([...files.keys()].sort());
      for (const [f, c] of files) expect(fs.readFileSync(path.join(dir, f), 'utf8'), `${name}/${f}`).toBe(c);
    });
  }
});

describe('golden fp32 units', () => {
  for (const [name, files] of goldenFpUnits()) {
    it(`${name}: every generated unit equals tests/golden/${name} (regenerate with npm run golden and review the diff)`, () => {
      const dir = path.join(GOLDEN_DIR, name);
      expect(fs.readdirSync(dir).sort()).toEqual([...files.keys()].sort());
      for (const [f, c] of files) expect(fs.readFileSync(path.join(dir, f), 'utf8'), `${name}/${f}`).toBe(c);
    });
  }
});

describe('golden programs', () => {
  const files = goldenPrograms();
  it('the listing and manifest of every compiled program equal tests/golden/programs (regenerate with npm run golden and review the diff)', () => {
    const dir = path.join(GOLDEN_DIR, 'programs');
    expect(fs.readdirSync(dir).sort()).toEqual([...files.keys()].sort());
    for (const [f, c] of files) expect(fs.readFileSync(path.join(dir, f), 'utf8'), `programs/${f}`).toBe(c);
  });
});

describe('golden whole-model top', () => {
  it('bnhw_top.v, bnhw_lin.v, bnhw_prom.v and the manifest of the shipped model on tiny equal tests/golden/whole-tiny (regenerate with npm run golden and review the diff)', () => {
    const dir = path.join(GOLDEN_DIR, 'whole-tiny');
    const files = goldenWhole();
    expect(fs.readdirSync(dir).sort()).toEqual([...files.keys()].sort());
    for (const [f, c] of files) expect(fs.readFileSync(path.join(dir, f), 'utf8'), `whole-tiny/${f}`).toBe(c);
  });
});
