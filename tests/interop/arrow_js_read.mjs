// Reads Arrow IPC streams written by Murr with apache-arrow (JS) and prints, for each file, its
// fields and values as JSON on stdout (one line), for tests/interop/arrow_js_test.cc to compare.
//   node arrow_js_read.mjs <file.arrows>...
// Values are canonical strings as in arrow_js_write.mjs: integers in decimal (64-bit exact, via
// BigInt), floats as "f32:<bits>" / "f64:<bits>" read from the raw buffer (so NaN payloads,
// -0.0 and infinities are seen as stored), bools "true"/"false", strings as themselves.
import { readFileSync } from 'node:fs';
import { Type, makeVector, tableFromIPC } from 'apache-arrow';

function typeName(t) {
  switch (t.typeId) {
    case Type.Utf8: return 'utf8';
    case Type.Bool: return 'bool';
    case Type.Int: return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
    case Type.Float: return ['float16', 'float32', 'float64'][t.precision];
    case Type.List: return `${typeName(t.children[0].type)}[]`;
    default: return `unexpected:${String(t)}`;
  }
}

function values(vector, kind) {
  if (kind.endsWith('[]')) {
    // A list as "[" + its items' canonical strings (null as "null") joined by "," + "]". The
    // items are read from each chunk's whole child vector through the chunk's own offsets (a
    // row's sliced sub-vector would hide where its raw float bits start).
    const item = kind.slice(0, -2);
    const out = [];
    for (const data of vector.data) {
      const child = values(makeVector(data.children[0]), item);
      for (let i = 0; i < data.length; i++) {
        if (!data.getValid(i)) {
          out.push(null);
          continue;
        }
        const begin = data.valueOffsets[data.offset + i];
        const end = data.valueOffsets[data.offset + i + 1];
        out.push(`[${child.slice(begin, end).map((v) => (v === null ? 'null' : v)).join(',')}]`);
      }
    }
    return out;
  }
  if (kind !== 'float32' && kind !== 'float64') {
    const out = [];
    for (let i = 0; i < vector.length; i++) out.push(vector.isValid(i) ? String(vector.get(i)) : null);
    return out;
  }
  const out = [];
  const prefix = kind === 'float32' ? 'f32' : 'f64';
  for (const data of vector.data) {
    const v = data.values;
    const raw = kind === 'float32'
      ? new Uint32Array(v.buffer, v.byteOffset, v.length)
      : new BigUint64Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < data.length; i++) {
      out.push(data.getValid(i) ? `${prefix}:${raw[data.offset + i]}` : null);
    }
  }
  return out;
}

const files = process.argv.slice(2).map((path) => {
  const table = tableFromIPC(readFileSync(path));
  const fields = table.schema.fields.map((f) => ({ name: f.name, type: typeName(f.type), nullable: f.nullable }));
  const columns = table.schema.fields.map((f, j) => values(table.getChildAt(j), fields[j].type));
  return {
    fields,
    num_rows: table.numRows,
    num_batches: table.batches.length,
    columns,
  };
});
console.log(JSON.stringify(files));
