/** All benchmarks in one run: `npm run bench`. Prints ratios measured side by side. */
import { benchGemv, printGemv } from './gemv.js';
import { bench2b4t, print2b4t } from './model-2b4t.js';
import { benchMachine, benchSim } from './sim.js';

printGemv(benchGemv());
console.log();
print2b4t(bench2b4t(process.argv[2]));
console.log();
benchSim();
console.log();
benchMachine();
