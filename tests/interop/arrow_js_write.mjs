// Writes Arrow IPC streams with apache-arrow (JS) into <outdir>, each beside a JSON file of the
// values it holds, for tests/interop/arrow_js_test.cc to read with Murr and compare.
//   node arrow_js_write.mjs <outdir>
// Values in the JSON are canonical strings (null stays null): integers in decimal, floats as
// "f32:<bits>" / "f64:<bits>" (unsigned decimal of the bit pattern), bools "true"/"false",
// strings as themselves. A "<name>.error.json" instead names the field Murr must reject.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bool, Field, Float16, Float32, Float64, Int16, Int32, Int64, Int8, RecordBatch,
  RecordBatchStreamWriter, Schema, Struct, Uint16, Uint32, Uint64, Uint8, Utf8, makeData,
  tableFromArrays, tableToIPC, vectorFromArray, Table, Binary, DateDay, FixedSizeList,
  TimestampMillisecond, List,
} from 'apache-arrow';

const outdir = process.argv[2];
if (!outdir) {
  console.error('usage: node arrow_js_write.mjs <outdir>');
  process.exit(2);
}

// Deterministic PRNG (xorshift32), so failures reproduce.
let state = 0x9e3779b9;
function rand32() {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state;
}
function rand64() { return (BigInt(rand32()) << 32n) | BigInt(rand32()); }

const F32_SPECIAL = [0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800000, 0xff800000, 0x80000000,
  0x00000000, 0x00000001, 0x7f7fffff, 0xff7fffff, 0x3f800000];
const F64_SPECIAL = [0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff8000000abcdefn,
  0x7ff0000000000000n, 0xfff0000000000000n, 0x8000000000000000n, 0n, 1n, 0x7fefffffffffffffn,
  0x3ff0000000000000n];
const STRINGS = ['', 'a', 'hello', 'é', '日本語', '🙂 emoji', 'with "quotes"', 'back\\slash',
  'new\nline', 'nul\u0000byte', 'x'.repeat(100)];

// name, Arrow type, murr type, bytes per value (0 = special)
const TYPES = [
  ['c_utf8', () => new Utf8(), 'utf8'],
  ['c_bool', () => new Bool(), 'bool'],
  ['c_int8', () => new Int8(), 'int8', 8, true],
  ['c_int16', () => new Int16(), 'int16', 16, true],
  ['c_int32', () => new Int32(), 'int32', 32, true],
  ['c_int64', () => new Int64(), 'int64', 64, true],
  ['c_uint8', () => new Uint8(), 'uint8', 8, false],
  ['c_uint16', () => new Uint16(), 'uint16', 16, false],
  ['c_uint32', () => new Uint32(), 'uint32', 32, false],
  ['c_uint64', () => new Uint64(), 'uint64', 64, false],
  ['c_float32', () => new Float32(), 'float32'],
  ['c_float64', () => new Float64(), 'float64'],
];

const TYPED = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
};

function intValue(kind, bits, signed) {
  const r = rand32() % 5;
  if (bits === 64) {
    const min = signed ? -(1n << 63n) : 0n;
    const max = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
    if (r === 0) return min;
    if (r === 1) return max;
    if (r === 2) return 0n;
    return signed ? BigInt.asIntN(64, rand64()) : BigInt.asUintN(64, rand64());
  }
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (r === 0) return min;
  if (r === 1) return max;
  if (r === 2) return 0;
  const v = rand32() % 2 ** bits;
  return signed && v > max ? v - 2 ** bits : v;
}

