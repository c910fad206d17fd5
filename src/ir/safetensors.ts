/**
 * safetensors: a strict streaming reader and a deterministic writer.
 *
 * Needs: a path. Guarantees: `openSafetensors` validates the whole header (every problem reported
 * at once) before any tensor byte is read; tensors are then read one at a time with positioned
 * reads, so a checkpoint is never held in memory twice. `writeSafetensors` sorts tensors by name,
 * writes no timestamps, and renames a temporary file into place so a failure leaves nothing behind.
 *
 * Format: 8-byte little-endian header length N, N bytes of JSON `{name: {dtype, shape,
 * data_offsets: [begin, end]}, "__metadata__"?: {str: str}}`, then the data section; offsets are
 * relative to the data section, must tile it exactly (no overlap, no hole).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BitnetError, diag, fail, type Diagnostic } from '../util/diagnostics.js';
import { dropTemp, fsFail, keepTemp, sweepStaleTemps, tempSibling } from '../util/fsout.js';

export const ST_DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type StDType = keyof typeof ST_DTYPE_SIZES;

export function isStDType(s: string): s is StDType {
  return Object.prototype.hasOwnProperty.call(ST_DTYPE_SIZES, s);
}

export interface StTensorInfo {
  readonly name: string;
  readonly dtype: StDType;
  readonly shape: readonly number[];
  /** Absolute byte offsets in the file. */
  readonly begin: number;
  readonly end: number;
  readonly file: string;
}

export interface StHeader {
  readonly headerSize: number;
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly tensors: ReadonlyMap<string, StTensorInfo>;
}

export interface StFile extends StHeader {
  readonly path: string;
  readonly fileSize: number;
}

/** Largest header we accept; the reference implementation uses the same 100 MB bound. */
export const MAX_HEADER_BYTES = 100_000_000;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Parse and validate a header. Pure: takes the header JSON bytes and the file size, so the fuzzer
 * can drive it without touching the disk.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  fileSize: number,
  file: string,
): StHeader {
  const n = headerBytes.length;
  const ds: Diagnostic[] = [];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail('ST003', file, 'header is not valid UTF-8', 'regenerate the file with a safetensors writer');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(
      'ST003',
      file,
      `header is not valid JSON (${(e as Error).message})`,
      'the file is truncated or not a safetensors file; regenerate it',
      'a JSON object of tensor entries',
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail('ST004', file, 'header JSON is not an object', 'regenerate the file', '{"name": {dtype, shape, data_offsets}}');
  }
  const dataStart = 8 + n;
  const dataSize = fileSize - dataStart;
  let metadata: Record<string, string> | null = null;
  const tensors = new Map<string, StTensorInfo>();
  const spans: { name: string; b: number; e: number }[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    const where = `${file}:${name}`;
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
        ds.push(diag('ST012', where, '__metadata__ must map strings to strings', 'store metadata values as strings', '{"key": "value"}'));
      } else metadata = raw as Record<string, string>;
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      ds.push(diag('ST005', where, 'tensor entry is not an object', 'each entry needs dtype, shape and data_offsets', '{"dtype": "F32", "shape": [..], "data_offsets": [b, e]}'));
      continue;
    }
    const r = raw as Record<string, unknown>;
    const dtype = r['dtype'];
    const shape = r['shape'];
    const offs = r['data_offsets'];
    if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(offs)) {
      ds.push(diag('ST005', where, 'tensor entry lacks dtype, shape or data_offsets', 'regenerate the file with a safetensors writer', '{"dtype": string, "shape": int[], "data_offsets": [int, int]}'));
      continue;
    }
    if (!isStDType(dtype)) {
      ds.push(diag('ST006', where, `unknown dtype "${dtype}"`, 'convert the tensor to a standard dtype', Object.keys(ST_DTYPE_SIZES).join(', ')));
      continue;
    }
    if (!shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      ds.push(diag('ST007', where, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`, 'fix the tensor shape', 'e.g. [2560, 640]'));
      continue;
    }
    if (offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      ds.push(diag('ST005', where, `data_offsets ${JSON.stringify(offs)} is not [begin, end]`, 'regenerate the file', '[begin, end] with 0 <= begin <= end'));
      continue;
    }
    const [b, e] = offs as [number, number];
    if (b > e || e > dataSize) {
      ds.push(diag('ST008', where, `data_offsets [${b}, ${e}] fall outside the data section of ${Math.max(dataSize, 0)} bytes`, 'the file is truncated or the header is corrupt; regenerate it', `0 <= begin <= end <= ${Math.max(dataSize, 0)}`));
      continue;
    }
    const want = numel(shape as number[]) * ST_DTYPE_SIZES[dtype];
    if (e - b !== want) {
      ds.push(diag('ST009', where, `${e - b} bytes stored but shape ${JSON.stringify(shape)} of ${dtype} needs ${want}`, 'the shape or dtype in the header does not match the data; regenerate the file', `${want} bytes`));
      continue;
    }
    spans.push({ name, b, e });
    tensors.set(name, { name, dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e, file });
  }
  // Tiling is only meaningful once every entry parsed: a skipped entry would look like a hole.
  if (ds.length > 0) throw new BitnetError(ds);
  spans.sort((x, y) => x.b - y.b || x.e - y.e);
  let cursor = 0;
  for (const s of spans) {
    if (s.b < cursor) {
      ds.push(diag('ST010', `${file}:${s.name}`, `tensor bytes [${s.b}, ${s.e}) overlap another tensor ending at ${cursor}`, 'regenerate the file; tensors must not share bytes', 'non-overlapping data_offsets'));
    } else if (s.b > cursor) {
      ds.push(diag('ST011', `${file}:${s.name}`, `hole of ${s.b - cursor} bytes before this tensor`, 'regenerate the file; the data section must be fully indexed', `begin = ${cursor}`));
    }
    cursor = Math.max(cursor, s.e);
  }
  if (ds.length === 0 && cursor !== dataSize) {
    ds.push(diag('ST011', file, `${dataSize - cursor} trailing bytes after the last tensor`, 'the file has extra bytes; regenerate it', `data section of ${cursor} bytes`));
  }
  if (ds.length > 0) throw new BitnetError(ds);
  return { headerSize: n, metadata, tensors };
}

/** Open and validate a safetensors file without reading tensor data. */
export function openSafetensors(file: string): StFile {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    fail('ST014', file, `cannot open file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path and permissions', 'a readable .safetensors file');
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) fail('ST014', file, st.isDirectory() ? 'the path is a folder, not a safetensors file' : 'not a regular file', 'pass the .safetensors file itself', 'a readable .safetensors file');
    const fileSize = st.size;
    if (fileSize < 8) {
      fail('ST001', file, `file is ${fileSize} bytes, shorter than the 8-byte header length`, 'the file is truncated; regenerate or re-copy it', '>= 8 bytes');
    }
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const len = lenBuf.readBigUInt64LE(0);
    if (len > BigInt(MAX_HEADER_BYTES)) {
      fail('ST013', file, `header length ${len} exceeds the ${MAX_HEADER_BYTES}-byte limit`, 'this is not a safetensors file or its first 8 bytes are corrupt', `<= ${MAX_HEADER_BYTES}`);
    }
    const n = Number(len);
    if (8 + n > fileSize) {
      fail('ST002', file, `header length ${n} runs past the end of the ${fileSize}-byte file`, 'the file is truncated; regenerate or re-copy it', `<= ${fileSize - 8}`);
    }
    const hb = Buffer.alloc(n);
    fs.readSync(fd, hb, 0, n, 8);
    const header = parseSafetensorsHeader(hb, fileSize, file);
    return { ...header, path: file, fileSize };
  } finally {
    fs.closeSync(fd);
  }
}

