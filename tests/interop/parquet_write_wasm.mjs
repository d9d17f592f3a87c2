// Writes Parquet files with arrow-rs (parquet-wasm) for Murr's Parquet reader tests.
//
//   node parquet_write_wasm.mjs <out_dir>   test files + <out_dir>/manifest.json
//
// The table is built with apache-arrow from typed arrays (floats from random bit patterns, so
// NaN payloads, subnormals and -0.0 are exercised bit for bit), then written with every codec,
// data page v1 and v2, dictionary on and off, and each value encoding arrow-rs offers per type.
// manifest.json has the same shape as parquet_write_duckdb.mjs's.
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const outDir = process.argv[2];
mkdirSync(outDir, { recursive: true });
const N = 3000;

let seed = 0x9e3779b9;
function rand32() {  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
const rand64 = () => (BigInt(rand32()) << 32n) | BigInt(rand32());

function validity(nullEvery) {
  const bits = new Uint8Array(Math.ceil(N / 8));
  let nulls = 0;
  for (let i = 0; i < N; ++i) {
    if (nullEvery && i % nullEvery === 3) ++nulls;
    else bits[i >> 3] |= 1 << (i & 7);
  }
  return { bits, nulls, isNull: (i) => !!nullEvery && i % nullEvery === 3 };
}

const cols = [];  // {name, type, nullable, vector, expected(i)}

function fixed(name, ArrowType, Arr, nullEvery, gen, show) {
  const values = new Arr(N);
  for (let i = 0; i < N; ++i) values[i] = gen(i);
  const v = validity(nullEvery);
  const type = new ArrowType();
  const data = arrow.makeData({ type, length: N, nullCount: v.nulls,
                                nullBitmap: nullEvery ? v.bits : undefined, data: values });
  cols.push({ name, nullable: !!nullEvery, vector: arrow.makeVector(data),
              expected: (i) => (v.isNull(i) ? null : show(values, i)) });
}

const ext = (lo, hi, f) => (i) => (i === 1 ? lo : i === 2 ? hi : f(i));
const num = (a, i) => Number(a[i]);
const big = (a, i) => a[i].toString();
fixed('i8', arrow.Int8, Int8Array, 7, ext(-128, 127, () => rand32() & 0xff), num);
fixed('i16', arrow.Int16, Int16Array, 0, ext(-32768, 32767, () => rand32() & 0xffff), num);
fixed('i32', arrow.Int32, Int32Array, 11, ext(-2147483648, 2147483647, () => rand32() | 0), num);
fixed('i64', arrow.Int64, BigInt64Array, 13,
      ext(-9223372036854775808n, 9223372036854775807n, () => BigInt.asIntN(64, rand64())), big);
fixed('u8', arrow.Uint8, Uint8Array, 17, ext(0, 255, () => rand32() & 0xff), num);
fixed('u16', arrow.Uint16, Uint16Array, 19, ext(0, 65535, () => rand32() & 0xffff), num);
fixed('u32', arrow.Uint32, Uint32Array, 23, ext(0, 4294967295, () => rand32()), num);
fixed('u64', arrow.Uint64, BigUint64Array, 29, ext(0n, 18446744073709551615n, () => rand64()), big);
fixed('seq', arrow.Int32, Int32Array, 0, (i) => 1000 + 3 * i - (i % 5), num);  // delta-friendly

// Floats from raw bit patterns: random bits (NaNs with payloads, subnormals) mixed with
// ordinary values, +-0, +-Inf.
const f32bits = new Uint32Array(N);
for (let i = 0; i < N; ++i) {
  const r = i % 8;
  f32bits[i] = r === 0 ? rand32() : r === 1 ? [0, 0x80000000, 0x7f800000, 0xff800000,
    0x7fc00001, 0x00000001][i % 6] : new Uint32Array(new Float32Array([(rand32() % 100000) / 7]).buffer)[0];
}
fixed('f32', arrow.Float32, Float32Array, 31, () => 0, () => '');
{
  const v = validity(31);
  const data = arrow.makeData({ type: new arrow.Float32(), length: N, nullCount: v.nulls,
                                nullBitmap: v.bits, data: new Float32Array(f32bits.buffer) });
  cols[cols.length - 1] = { name: 'f32', nullable: true, vector: arrow.makeVector(data),
    expected: (i) => (v.isNull(i) ? null : 'f32:' + f32bits[i].toString(16).padStart(8, '0')) };
}
const f64bits = new BigUint64Array(N);
for (let i = 0; i < N; ++i) {
  const r = i % 8;
  f64bits[i] = r === 0 ? rand64() : r === 1 ? [0n, 0x8000000000000000n, 0x7ff0000000000000n,
    0xfff0000000000000n, 0x7ff8000000000001n, 1n][i % 6]
    : new BigUint64Array(new Float64Array([rand32() / 3 - 1e9]).buffer)[0];
}
{
  const v = validity(0);
  const data = arrow.makeData({ type: new arrow.Float64(), length: N, nullCount: 0,
                                data: new Float64Array(f64bits.buffer) });
  cols.push({ name: 'f64', nullable: false, vector: arrow.makeVector(data),
    expected: (i) => 'f64:' + f64bits[i].toString(16).padStart(16, '0') });
  void v;
}

// Strings and booleans through the builders (nulls as JS null).
function built(name, type, nullable, gen) {
  const values = Array.from({ length: N }, (_, i) => gen(i));
  const vector = arrow.vectorFromArray(values, type);
  if (vector.data.length !== 1) throw new Error('expected one chunk');
  let v = vector;
  if (!nullable) {
    // Same data, declared non-nullable.
    const d = vector.data[0];
    v = arrow.makeVector(type instanceof arrow.Utf8
      ? arrow.makeData({ type, length: N, nullCount: 0, valueOffsets: d.valueOffsets, data: d.values })
      : arrow.makeData({ type, length: N, nullCount: 0, data: d.values }));
  }
  cols.push({ name, nullable, vector: v, expected: (i) => values[i] });
}
const words = ['alpha', 'béta', '日本語', '🙂 emoji', '', 'naïve', 'Zürich'];
built('key', new arrow.Utf8(), false, (i) => `user-${String(i).padStart(8, '0')}`);
built('s', new arrow.Utf8(), true, (i) => (i % 9 === 4 ? null : words[(i * 7) % words.length] + (i % 3 ? '' : i % 40)));
built('b', new arrow.Bool(), true, (i) => (i % 6 === 5 ? null : (rand32() & 1) === 1));
built('breq', new arrow.Bool(), false, (i) => i % 3 === 0);

const TYPE = {
  i8: 'int8', i16: 'int16', i32: 'int32', i64: 'int64', u8: 'uint8', u16: 'uint16',
  u32: 'uint32', u64: 'uint64', seq: 'int32', f32: 'float32', f64: 'float64', key: 'utf8',
  s: 'utf8', b: 'bool', breq: 'bool',
};
const fields = cols.map((c) => new arrow.Field(c.name, c.vector.type, c.nullable));
const schema = new arrow.Schema(fields);
const structData = arrow.makeData({ type: new arrow.Struct(fields), length: N, nullCount: 0,
                                    children: cols.map((c) => c.vector.data[0]) });
const table = new arrow.Table([new arrow.RecordBatch(schema, structData)]);
const ipc = arrow.tableToIPC(table, 'stream');
const rows = Array.from({ length: N }, (_, i) => cols.map((c) => c.expected(i)));

const INTS = ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'seq'];
const STRS = ['key', 's'];
const FLOATS = ['f32', 'f64'];
const BOOLS = ['b', 'breq'];

