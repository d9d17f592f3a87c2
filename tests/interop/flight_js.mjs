// An Arrow Flight client that is not Murr's code: @grpc/grpc-js with @grpc/proto-loader loading
// Murr's flight.proto, Arrow IPC encoded and decoded by apache-arrow (JS). Drives one Murr
// server through ListActions, DoAction (create_table), DoPut, GetSchema, GetFlightInfo,
// ListFlights and DoGet (a small table of several types with nulls, and a ~5 MB reply that must
// come in several messages under grpc-js's default 4 MiB limit), then prints what it saw as one
// JSON line for tests/interop/flight_js_test.cc to check.
//   node flight_js.mjs <grpc port>
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import {
  Bool, Float32, Float64, Int64, Message, Table, Type, Uint8, Utf8, tableFromIPC, tableToIPC,
  vectorFromArray,
} from 'apache-arrow';

const port = process.argv[2];
if (!port) {
  console.error('usage: node flight_js.mjs <grpc port>');
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const definition = protoLoader.loadSync(join(here, '../../src/murr/api/flight/flight.proto'), {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition).arrow.flight.protocol;
const client = new proto.FlightService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

function collect(call) {
  return new Promise((resolve, reject) => {
    const out = [];
    call.on('data', (m) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}
const unary = (method, request) => new Promise((resolve, reject) => {
  client[method](request, (err, reply) => (err ? reject(err) : resolve(reply)));
});
const errorOf = (promise) => promise.then(() => 'OK', (e) => grpc.status[e.code]);

// Splits an Arrow IPC stream written by apache-arrow into (flatbuffer header, body) messages.
function ipcMessages(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let off = 0;
  while (off + 8 <= bytes.length) {
    if (view.getUint32(off, true) !== 0xffffffff) throw new Error(`no continuation at ${off}`);
    const len = view.getInt32(off + 4, true);
    if (len === 0) break;  // end of stream
    const header = bytes.subarray(off + 8, off + 8 + len);
    const bodyLength = Number(Message.decode(header).bodyLength);
    const body = bytes.subarray(off + 8 + len, off + 8 + len + bodyLength);
    out.push({ header, body });
    off += 8 + len + bodyLength;
  }
  return out;
}

// FlightData messages -> one Arrow IPC stream (framing, header padded to 8, body, end marker).
function ipcStream(flightData) {
  const parts = [];
  for (const d of flightData) {
    const header = d.data_header;
    const padded = (header.length + 7) & ~7;
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32LE(0xffffffff, 0);
    prefix.writeInt32LE(padded, 4);
    parts.push(prefix, header, Buffer.alloc(padded - header.length), d.data_body);
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}

function put(table, arrowTable) {
  return new Promise((resolve, reject) => {
    const call = client.DoPut();
    const results = [];
    call.on('data', (r) => results.push(JSON.parse(Buffer.from(r.app_metadata).toString())));
    call.on('error', reject);
    call.on('end', () => resolve(results));
    ipcMessages(tableToIPC(arrowTable, 'stream')).forEach((m, i) => {
      const data = { data_header: m.header, data_body: m.body };
      if (i === 0) data.flight_descriptor = { type: 'PATH', path: [table] };
      call.write(data);
    });
    call.end();
  });
}

async function get(ticket) {
  const messages = await collect(client.DoGet({ ticket: Buffer.from(JSON.stringify(ticket)) }));
  return { messages, table: tableFromIPC(ipcStream(messages)) };
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
const fieldsOf = (schema) => schema.fields.map((f) => `${f.name}:${typeName(f.type)}:${f.nullable}`);
const columnsOf = (table) => Object.fromEntries(table.schema.fields.map((f) => {
  const v = table.getChild(f.name);
  const values = [];
  for (let i = 0; i < v.length; i++) values.push(v.isValid(i) ? String(v.get(i)) : null);
  return [f.name, values];
}));

const result = {};

result.actions = (await collect(client.ListActions({}))).map((a) => a.type);
result.create = (await collect(client.DoAction({
  type: 'create_table',
  body: Buffer.from(JSON.stringify({
    name: 'js',
    schema: {
      key: 'id',
      columns: {
        id: { dtype: 'utf8', nullable: false }, f32: { dtype: 'float32' },
        f64: { dtype: 'float64' }, i64: { dtype: 'int64' }, s: { dtype: 'utf8' },
        b: { dtype: 'bool' }, u8: { dtype: 'uint8' },
      },
    },
  })),
}))).map((r) => Buffer.from(r.body).toString());

// Written by Arrow JS (every field declared nullable, as Arrow JS does).
const small = new Table({
  id: vectorFromArray(['a', 'b', 'c', 'd'], new Utf8()),
  f32: vectorFromArray([1.5, null, -2.25, 3], new Float32()),
  f64: vectorFromArray([0.1, 2e300, null, -7], new Float64()),
  i64: vectorFromArray([1n, -9007199254740993n, null, 42n], new Int64()),
  s: vectorFromArray(['x', null, 'héllo', ''], new Utf8()),
  b: vectorFromArray([true, false, null, true], new Bool()),
  u8: vectorFromArray([0, 255, null, 7], new Uint8()),
});
result.put = await put('js', small);

const schema = await unary('GetSchema', { type: 'PATH', path: ['js'] });
// SchemaResult.schema is an encapsulated Schema message: add the end marker to read it.
result.schema = fieldsOf(tableFromIPC(Buffer.concat([
  Buffer.from(schema.schema), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])).schema);
const info = await unary('GetFlightInfo', { type: 'PATH', path: ['js'] });
result.total_records = info.total_records;
result.flights = (await collect(client.ListFlights({}))).map((f) => f.flight_descriptor.path[0]);

const small_get = await get({
  table: 'js', keys: ['d', 'zz', 'a', 'b', 'c'],
  columns: ['s', 'i64', 'f32', 'f64', 'b', 'u8', 'id'],
});
result.get = { fields: fieldsOf(small_get.table.schema), columns: columnsOf(small_get.table) };

// ~5 MB: 50,000 rows x 12 float64 columns, one DoPut, one DoGet of every key.
const rows = 50000;
const bigColumns = { id: vectorFromArray(Array.from({ length: rows }, (_, r) => `k${r}`), new Utf8()) };
const bigSchema = { id: { dtype: 'utf8', nullable: false } };
for (let c = 0; c < 12; c++) {
  bigColumns[`f${c}`] = vectorFromArray(Float64Array.from({ length: rows }, (_, r) => r * 16 + c + 0.5));
  bigSchema[`f${c}`] = { dtype: 'float64' };
}
await collect(client.DoAction({
  type: 'create_table',
  body: Buffer.from(JSON.stringify({ name: 'jsbig', schema: { key: 'id', columns: bigSchema } })),
}));
result.big_put = await put('jsbig', new Table(bigColumns));
const keys = Array.from({ length: rows }, (_, r) => `k${rows - 1 - r}`);
const big = await get({ table: 'jsbig', keys, columns: Object.keys(bigSchema).slice(1) });
let mismatches = 0;
for (let c = 0; c < 12; c++) {
  const v = big.table.getChild(`f${c}`);
  for (let i = 0; i < rows; i++) {
    if (v.get(i) !== (rows - 1 - i) * 16 + c + 0.5) mismatches++;
  }
}
result.big_get = {
  rows: big.table.numRows,
  mismatches,
  several_messages: big.messages.length > 2,
  max_message_under_4mib: Math.max(...big.messages.map(
    (m) => m.data_header.length + m.data_body.length)) < 4 * 1024 * 1024,
};

result.errors = {
  unknown_table: await errorOf(get({ table: 'nope', keys: ['a'], columns: ['x'] })),
  bad_ticket: await errorOf(collect(client.DoGet({ ticket: Buffer.from('{') }))),
  exists: await errorOf(collect(client.DoAction({
    type: 'create_table', body: Buffer.from(JSON.stringify({ name: 'js', schema: { key: 'id', columns: { id: { dtype: 'utf8', nullable: false } } } })),
  }))),
  handshake: await errorOf(collect((() => { const c = client.Handshake(); c.end(); return c; })())),
};
result.dropped = (await collect(client.DoAction({ type: 'drop_table', body: Buffer.from('jsbig') })))
  .map((r) => Buffer.from(r.body).toString());

console.log(JSON.stringify(result));
client.close();