/** Read one tensor's raw little-endian bytes into a fresh, 8-byte-aligned buffer. */
export function readTensorBytes(info: StTensorInfo): Uint8Array {
  const size = info.end - info.begin;
  const buf = new Uint8Array(new ArrayBuffer(size));
  const fd = fs.openSync(info.file, 'r');
  try {
    let done = 0;
    // readSync caps a single read at 2 GiB; loop in 256 MiB pieces.
    while (done < size) {
      const want = Math.min(size - done, 1 << 28);
      const got = fs.readSync(fd, buf, done, want, info.begin + done);
      if (got <= 0) fail('ST002', `${info.file}:${info.name}`, 'file ended while reading tensor data', 'the file was truncated after it was opened; re-copy it');
      done += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

export interface StTensorOut {
  readonly name: string;
  readonly dtype: StDType;
  readonly shape: readonly number[];
  readonly data: ArrayBufferView;
}

function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Build the header bytes (padded to 8 bytes with spaces, as the reference writer does). */
export function buildSafetensorsHeader(
  tensors: readonly StTensorOut[],
  metadata?: Readonly<Record<string, string>>,
): { header: Uint8Array; order: StTensorOut[] } {
  const order = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const obj: Record<string, unknown> = {};
  if (metadata) {
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(metadata).sort()) sorted[k] = metadata[k]!;
    obj['__metadata__'] = sorted;
  }
  let off = 0;
  for (const t of order) {
    const size = t.data.byteLength;
    const want = numel(t.shape) * ST_DTYPE_SIZES[t.dtype];
    if (size !== want) throw new Error(`writeSafetensors: ${t.name} has ${size} bytes, shape needs ${want}`);
    obj[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [off, off + size] };
    off += size;
  }
  let json = JSON.stringify(obj);
  const pad = (8 - ((Buffer.byteLength(json) + 8) % 8)) % 8;
  json += ' '.repeat(pad);
  return { header: new TextEncoder().encode(json), order };
}

/** Write a safetensors file atomically (temp file + rename). */
export function writeSafetensors(
  file: string,
  tensors: readonly StTensorOut[],
  metadata?: Readonly<Record<string, string>>,
): void {
  const { header, order } = buildSafetensorsHeader(tensors, metadata);
  sweepStaleTemps(path.dirname(path.resolve(file)));
  const tmp = tempSibling(file);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w');
  } catch (e) {
    dropTemp(tmp);
    fsFail(e, file, 'write the safetensors file');
  }
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    fs.writeSync(fd, len);
    fs.writeSync(fd, header);
    for (const t of order) {
      const b = bytesOf(t.data);
      let done = 0;
      while (done < b.length) done += fs.writeSync(fd, b, done, Math.min(b.length - done, 1 << 28));
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
    keepTemp(tmp);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    dropTemp(tmp);
    fsFail(e, file, 'write the safetensors file');
  }
}