const variants = [];
for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW']) {
  for (const version of ['V1', 'V2']) variants.push({ codec, version, dictionary: true });
}
// Value encodings (dictionary off so that the chosen encoding is used), small pages and row
// groups so that every column spans several of each.
const enc = (ints, strs, floats, bools) => ({ ints, strs, floats, bools });
variants.push({ codec: 'SNAPPY', version: 'V1', dictionary: false, enc: enc('PLAIN', 'PLAIN', 'PLAIN', 'PLAIN') });
variants.push({ codec: 'ZSTD', version: 'V2', dictionary: false,
                enc: enc('DELTA_BINARY_PACKED', 'DELTA_BYTE_ARRAY', 'BYTE_STREAM_SPLIT', 'RLE') });
variants.push({ codec: 'UNCOMPRESSED', version: 'V1', dictionary: false,
                enc: enc('DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'BYTE_STREAM_SPLIT', 'RLE') });
variants.push({ codec: 'LZ4', version: 'V2', dictionary: false,
                enc: enc('BYTE_STREAM_SPLIT', 'DELTA_LENGTH_BYTE_ARRAY', 'PLAIN', 'PLAIN') });
variants.push({ codec: 'GZIP', version: 'V1', dictionary: false,
                enc: enc('PLAIN', 'DELTA_BYTE_ARRAY', 'BYTE_STREAM_SPLIT', 'RLE') });
variants.push({ codec: 'BROTLI', version: 'V2', dictionary: true, small: true });
variants.push({ codec: 'ZSTD', version: 'V1', dictionary: true, small: true });

const manifest = { writer: 'parquet-wasm', rows, files: [], skipped: [] };
for (const v of variants) {
  let name = `wasm_${v.codec}_${v.version}_${v.dictionary ? 'dict' : 'nodict'}`;
  if (v.enc) name += `_${v.enc.ints}_${v.enc.strs}_${v.enc.floats}_${v.enc.bools}`;
  if (v.small) name += '_small';
  const file = `${name}.parquet`;
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression[v.codec])
    .setWriterVersion(pw.WriterVersion[v.version])
    .setDictionaryEnabled(v.dictionary)
    .setMaxRowGroupSize(v.small ? 500 : 1200);
  if (v.small) b = b.setDataPageSizeLimit(512).setWriteBatchSize(64);
  if (v.enc) {
    const groups = [[INTS, v.enc.ints], [STRS, v.enc.strs], [FLOATS, v.enc.floats], [BOOLS, v.enc.bools]];
    for (const [names, e] of groups) {
      for (const c of names) b = b.setColumnEncoding(c, pw.Encoding[e]);
    }
  }
  try {
    const bytes = pw.writeParquet(pw.Table.fromIPCStream(ipc), b.build());
    writeFileSync(join(outDir, file), bytes);
  } catch (e) {
    manifest.skipped.push({ file, options: v, error: String(e) });
    continue;
  }
  manifest.files.push({
    file, options: v,
    columns: cols.map((c) => ({ name: c.name, type: TYPE[c.name], nullable: c.nullable })),
  });
}

// Record what each file really holds (codec and encodings per chunk) with DuckDB's metadata
// functions, so that the test can check the coverage it claims.
const { DuckDBInstance } = await import('@duckdb/node-api');
const conn = await (await DuckDBInstance.create(':memory:')).connect();
for (const f of manifest.files) {
  const meta = await conn.runAndReadAll(
    `SELECT path_in_schema, row_group_id, compression, encodings FROM parquet_metadata('${join(outDir, f.file)}')`);
  f.chunks = meta.getRowsJS().map(([column, rg, compression, encodings]) =>
    ({ column, row_group: Number(rg), compression, encodings }));
  f.num_row_groups = new Set(f.chunks.map((c) => c.row_group)).size;
}
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest));
console.log(`wrote ${manifest.files.length} files to ${outDir}; skipped ${manifest.skipped.length}`);
for (const s of manifest.skipped) console.log(`skipped ${s.file}: ${s.error}`);
