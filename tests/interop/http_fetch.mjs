// Fetches from a running murr server over HTTP with an Arrow reply and decodes it with
// apache-arrow (JS), printing the schema and values as one JSON line for tests/api to compare.
//   node http_fetch.mjs [--print] <port> <table> <keys JSON array> <columns JSON array>
// With --print: the decoded schema and rows for people to read (README's quick start).
// Output: {"status", "content_type", "fields": [{"name", "type", "nullable"}], "num_rows",
// "columns": [[...]]}. Values: integers in decimal (64-bit exact), floats as "f32:<bits>" /
// "f64:<bits>" (unsigned decimal of the bit pattern), bools "true"/"false", strings as themselves.
import { Type, tableFromIPC } from 'apache-arrow';

const args = process.argv.slice(2);
const print = args[0] === '--print';
if (print) args.shift();
const [port, table, keys, columns] = args;
if (!columns) {
  console.error('usage: node http_fetch.mjs [--print] <port> <table> <keys JSON> <columns JSON>');
  process.exit(2);
}

function typeName(t) {
  switch (t.typeId) {
    case Type.Utf8: return 'utf8';
    case Type.Bool: return 'bool';
    case Type.Int: return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
    case Type.Float: return ['float16', 'float32', 'float64'][t.precision];
    default: return `unexpected:${String(t)}`;
  }
}

function values(vector, kind) {
  const out = [];
  if (kind !== 'float32' && kind !== 'float64') {
    for (let i = 0; i < vector.length; i++) out.push(vector.isValid(i) ? String(vector.get(i)) : null);
    return out;
  }
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

const response = await fetch(`http://127.0.0.1:${port}/api/v1/table/${table}/fetch`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/vnd.apache.arrow.stream' },
  body: JSON.stringify({ keys: JSON.parse(keys), columns: JSON.parse(columns) }),
});
const bytes = new Uint8Array(await response.arrayBuffer());
const result = { status: response.status, content_type: response.headers.get('content-type') };
if (print) {
  if (response.status !== 200) {
    console.log(response.status, new TextDecoder().decode(bytes));
    process.exit(1);
  }
  const t = tableFromIPC(bytes);
  console.log(t.schema.fields.map((f) => `${f.name}: ${f.type}`).join(', '));
  console.log(t.toString());
  process.exit(0);
}
if (response.status === 200) {
  const t = tableFromIPC(bytes);
  result.fields = t.schema.fields.map((f) => ({ name: f.name, type: typeName(f.type), nullable: f.nullable }));
  result.num_rows = t.numRows;
  result.columns = t.schema.fields.map((f, j) => values(t.getChildAt(j), result.fields[j].type));
} else {
  result.body = new TextDecoder().decode(bytes);
}
console.log(JSON.stringify(result));
