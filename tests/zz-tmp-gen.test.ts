import { it } from 'vitest';
import { generateRtl, writeRtl } from '../src/codegen/verilog.js';
import { ARCH_PRESETS, parseArch } from '../src/ir/arch.js';
import { loadModel } from '../src/ir/load.js';
import { syntheticModelDir, defaultModelDir } from '../src/util/paths.js';
it('gen', () => {
  const m = loadModel(syntheticModelDir());
  writeRtl(generateRtl(loadModel(defaultModelDir()), ARCH_PRESETS['tiny']!), '/tmp/lint/tiny');
  writeRtl(generateRtl(loadModel(defaultModelDir()), ARCH_PRESETS['default']!), '/tmp/lint/default');
  writeRtl(generateRtl(m, ARCH_PRESETS['tiny-base3']!), '/tmp/lint/b3');
  writeRtl(generateRtl(m, parseArch({ name: 'lp', lanes: 5, simd: 7, weightKind: 'ternary', treePipeline: 0, weightMemory: 'load-port', clockMHz: 100 }, 'x')), '/tmp/lint/lp');
});
