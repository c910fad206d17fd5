/**
 * Progress on stderr for long steps: only when stderr is a terminal and --json is off, so pipes,
 * logs and JSON consumers see nothing extra.
 */
let enabled = Boolean(process.stderr.isTTY);

/** Turn progress output off (the CLI does under --json) or back on. */
export function setProgressEnabled(on: boolean): void {
  enabled = on && Boolean(process.stderr.isTTY);
}

export function progressEnabled(): boolean {
  return enabled;
}

/** Announce a step; the returned function reports it done with its elapsed time. */
export function progressLine(message: string): () => void {
  if (!enabled) return () => {};
  const t0 = performance.now();
  process.stderr.write(`${message} ...\n`);
  return () => process.stderr.write(`${message}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
