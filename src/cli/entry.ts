/** Process entry point: the only place that sets the exit status. */
import { installTempCleanup } from '../util/fsout.js';
import { cli } from './main.js';

installTempCleanup();
cli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error (a bug of bitnet-hw; please report it): ${String(e)}\n`);
    process.exitCode = 3;
  },
);
