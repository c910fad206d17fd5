/**
 * Progress on stderr for long work: only when stderr is a terminal and --json is off, so pipes,
 * logs and JSON consumers see nothing extra. Counted work (vectors, positions, steps) draws a bar
 * with the rate and ETA (cli-progress); a step that cannot be counted (a tool run) announces
 * itself and reports its time when done.
 */
import cliProgress from 'cli-progress';

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

export interface ProgressBar {
  /** Work done so far (absolute). */
  update(done: number): void;
  stop(): void;
}

const NOOP: ProgressBar = { update: () => {}, stop: () => {} };

/**
 * A bar for `total` units of `what` (drawn only for work of at least `minTotal` units). The loop
 * it measures is synchronous, so the bar redraws from `update` itself (synchronousUpdate).
 */
export function progressBar(label: string, total: number, what: string, minTotal = 1): ProgressBar {
  if (!enabled || total < minTotal) return NOOP;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} ${what} ({percentage}%), ETA {eta_formatted}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      synchronousUpdate: true,
      fps: 5,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
