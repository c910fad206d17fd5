/**
 * The IR's versioned on-disk form: one safetensors file whose `__metadata__` holds the IR JSON
 * (`bitnet-hw.ir`) and its format version (`bitnet-hw.format`), with every tensor of the store
 * under its IR name. Lossless: load(save(m)) has the same IR and byte-identical tensors.
 * Deterministic: the same model always gives the same file.
 */
import * as fs from 'node:fs';
import { BitnetError, diag, fail } from '../util/diagnostics.js';
import { openSafetensors, readTensorBytes, writeSafetensors, type StDType, type StTensorOut } from './safetensors.js';
import { ModelSchema } from './schema.js';
import type { DType, Model, ModelIR, StoredTensor } from './types.js';
import { validateModel } from './validate.js';

export const IR_FILE_NAME = 'model.bitnet.safetensors';
export const IR_FORMAT_VERSION = '1';

/** IR dtype -> safetensors dtype (every writer of safetensors uses this). */
export const TO_ST: Readonly<Record<DType, StDType>> = { f32: 'F32', bf16: 'BF16', f16: 'F16', u8: 'U8', i8: 'I8', i32: 'I32' };
const FROM_ST: Partial<Record<StDType, DType>> = { F32: 'f32', BF16: 'bf16', F16: 'f16', U8: 'u8', I8: 'i8', I32: 'i32' };

/** Serialize with sorted keys so equal IRs give equal bytes. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return val;
  });
}

/** Metadata key holding the checkpoint fingerprint (see fingerprint.ts) of a converted folder. */
export const IR_SOURCE_KEY = 'bitnet-hw.source';

export function saveIRFile(model: Model, file: string, source?: readonly unknown[]): void {
  const tensors: StTensorOut[] = [...model.tensors.entries()].map(([name, t]) => ({
    name,
    dtype: TO_ST[t.dtype],
    shape: t.shape,
    data: t.data,
  }));
  writeSafetensors(file, tensors, {
    'bitnet-hw.format': IR_FORMAT_VERSION,
    'bitnet-hw.ir': canonicalJson(model.ir),
    ...(source ? { [IR_SOURCE_KEY]: canonicalJson(source) } : {}),
  });
}

export function loadIRFile(file: string): Model {
  const st = openSafetensors(file);
  const md = st.metadata ?? {};
  const ver = md['bitnet-hw.format'];
  if (ver === undefined || md['bitnet-hw.ir'] === undefined) {
    fail('IRF001', file, 'safetensors file has no bitnet-hw IR in its metadata', 'create it with `bitnet-hw convert`', '__metadata__ with bitnet-hw.format and bitnet-hw.ir');
  }
  if (ver !== IR_FORMAT_VERSION) {
    fail('IRF002', file, `IR file format version ${ver} is not supported`, 're-convert the model with this version of bitnet-hw', IR_FORMAT_VERSION);
  }
  let json: unknown;
  try {
    json = JSON.parse(md['bitnet-hw.ir']!);
  } catch (e) {
    fail('IRF003', file, `embedded IR is not valid JSON (${(e as Error).message})`, 're-convert the model');
  }
  const parsed = ModelSchema.safeParse(json);
  if (!parsed.success) {
    throw new BitnetError(
      parsed.error.issues.map((i) => diag('IRF004', `${file}:ir.${i.path.join('.')}`, `IR schema: ${i.message}`, 're-convert the model; the embedded IR was edited or corrupted')),
    );
  }
  const ir: ModelIR = parsed.data;
  const store = new Map<string, StoredTensor>();
  for (const [name, info] of st.tensors) {
    const dtype = FROM_ST[info.dtype];
    if (!dtype) fail('IRF005', `${file}:${name}`, `dtype ${info.dtype} is not used by the IR`, 're-convert the model');
    const b = readTensorBytes(info);
    const data =
      dtype === 'f32' ? new Float32Array(b.buffer, 0, b.length / 4)
      : dtype === 'bf16' || dtype === 'f16' ? new Uint16Array(b.buffer, 0, b.length / 2)
      : dtype === 'i32' ? new Int32Array(b.buffer, 0, b.length / 4)
      : dtype === 'i8' ? new Int8Array(b.buffer, 0, b.length)
      : b;
    store.set(name, { dtype, shape: [...info.shape], data });
  }
  const model: Model = { ir, tensors: store };
  const ds = validateModel(model).filter((d) => d.severity === 'error');
  if (ds.length) throw new BitnetError(ds);
  return model;
}

/** The source fingerprint recorded in an IR file's metadata, or null. */
export function irFileSource(file: string): unknown[] | null {
  const md = openSafetensors(file).metadata ?? {};
  const raw = md[IR_SOURCE_KEY];
  if (raw === undefined) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** A file bitnet-hw wrote with `convert` (safetensors with the IR metadata). */
export function isIRFile(file: string): boolean {
  try {
    const md = openSafetensors(file).metadata ?? {};
    return md['bitnet-hw.format'] !== undefined && md['bitnet-hw.ir'] !== undefined;
  } catch {
    return false;
  }
}
