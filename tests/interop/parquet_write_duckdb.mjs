// Writes Parquet files with DuckDB (@duckdb/node-api) for Murr's Parquet reader tests.
//
//   node parquet_write_duckdb.mjs <out_dir>            test files + <out_dir>/manifest.json
//   node parquet_write_duckdb.mjs --bench <file> <rows> one big file: utf8 key + 10 float32, ZSTD
//
// manifest.json: {"writer", "rows": [[...]] (shared by all files), "files": [{"file", "options",
// "columns": [{"name", "type", "nullable"}], "chunks": [{"column", "row_group", "compression",
// "encodings"}], "num_row_groups"}]}. Values are what DuckDB holds in its table (read back with SELECT, not from
// the file): int64/uint64 as decimal strings, floats as "f32:<hex bits>" / "f64:<hex bits>".
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();

if (process.argv[2] === '--bench') {
  const [file, rows] = [process.argv[3], Number(process.argv[4] || 10000000)];
  const floats = Array.from({ length: 10 }, (_, j) =>
    `((hash(i * 10 + ${j}) % 2000000)::DOUBLE / 1000.0 - 1000.0)::FLOAT AS f${j}`).join(', ');
  await conn.run(`COPY (SELECT 'user-' || lpad(i::VARCHAR, 10, '0') AS key, ${floats}
                  FROM range(${rows}) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
  console.log(`wrote ${file}`);
  process.exit(0);
}

const outDir = process.argv[2];
mkdirSync(outDir, { recursive: true });
const N = 5000;

// Every murr type, nulls in every nullable column, edge values (min/max, NaN, +-Inf, -0.0,
// subnormals, empty and non-ASCII strings).
await conn.run(`CREATE TABLE t (
  k VARCHAR, s VARCHAR, b BOOLEAN,
  i8 TINYINT, i16 SMALLINT, i32 INTEGER, i64 BIGINT,
  u8 UTINYINT, u16 USMALLINT, u32 UINTEGER, u64 UBIGINT,
  f32 FLOAT, f64 DOUBLE, nn INTEGER)`);
await conn.run(`INSERT INTO t SELECT
  'key-' || i,
  CASE WHEN i % 7 = 0 THEN NULL ELSE ['alpha', 'béta', '日本語', '🙂 emoji', '', 'x' || (i % 50)][i % 6 + 1] END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i = 1 THEN -128 WHEN i = 2 THEN 127 ELSE (i * 37) % 256 - 128 END,
  CASE WHEN i % 13 = 0 THEN NULL WHEN i = 1 THEN -32768 WHEN i = 2 THEN 32767 ELSE (i * 7919) % 65536 - 32768 END,
  CASE WHEN i % 17 = 0 THEN NULL WHEN i = 1 THEN -2147483648 WHEN i = 2 THEN 2147483647
       ELSE (hash(i) % 4294967296)::BIGINT - 2147483648 END,
  CASE WHEN i % 19 = 0 THEN NULL WHEN i = 1 THEN -9223372036854775808 WHEN i = 2 THEN 9223372036854775807
       WHEN i % 3 = 0 THEN i ELSE (hash(i) >> 1)::BIGINT * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) END,
  CASE WHEN i % 23 = 0 THEN NULL WHEN i = 2 THEN 255 ELSE i % 256 END,
  CASE WHEN i % 29 = 0 THEN NULL WHEN i = 2 THEN 65535 ELSE (i * 31) % 65536 END,
  CASE WHEN i % 31 = 0 THEN NULL WHEN i = 2 THEN 4294967295 ELSE hash(i) % 4294967296 END,
  CASE WHEN i % 37 = 0 THEN NULL WHEN i = 2 THEN 18446744073709551615 ELSE hash(i) END,
  CASE WHEN i % 41 = 0 THEN NULL WHEN i % 41 = 1 THEN 'nan'::FLOAT WHEN i % 41 = 2 THEN 'inf'::FLOAT
       WHEN i % 41 = 3 THEN '-inf'::FLOAT WHEN i % 41 = 4 THEN -0.0::FLOAT WHEN i % 41 = 5 THEN 1e-45::FLOAT
       ELSE ((hash(i) % 2000000)::DOUBLE / 1000.0 - 1000.0)::FLOAT END,
  CASE WHEN i % 43 = 0 THEN NULL WHEN i % 43 = 1 THEN 'nan'::DOUBLE WHEN i % 43 = 2 THEN 'inf'::DOUBLE
       WHEN i % 43 = 3 THEN '-inf'::DOUBLE WHEN i % 43 = 4 THEN -0.0::DOUBLE WHEN i % 43 = 5 THEN 5e-324::DOUBLE
       ELSE (hash(i)::DOUBLE / 1e7) * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) END,
  i
FROM range(${N}) r(i)`);

const TYPES = {
  k: 'utf8', s: 'utf8', b: 'bool', i8: 'int8', i16: 'int16', i32: 'int32', i64: 'int64',
  u8: 'uint8', u16: 'uint16', u32: 'uint32', u64: 'uint64', f32: 'float32', f64: 'float64',
  nn: 'int32',
};
const names = Object.keys(TYPES);

function encode(v, type) {
  if (v === null || v === undefined) return null;
  const dv = new DataView(new ArrayBuffer(8));
  if (type === 'float32') {
    dv.setFloat32(0, v, true);
    return 'f32:' + dv.getUint32(0, true).toString(16).padStart(8, '0');
  }
  if (type === 'float64') {
    dv.setFloat64(0, v, true);
    return 'f64:' + dv.getBigUint64(0, true).toString(16).padStart(16, '0');
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}

const all = await conn.runAndReadAll(`SELECT ${names.join(', ')} FROM t`);
const rows = all.getRowsJS().map((r) => r.map((v, j) => encode(v, TYPES[names[j]])));

// What DuckDB can vary: the codec, the row group size, the format version (v2 brings the
// DELTA_* and BYTE_STREAM_SPLIT encodings), dictionary encoding by its size threshold.
const variants = [];
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4', 'lz4_raw', 'brotli']) {
  for (const version of ['v1', 'v2']) {
    variants.push({ codec, version, row_group_size: 2048 });
  }
}
variants.push({ codec: 'zstd', version: 'v1', row_group_size: 100000 });
variants.push({ codec: 'snappy', version: 'v2', row_group_size: 1000, no_dictionary: true });

const manifest = { writer: 'duckdb', rows, files: [] };
for (const v of variants) {
  const file = `duckdb_${v.codec}_${v.version}_rg${v.row_group_size}${v.no_dictionary ? '_nodict' : ''}.parquet`;
  const path = join(outDir, file);
  const dict = v.no_dictionary ? ', DICTIONARY_SIZE_LIMIT 1' : '';
  await conn.run(`COPY t TO '${path}' (FORMAT parquet, COMPRESSION ${v.codec},
                  ROW_GROUP_SIZE ${v.row_group_size}, PARQUET_VERSION ${v.version}${dict})`);
  const meta = await conn.runAndReadAll(
    `SELECT path_in_schema, row_group_id, compression, encodings FROM parquet_metadata('${path}')`);
  const chunks = meta.getRowsJS().map(([column, rg, compression, encodings]) =>
    ({ column, row_group: Number(rg), compression, encodings }));
  const numRowGroups = new Set(chunks.map((c) => c.row_group)).size;
  manifest.files.push({
    file, options: v, num_row_groups: numRowGroups, chunks,
    // DuckDB declares every column OPTIONAL.
    columns: names.map((name) => ({ name, type: TYPES[name], nullable: true })),
  });
}
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest));
console.log(`wrote ${manifest.files.length} files to ${outDir}`);
