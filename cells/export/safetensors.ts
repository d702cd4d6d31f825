// The safetensors format (Hugging Face; what `safetensors.torch.load_file` and most model hubs
// read), written and read here without the library:
//
//   u64 little-endian N | N bytes of JSON header | tensor data
//
// The header maps each tensor's name to `{"dtype", "shape", "data_offsets": [begin, end]}`
// (offsets into the data that follows the header) and may hold `__metadata__`, an object of
// strings only. We pad the header with spaces to a multiple of 8 bytes, as the reference writer
// does, so that every tensor starts aligned; the tensors are laid out back to back in the order
// given, little-endian, and cover the data exactly (the reference reader refuses holes and
// overlaps, and so does `decodeSafetensors`).
import { z } from 'zod';

export const SAFETENSORS_DTYPES = { F32: 4, F64: 8 } as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

export interface Tensor {
  name: string;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface Safetensors {
  tensors: Tensor[];
  metadata: Record<string, string>;
}

const METADATA = '__metadata__';
/** The reference reader refuses headers over 100 MB. */
const MAX_HEADER = 100_000_000;

const dtypeOf = (data: Tensor['data']): SafetensorsDtype => (data instanceof Float64Array ? 'F64' : 'F32');
const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The file's bytes; throws on a tensor whose data does not fit its shape or a reserved name. */
export function encodeSafetensors({ tensors, metadata }: Safetensors): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA] = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA || Object.hasOwn(header, t.name)) throw new Error(`safetensors: tensor name '${t.name}' is reserved or used twice`);
    if (elements(t.shape) !== t.data.length) throw new Error(`safetensors: tensor '${t.name}' has ${t.data.length} values, its shape [${t.shape.join(', ')}] needs ${elements(t.shape)}`);
    header[t.name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = JSON.stringify(header);
  const n = Buffer.byteLength(json, 'utf8');
  const padded = Math.ceil(n / 8) * 8;
  const out = Buffer.alloc(8 + padded + offset, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  out.write(json, 8, 'utf8');
  let at = 8 + padded;
  for (const t of tensors) {
    const view = new DataView(out.buffer, out.byteOffset + at, t.data.byteLength);
    // Explicitly little-endian, whatever the platform's byte order.
    if (t.data instanceof Float64Array) t.data.forEach((v, i) => view.setFloat64(i * 8, v, true));
    else t.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
    at += t.data.byteLength;
  }
  return out;
}

const EntrySchema = z.strictObject({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});
const MetadataSchema = z.record(z.string(), z.string());

/** Reads a safetensors file (F32 and F64 tensors), tensors in the order of their data; throws a clear Error on anything malformed. */
export function decodeSafetensors(bytes: Uint8Array, where = 'safetensors'): Safetensors {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new Error(`${where}: not a usable safetensors file: ${why}`);
  };
  if (buf.length < 8) fail('shorter than its 8-byte header length');
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER, buf.length - 8))) fail(`its header length ${n} runs past the end or over 100 MB`);
  const start = 8 + Number(n);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8', 8, start));
  } catch {
    return fail('its header is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('its header is not a JSON object');
  const metadata = Object.hasOwn(raw, METADATA) ? MetadataSchema.safeParse((raw as Record<string, unknown>)[METADATA]) : { success: true as const, data: {} };
  if (!metadata.success) return fail('__metadata__ must map strings to strings');
  const entries = Object.entries(raw).filter(([name]) => name !== METADATA).map(([name, v]) => {
    const e = EntrySchema.safeParse(v);
    if (!e.success) return fail(`tensor '${name}': ${z.prettifyError(e.error)}`);
    return { name, ...e.data };
  });
  entries.sort((a, b) => a.data_offsets[0] - b.data_offsets[0]);
  let expected = 0;
  const tensors = entries.map((e): Tensor => {
    const width = SAFETENSORS_DTYPES[e.dtype as SafetensorsDtype];
    if (width === undefined) return fail(`tensor '${e.name}' has dtype ${e.dtype}; only ${Object.keys(SAFETENSORS_DTYPES).join(' and ')} are read`);
    const [begin, end] = e.data_offsets;
    if (begin !== expected) fail(`tensor '${e.name}' starts at ${begin}, not at ${expected} (a hole or an overlap)`);
    if (end - begin !== elements(e.shape) * width) fail(`tensor '${e.name}' spans ${end - begin} bytes, its shape and dtype need ${elements(e.shape) * width}`);
    if (start + end > buf.length) fail(`tensor '${e.name}' runs past the end`);
    expected = end;
    const view = new DataView(buf.buffer, buf.byteOffset + start + begin, end - begin);
    const count = elements(e.shape);
    const data = width === 8 ? Float64Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true)) : Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
    return { name: e.name, shape: e.shape, data };
  });
  if (start + expected !== buf.length) fail(`${buf.length - start - expected} bytes after the last tensor`);
  return { tensors, metadata: metadata.data };
}