// Builds one column of `n` rows: returns [Data, expected canonical values].
function column(spec, n, nullable) {
  const [, makeType, kind, bits, signed] = spec;
  const type = makeType();
  const valid = [];
  for (let i = 0; i < n; i++) valid.push(!nullable || rand32() % 4 !== 0);
  const nullCount = valid.filter((v) => !v).length;
  let nullBitmap;
  if (nullCount > 0) {
    nullBitmap = new Uint8Array(Math.ceil(n / 8));
    valid.forEach((v, i) => { if (v) nullBitmap[i >> 3] |= 1 << (i & 7); });
  }
  const expected = [];
  if (kind === 'utf8') {
    const enc = new TextEncoder();
    const parts = [];
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (valid[i]) {
        const s = STRINGS[rand32() % STRINGS.length];
        const b = enc.encode(s);
        parts.push(b);
        total += b.length;
        expected.push(s);
      } else {
        expected.push(null);
      }
      offsets[i + 1] = total;
    }
    const data = new Uint8Array(total);
    let pos = 0;
    for (const p of parts) { data.set(p, pos); pos += p.length; }
    return [makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data }), expected];
  }
  if (kind === 'bool') {
    const data = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < n; i++) {
      const v = rand32() % 2 === 1;
      if (v) data[i >> 3] |= 1 << (i & 7);
      expected.push(valid[i] ? String(v) : null);
    }
    return [makeData({ type, length: n, nullCount, nullBitmap, data }), expected];
  }
  if (kind === 'float32') {
    const raw = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      raw[i] = rand32() % 2 ? F32_SPECIAL[rand32() % F32_SPECIAL.length] : rand32();
      expected.push(valid[i] ? `f32:${raw[i]}` : null);
    }
    return [makeData({ type, length: n, nullCount, nullBitmap, data: new Float32Array(raw.buffer) }),
      expected];
  }
  if (kind === 'float64') {
    const raw = new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      raw[i] = rand32() % 2 ? F64_SPECIAL[rand32() % F64_SPECIAL.length] : rand64();
      expected.push(valid[i] ? `f64:${raw[i]}` : null);
    }
    return [makeData({ type, length: n, nullCount, nullBitmap, data: new Float64Array(raw.buffer) }),
      expected];
  }
  const data = new TYPED[kind](n);
  for (let i = 0; i < n; i++) {
    // Null slots hold values too (any value is allowed there); Murr must report them as null.
    data[i] = intValue(kind, bits, signed);
    expected.push(valid[i] ? String(data[i]) : null);
  }
  return [makeData({ type, length: n, nullCount, nullBitmap, data }), expected];
}

function everyTypeSchema() {
  const fields = [new Field('key', new Utf8(), false)];
  for (const spec of TYPES) fields.push(new Field(spec[0], spec[1](), true));
  return new Schema(fields);
}

function batchOf(schema, n) {
  const children = [];
  const columns = [];
  schema.fields.forEach((f, j) => {
    const spec = j === 0 ? TYPES[0] : TYPES[j - 1];
    const [data, expected] = column(spec, n, f.nullable);
    children.push(data);
    columns.push(expected);
  });
  const data = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return [new RecordBatch(schema, data), { num_rows: n, columns }];
}

function fieldsJson(schema) {
  const name = (t) => {
    const s = String(t);
    const map = { Utf8: 'utf8', Bool: 'bool', Float32: 'float32', Float64: 'float64' };
    return map[s] ?? s.toLowerCase();
  };
  return schema.fields.map((f) => ({ name: f.name, type: name(f.type), nullable: f.nullable }));
}

function writeStream(name, schema, sizes, options = {}) {
  const batches = [];
  const expected = [];
  for (const n of sizes) {
    const [b, e] = batchOf(schema, n);
    batches.push(b);
    expected.push(e);
  }
  const writer = new RecordBatchStreamWriter(options);
  writer.reset(undefined, schema);
  for (const b of batches) writer.write(b);
  writer.finish();
  writeFileSync(join(outdir, `${name}.arrows`), writer.toUint8Array(true));
  writeFileSync(join(outdir, `${name}.json`),
    JSON.stringify({ fields: fieldsJson(schema), batches: expected }));
}

const schema = everyTypeSchema();
writeStream('every_type', schema, [37, 0, 100, 1]);
writeStream('every_type_legacy', schema, [20, 9], { writeLegacyIpcFormat: true });
writeStream('schema_only', schema, []);

