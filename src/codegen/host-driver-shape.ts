/**
 * The shape every generated host driver (bnhw_engine.generated.ts) exports, for code that imports
 * a driver dynamically. Kept in step with host.ts by the type-check test in tests/sim.
 */
export interface LayerSpec {
  readonly id: number;
  readonly name: string;
  readonly n: number;
  readonly out: number;
  readonly chunks: number;
  readonly tiles: number;
  readonly wBase: number;
  readonly weightGroups: number;
}
export interface EnginePortsIn {
  s_valid: boolean;
  s_data: number;
  s_layer: number;
  m_ready: boolean;
  w_ar_ready?: boolean;
  w_r_valid?: boolean;
  w_r_data?: Uint8Array;
}
export interface EnginePortsOut {
  s_ready: boolean;
  m_valid: boolean;
  m_data: number;
  m_last: boolean;
  w_ar_valid?: boolean;
  w_ar_addr?: number;
  w_ar_len?: number;
  w_r_ready?: boolean;
}
export interface WeightMemory {
  valid(cycle: number): boolean;
  addr(): number;
  step(cycle: number, taken: boolean, request: { readonly addr: number; readonly len: number } | null): void;
}
export interface EngineBackend {
  reset?(): void;
  cycle(inputs: EnginePortsIn): EnginePortsOut;
}
export declare const LAYERS: readonly LayerSpec[];
export declare function packWeights(weights: Readonly<Record<string, Int8Array>>): Uint8Array;
export declare const WEIGHTS_IN_DRAM: boolean;
export declare function runLayer(backend: EngineBackend, layer: string, x: Float32Array, maxCycles?: number, dram?: { readonly memory: WeightMemory; readonly image: Uint8Array }): { y: Float32Array; cycles: number };
