import { describe, expect, it } from 'vitest';
import { si } from '../../src/util/si.js';

describe('engineering units', () => {
  it('picks the prefix and three significant digits', () => {
    expect(si(0.198, 'J')).toBe('198 mJ');
    expect(si(5.29e-6, 'J')).toBe('5.29 uJ');
    expect(si(1.093e-1, 's')).toBe('109 ms');
    expect(si(1, 'W')).toBe('1 W');
    expect(si(0.9996, 'W')).toBe('1 W');
    expect(si(1234, 'tok/s')).toBe('1.23 ktok/s');
    expect(si(0, 'J')).toBe('0 J');
    expect(si(-2.5e-3, 'J')).toBe('-2.5 mJ');
    expect(si(3e-15, 'J')).toBe('3.00e-15 J');
    expect(si(null, 'J')).toBe('n/a');
    expect(si(Number.NaN, 'J')).toBe('n/a');
  });
});