// Tables built the ordinary way (builders from JS arrays), through tableToIPC.
{
  const f64 = Float64Array.from([1.5, -0, Infinity, -Infinity, NaN, 1e-308, 2 ** 53]);
  const i32 = Int32Array.from([0, -1, 2147483647, -2147483648, 7, 8, 9]);
  const strs = ['a', null, '', 'dün', null, 'z', 'last'];
  const bools = [true, false, null, true, true, null, false];
  const table = new Table({
    f64: vectorFromArray(f64, new Float64()),
    i32: vectorFromArray(i32, new Int32()),
    s: vectorFromArray(strs, new Utf8()),
    b: vectorFromArray(bools, new Bool()),
  });
  const bits = new BigUint64Array(f64.buffer);
  const expected = {
    fields: fieldsJson(table.schema),
    batches: [{
      num_rows: 7,
      columns: [
        Array.from(bits, (b) => `f64:${b}`),
        Array.from(i32, (v) => String(v)),
        strs,
        bools.map((v) => (v === null ? null : String(v))),
      ],
    }],
  };
  writeFileSync(join(outdir, 'from_arrays.arrows'), tableToIPC(table, 'stream'));
  writeFileSync(join(outdir, 'from_arrays.json'), JSON.stringify(expected));
}

// Streams Murr must refuse, naming the field.
writeFileSync(join(outdir, 'dictionary.arrows'),
  tableToIPC(tableFromArrays({ cat: ['a', 'b', 'a'] }), 'stream'));
writeFileSync(join(outdir, 'dictionary.error.json'), JSON.stringify({ field: 'cat' }));

// The types of Murr's decision 0016/0017: Float16, Date32, Timestamp with a zone, Binary and
// FixedSizeList. new_types.json holds the values in Murr's JSON reply forms.
{
  const nt = new Table({
    h: vectorFromArray([1.5, -2, null], new Float16()),
    d: vectorFromArray([new Date(Date.UTC(2024, 1, 29)), null, new Date(0)], new DateDay()),
    t: vectorFromArray([0, 1700000000123, null], new TimestampMillisecond('UTC')),
    b: vectorFromArray([new Uint8Array([0, 255]), null, new Uint8Array([])], new Binary()),
    e: vectorFromArray([[1, 2, 3], null, [4, 5.5, -6]],
      new FixedSizeList(3, new Field('item', new Float32(), true))),
  });
  writeFileSync(join(outdir, 'new_types.arrows'), tableToIPC(nt, 'stream'));
  // As text: JSON.stringify would print the float 2.0 as 2.
  writeFileSync(join(outdir, 'new_types.json'), '{"columns":{"h":[1.5,-2.0,null],' +
    '"d":["2024-02-29",null,"1970-01-01"],' +
    '"t":["1970-01-01T00:00:00.000Z","2023-11-14T22:13:20.123Z",null],' +
    '"b":["AP8=",null,""],"e":[[1.0,2.0,3.0],null,[4.0,5.5,-6.0]]}}');
}
// Variable-length lists (Murr's decision 0021): List of Int64, Utf8 and Float64 with null rows,
// empty lists and null items. lists.json holds Murr's JSON reply form of them.
{
  const lt = new Table({
    n: vectorFromArray([[1n, null, -3n], null, [], [9007199254740993n]],
      new List(new Field('item', new Int64(), true))),
    s: vectorFromArray([['a', ''], [null], null, ['ünï']],
      new List(new Field('item', new Utf8(), true))),
    f: vectorFromArray([[0.5], [], [-2, 1e300], null],
      new List(new Field('item', new Float64(), true))),
  });
  writeFileSync(join(outdir, 'lists.arrows'), tableToIPC(lt, 'stream'));
  writeFileSync(join(outdir, 'lists.json'), '{"columns":{' +
    '"n":[[1,null,-3],null,[],[9007199254740993]],' +
    '"s":[["a",""],[null],null,["ünï"]],' +
    '"f":[[0.5],[],[-2.0,1e+300],null]}}');
}
console.log('ok');
