/**
 * Coded diagnostics and the one error type every layer throws for bad input.
 *
 * Why a list and not a single message: the validator and the importers report every problem
 * they can see at once, so a user fixes a checkpoint in one round trip instead of many.
 * The CLI maps `BitnetError` to exit 2 (bad input); anything else is an internal failure.
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable, documented code, e.g. `ST003`. Never reused for a different meaning. */
  readonly code: string;
  readonly severity: Severity;
  /** Where: a file, a tensor name, or an IR path such as `layers[3].attention.q.weight`. */
  readonly path: string;
  readonly message: string;
  /** What a valid input would have had here. */
  readonly expected?: string;
  /** How to fix it. */
  readonly hint: string;
}

export function diag(
  code: string,
  path: string,
  message: string,
  hint: string,
  expected?: string,
  severity: Severity = 'error',
): Diagnostic {
  return expected === undefined
    ? { code, severity, path, message, hint }
    : { code, severity, path, message, expected, hint };
}

/** More diagnostics than this are summarized: a corrupt input must not print megabytes. */
export const MAX_DIAGNOSTICS = 100;

function capDiagnostics(ds: readonly Diagnostic[]): readonly Diagnostic[] {
  if (ds.length <= MAX_DIAGNOSTICS) return ds;
  const rest = ds.slice(MAX_DIAGNOSTICS);
  const codes = [...new Set(rest.map((d) => d.code))].sort().join(', ');
  return [...ds.slice(0, MAX_DIAGNOSTICS), diag('DIAG001', '(more)', `${rest.length} more problems not shown (codes ${codes})`, 'fix the problems above first; they often cause the rest')];
}

export class BitnetError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(all: readonly Diagnostic[]) {
    const diagnostics = capDiagnostics(all);
    super(formatDiagnostics(diagnostics));
    this.name = 'BitnetError';
    this.diagnostics = diagnostics;
  }
  /** The first diagnostic's code: handy for tests and for exit reporting. */
  get code(): string {
    return this.diagnostics[0]?.code ?? 'UNKNOWN';
  }
}

/** Throw one diagnostic as an error. */
export function fail(
  code: string,
  path: string,
  message: string,
  hint: string,
  expected?: string,
): never {
  throw new BitnetError([diag(code, path, message, hint, expected)]);
}

/** Throw if any error-severity diagnostic is present. */
export function throwIfErrors(diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.some((d) => d.severity === 'error')) throw new BitnetError(diagnostics);
}

export function formatDiagnostic(d: Diagnostic): string {
  const lines = [`${d.severity} ${d.code} at ${d.path}: ${d.message}`];
  if (d.expected !== undefined) lines.push(`  expected: ${d.expected}`);
  lines.push(`  fix: ${d.hint}`);
  return lines.join('\n');
}

export function formatDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map(formatDiagnostic).join('\n');
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}
