/**
 * The bitnet-hw library: the typed entry point behind the CLI. Every stage of the pipeline is a
 * function here (import a checkpoint, validate, run the reference in float or hw numerics, compile
 * the accelerator program, simulate it, generate and verify the RTL, implement it, price energy,
 * write the report). Errors are thrown as `BitnetError` with coded diagnostics; nothing here
 * prints or exits.
 */
export type { Model, ModelIR, WeightKind } from './ir/types.js';
export { loadModel } from './ir/load.js';
export { validateModel, validateIR } from './ir/validate.js';
export { ARCH_PRESETS, loadArch, parseArch, validateArchForModel, type ArchSpec, type MachineSpec, type SystemSpec } from './ir/arch.js';
export { MODEL_PRESETS, shapeIR, shapeOfModel, type ModelShape } from './ir/presets.js';
export { compileProgram } from './ir/compile.js';
export { encodeProgram, listing, programManifest } from './ir/program-image.js';
export type { Program, Instr } from './ir/program.js';

export { forward, createKvCache, runSequence, generateGreedy, argmax, type ForwardOptions, type RunResult } from './ref/model.js';
export { openSession, runTokens, generateTokens, type Backend, type Session } from './backend.js';
export type { Numerics } from './numerics/index.js';

export { createMachine, simulateModel, targetClock, type SimClock, type SimReport } from './sim/model.js';
export { simulateFunctional } from './sim/functional.js';

export { generateRtl, writeRtl, GENERATOR_VERSION, type RtlDesign, type RtlManifest } from './codegen/verilog.js';
export { verifyModel, type VerifyOptions, type VerifyResult, type MismatchReport } from './verify/index.js';
export { implement, cachedImplementation, clockFor, IMPL_TARGETS, type ImplOptions, type ImplResult } from './verify/impl.js';

export { loadEnergyTable, TABLES as ENERGY_TABLES, type EnergyTable } from './energy/tables.js';
export { paperEnergy, type PaperEnergy } from './energy/paper.js';
export { activityEnergy, priceActions, type ActivityEnergy, type EnergyLine } from './energy/activity.js';
export { writeReport, renderReport, type ReportData } from './report/index.js';

export { runPipeline, STEPS, type PipelineContext, type StepReport } from './pipeline.js';
export { BitnetError, formatDiagnostics, type Diagnostic } from './util/diagnostics.js';
export { cacheRoot } from './verify/tools.js';
export { runSweep, type SweepResult, type SweepEntry, type SweepOptions } from './sweep/index.js';
export { evaluatePoint, type PointResult, type PointOptions } from './sweep/point.js';
export { parseSpace, loadSpace, expandSpace, type Space, type SpacePoint } from './sweep/space.js';
export { paretoFront, dominates } from './sweep/pareto.js';
