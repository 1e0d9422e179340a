/** Real MAE weights with no Python: see import-weights.ts. */
export { importWeights, importedModelFiles, architectureLabel, type ImportedModel, type ImportOptions, type ImportProgress, type ModelCardFacts } from './import-weights.ts';
export { WeightsError } from './errors.ts';
export type { MaeArchitecture, WeightsLayout } from './architecture.ts';
export type { GraphOps } from './mae-graph.ts';
export { choosePrecision, estimatedRuntimeBytes, INT8_DEFAULT_PARAMS, memoryProblem, WASM_MEMORY_LIMIT, type ExecutionTarget, type Precision, type PrecisionRequest } from './memory.ts';
