/** Engineering units for text output: 0.198 J -> "198 mJ", 1.09e-4 s -> "109 us". */
/**
 * Three significant digits with an SI prefix; null and non-finite values print as "n/a".
 * Self-contained (no outer names), so the HTML report inlines this very function for its charts.
 */
export function si(x: number | null | undefined, unit: string): string {
  const PREFIXES: readonly [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'u'], [1e-9, 'n'], [1e-12, 'p']];
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  if (x === 0) return `0 ${unit}`;
  const a = Math.abs(x);
  for (const [f, p] of PREFIXES) {
    if (a >= f * 0.9995) return `${Number((x / f).toPrecision(3))} ${p}${unit}`;
  }
  return `${x.toExponential(2)} ${unit}`;
}
