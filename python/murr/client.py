"""HTTP clients of a Murr server.

:class:`SyncClient` speaks Murr's HTTP API with pooled keep-alive connections, Arrow IPC in both
directions, optional TLS and an optional bearer token::

    from murr.client import SyncClient
    with SyncClient("http://localhost:8080", token="...") as client:
        batch = client.read("users", ["alice", "bob"], ["score", "age"])  # a pyarrow.RecordBatch

The method names follow Murr's upstream Python client, so code written for it runs unchanged.
"""

from __future__ import annotations

import functools
import json
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Sequence
from typing import Any, Self

from murr.errors import (
    InvalidRequestError,
    MurrConnectionError,
    MurrError,
    error_for_status,
)
from murr.schema import ColumnSchema, DType, TableSchema

__all__ = ["AsyncClient", "ColumnSchema", "DType", "SyncClient", "TableSchema"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"
PARQUET = "application/vnd.apache.parquet"
# Replies of at least this many bytes convert to pandas on pyarrow's threads (see _to_pandas).
PANDAS_THREADS_FROM = 8 << 20


def _is_typed(values: Any) -> bool:
    """Whether a dict value carries its own Arrow type (an array), unlike a list of Python values."""
    import numpy as np
    import pyarrow as pa

    return isinstance(values, (np.ndarray, pa.Array, pa.ChunkedArray)) or hasattr(
        values, "__arrow_c_array__"
    )


def _needs_schema(data: Any) -> bool:
    """A dict with plain Python sequences: their values take the table's column types."""
    return isinstance(data, dict) and not all(_is_typed(v) for v in data.values())


def _as_reader(data: Any, schema: TableSchema | None) -> Any:
    """Any supported write input as a pyarrow.RecordBatchReader, without copying its buffers.

    ``schema`` (the table's, for dicts of lists only) gives untyped Python values their column
    type, so ``{"id": ["a"], "age": [3]}`` writes to an int32 column.
    """
    import pyarrow as pa

    if isinstance(data, pa.RecordBatchReader):
        return data
    if isinstance(data, pa.Table):
        return data.to_reader()
    if isinstance(data, pa.RecordBatch):
        return pa.RecordBatchReader.from_batches(data.schema, [data])
    if isinstance(data, dict):
        columns = {}
        for name, values in data.items():
            column = schema.columns.get(name) if schema is not None else None
            if _is_typed(values) or column is None:
                columns[name] = values
            else:
                try:
                    columns[name] = pa.array(values, type=column.to_arrow())
                except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
                    raise InvalidRequestError(
                        f"column '{name}' does not fit {column.name}: {e}"
                    ) from e
        return pa.table(columns).to_reader()
    module = type(data).__module__
    if module.startswith("pandas"):
        # Before the PyCapsule test: pandas 3 has __arrow_c_stream__ too, but from_pandas is
        # the one that drops the index.
        return pa.Table.from_pandas(data, preserve_index=False).to_reader()
    if hasattr(data, "__arrow_c_stream__"):  # Polars, DuckDB, nanoarrow, ...
        return pa.RecordBatchReader.from_stream(data)
    if hasattr(data, "__arrow_c_array__"):
        batch = pa.record_batch(data)
        return pa.RecordBatchReader.from_batches(batch.schema, [batch])
    raise TypeError(
        f"cannot write a {type(data).__name__}: pass a pyarrow Table, RecordBatch or "
        "RecordBatchReader, a pandas or Polars DataFrame, a dict of columns (lists or NumPy "
        "arrays), or an object with __arrow_c_stream__ or __arrow_c_array__"
    )


def _wire_schema(schema: Any) -> Any:
    """``schema`` with large_string and string_view (Polars' and DuckDB's forms) as utf8, the
    server's string type, or ``None`` when nothing needs to change."""
    import pyarrow as pa

    def wide(t: Any) -> bool:
        return pa.types.is_large_string(t) or pa.types.is_string_view(t)

    if not any(wide(f.type) for f in schema):
        return None
    return pa.schema(
        [pa.field(f.name, pa.utf8(), f.nullable) if wide(f.type) else f for f in schema]
    )


def _encode_write(data: Any, schema: TableSchema | None = None) -> bytes:
    """A write's body: every batch of ``data`` in one Arrow IPC stream (one atomic write)."""
    import pyarrow as pa

    reader = _as_reader(data, schema)
    target = _wire_schema(reader.schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, target or reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch.cast(target) if target is not None else batch)
    return sink.getvalue().to_pybytes()


def _read_file(path: Any) -> bytes:
    import os

    with open(os.fspath(path), "rb") as f:
        return f.read()


# What a JSON string must escape, besides the quote.
_ESCAPED = bytes(range(0x20)) + b"\\"


def _json_strings(items: Sequence[str]) -> bytes:
    """A JSON array of strings, as UTF-8. The usual keys need no escaping, and joining them is
    several times faster than json.dumps (which takes a tenth of a millisecond for 1,000 keys);
    anything else (quotes, backslashes, control characters, lone surrogates, non-strings) goes
    through json.dumps."""
    if not items:
        return b"[]"
    try:
        joined = '","'.join(items).encode()
    except (TypeError, UnicodeEncodeError):
        return json.dumps(list(items)).encode()
    if len(joined.translate(None, _ESCAPED)) == len(joined) and joined.count(
        b'"'
    ) == 2 * (len(items) - 1):
        return b'["' + joined + b'"]'
    return json.dumps(list(items)).encode()


def _json_keys(keys: Any) -> bytes:
    """The keys as a JSON array: strings, or integers for an int64 / uint64 key (a NumPy integer
    array or a list of int)."""
    if hasattr(keys, "tolist"):  # a NumPy array: its values as Python ints or strs
        keys = keys.tolist()
    if keys and not isinstance(keys[0], str):
        try:
            return json.dumps(list(keys)).encode()
        except TypeError:
            return json.dumps([int(k) for k in keys]).encode()  # NumPy integer scalars
    return _json_strings(keys)


def _fetch_body(keys: Sequence[str] | Sequence[int], columns: Sequence[str]) -> bytes:
    return (
        b'{"keys":' + _json_keys(keys) + b',"columns":' + _json_strings(columns) + b"}"
    )


def _decode_read(content_type: str, data: bytes) -> Any:
    """A fetch reply (an Arrow IPC stream) as one pyarrow.RecordBatch."""
    import pyarrow as pa

    if not content_type.startswith(ARROW_STREAM):
        raise MurrError(f"expected an Arrow stream reply, got '{content_type}'")
    reader = pa.ipc.open_stream(pa.py_buffer(data))
    batches = list(reader)
    if len(batches) == 1:
        return batches[0]  # the usual case: the reply's buffers, uncopied
    if not batches:
        return pa.RecordBatch.from_pylist([], schema=reader.schema)
    return (
        pa.Table.from_batches(batches, schema=reader.schema)
        .combine_chunks()
        .to_batches()[0]
    )


def _matrix_dtype(fields: Sequence[tuple[str, Any]]) -> Any:
    """The dtype of read_numpy's matrix for columns of these (name, Arrow type): float32 when
    every column fits float32 exactly (float32, bool, 8- and 16-bit integers), float64
    otherwise; a column that is not numeric or bool is an InvalidRequestError. One rule for
    every face (LocalMurr too)."""
    import numpy as np
    import pyarrow as pa

    for name, t in fields:
        if not (
            pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
        ):
            raise InvalidRequestError(
                f"read_numpy takes numeric and bool columns; '{name}' is {t}"
            )
    return np.result_type(np.float32, *[t.to_pandas_dtype() for _, t in fields])


def _embedding_item(fields: Sequence[tuple[str, Any]]) -> Any:
    """The item type when ``fields`` is one fixed-size array column (read_numpy gives it as an
    ``(n, size)`` matrix), else ``None``."""
    import pyarrow as pa

    if len(fields) == 1 and pa.types.is_fixed_size_list(fields[0][1]):
        return fields[0][1].value_type
    return None


def _to_numpy(batch: Any, n: int, fill_value: float) -> Any:
    """A RecordBatch as a C-contiguous float ``(n, columns)`` array, nulls as ``fill_value``,
    of :func:`_matrix_dtype`'s dtype (the columns' types decide it, never their values).
    One fixed-size array column (an embedding) gives ``(n, size)``."""
    import numpy as np
    import pyarrow as pa

    fields = [(f.name, f.type) for f in batch.schema]
    item = _embedding_item(fields)
    if item is not None:
        col = batch.column(0)
        size = col.type.list_size
        dtype = _matrix_dtype([(fields[0][0], item)])
        values = col.values.slice(col.offset * size, n * size)
        out = values.to_numpy(zero_copy_only=False).astype(dtype).reshape(n, size)
        if col.null_count:
            out[np.asarray(col.is_null())] = fill_value
        return np.ascontiguousarray(out)
    dtype = _matrix_dtype([(f.name, f.type) for f in batch.schema])
    target = pa.from_numpy_dtype(dtype)
    out = np.empty((n, batch.num_columns), dtype=dtype, order="C")
    for j, col in enumerate(batch.columns):
        if col.null_count:
            col = col.cast(target).fill_null(fill_value)
        out[:, j] = col.to_numpy(zero_copy_only=False)
    return out


@functools.lru_cache(maxsize=256)
def _column_index(names: tuple[str, ...]) -> Any:
    """The pandas Index of these column names, made once: building it from a list (pandas 3
    makes an Arrow string array of it) cost five times the rest of the DataFrame. An Index is
    immutable, so frames may share it."""
    import pandas as pd

    return pd.Index(list(names))


def _to_pandas(batch: Any) -> Any:
    """A RecordBatch as a pandas DataFrame, as ``batch.to_pandas()`` makes it, faster for the
    usual feature reply (columns of one numeric type): one column-major block filled column by
    column, which is also the layout ``df.to_numpy()`` reads at once. Other replies go through
    to_pandas, whose thread pool costs about a quarter of a millisecond per call and pays off
    only on large batches."""
    import numpy as np
    import pyarrow as pa

    types = set(batch.schema.types)
    if len(types) == 1 and batch.num_columns > 1:
        (t,) = types
        nulls_ok = pa.types.is_floating(t)  # to_pandas makes them NaN too
        if (pa.types.is_floating(t) or pa.types.is_integer(t)) and (
            nulls_ok or not any(c.null_count for c in batch.columns)
        ):
            import pandas as pd

            m = np.empty(
                (batch.num_rows, batch.num_columns), t.to_pandas_dtype(), order="F"
            )
            for j, col in enumerate(batch.columns):
                m[:, j] = col.to_numpy(zero_copy_only=False)
            return pd.DataFrame(
                m, columns=_column_index(tuple(batch.schema.names)), copy=False
            )
    return batch.to_pandas(use_threads=batch.nbytes > PANDAS_THREADS_FROM)


def _describe(e: BaseException) -> str:
    """An exception's text for a message; its class name when it has none (a timeout)."""
    return str(e) or type(e).__name__


def _error_of(status: int, reason: str, data: bytes) -> MurrError:
    try:
        message = json.loads(data)["error"]
    except (ValueError, KeyError, TypeError):
        message = data.decode("utf-8", "replace") or reason
    return error_for_status(status, message)


def _table_path(table: str, action: str = "") -> str:
    path = "/api/v1/table/" + urllib.parse.quote(table, safe="")
    return path + ("/" + action if action else "")


def _request_head(
    method: str, path: str, host: str, body_len: int, headers: dict[str, str]
) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        f"Content-Length: {body_len}",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse_status(line: bytes) -> tuple[int, str]:
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ConnectionError(f"malformed status line {line[:100]!r}")
    return int(parts[1]), parts[2].strip() if len(parts) > 2 else ""


def _parse_header(line: bytes, headers: dict[str, str]) -> None:
    name, _, value = line.decode("latin-1").partition(":")
    headers[name.strip().lower()] = value.strip()


class _SocketConnection:
    """One keep-alive HTTP/1.1 connection: a socket and a buffered reader over it.

    Murr answers with Content-Length; a chunked reply or one that ends at close is read too.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file = sock.makefile("rb")

    def exchange(
        self, head: bytes, body: bytes
    ) -> tuple[int, str, dict[str, str], bytes]:
        if len(body) < 65536:
            self.sock.sendall(head + body)  # one segment for the usual small request
        else:
            self.sock.sendall(head)
            self.sock.sendall(body)
        status, reason = _parse_status(self.file.readline(65537))
        headers: dict[str, str] = {}
        while True:
            line = self.file.readline(65537)
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ConnectionError(
                    "the server closed the connection in the reply's headers"
                )
            _parse_header(line, headers)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            data = self._read_chunked()
        elif "content-length" in headers:
            n = int(headers["content-length"])
            data = self.file.read(n)
            if len(data) != n:
                raise ConnectionError(f"the reply ended after {len(data)} of {n} bytes")
        else:
            data = self.file.read()
            headers["connection"] = "close"
        return status, reason, headers, data

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.file.readline(65537).split(b";")[0].strip() or b"x", 16)
            if size == 0:
                while self.file.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.file.read(size))
            self.file.readline(65537)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class _Connection:
    """What both clients know of their server: where it is, how to reach it, the pool bound."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        timeout: float,
        ssl_context: ssl.SSLContext | None,
        max_connections: int,
    ) -> None:
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(
                f"endpoint must be http://host:port or https://host:port, got {endpoint!r}"
            )
        self.endpoint = endpoint.rstrip("/")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._timeout = timeout
        if ssl_context is None and self._https:
            ssl_context = ssl.create_default_context()
        self._ssl = ssl_context
        self._token = token
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._idle: list[Any] = []
        self._max_idle = max_connections
        self._closed = False


class SyncClient(_Connection):
    """A blocking client of one Murr server. Thread-safe: connections are pooled per thread use.

    Args:
        endpoint: ``http://host:port`` or ``https://host:port``.
        token: a bearer token (``auth.tokens`` of the server), sent with every request.
        timeout: seconds for connecting and for each read or write on the socket.
        ssl_context: for https, the context to verify the server with (default: the system's
            trust store; ``ssl.create_default_context(cafile=...)`` for a private CA).
        max_connections: idle keep-alive connections kept for reuse.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 8,
    ) -> None:
        _Connection.__init__(
            self, endpoint, token, timeout, ssl_context, max_connections
        )
        self._lock = threading.Lock()

    # -- connection pool -------------------------------------------------------------------

    def _connect(self) -> _SocketConnection:
        sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._https:
                sock = self._ssl.wrap_socket(sock, server_hostname=self._host)
        except BaseException:
            sock.close()
            raise
        return _SocketConnection(sock)

    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, bytes]:
        if self._closed:
            raise MurrConnectionError("the client is closed")
        all_headers = dict(self._headers)
        if headers:
            all_headers.update(headers)
        body = body or b""
        head = _request_head(
            method, path, f"{self._host}:{self._port}", len(body), all_headers
        )
        for attempt in range(2):
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            try:
                conn = conn or self._connect()
                status, reason, reply_headers, data = conn.exchange(head, body)
            except (
                OSError,
                ValueError,
            ) as e:  # ConnectionError, TimeoutError, ssl errors
                if conn is not None:
                    conn.close()
                # A pooled connection the server closed while idle: try once on a new one.
                if reused and attempt == 0 and not isinstance(e, TimeoutError):
                    continue
                raise MurrConnectionError(
                    f"{method} {self.endpoint}{path}: {_describe(e)}"
                ) from e
            if reply_headers.get("connection", "").lower() == "close":
                conn.close()
            else:
                with self._lock:
                    if len(self._idle) < self._max_idle and not self._closed:
                        self._idle.append(conn)
                        conn = None
                if conn is not None:
                    conn.close()
            if status >= 400:
                raise _error_of(status, reason, data)
            return status, reply_headers.get("content-type", ""), data
        raise MurrConnectionError(
            f"{method} {self.endpoint}{path}: no connection"
        )  # unreachable

    def _json(self, method: str, path: str, payload: Any = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        _, _, data = self._request(
            method, path, body, {"Content-Type": "application/json"}
        )
        return json.loads(data) if data else None

    # -- API -------------------------------------------------------------------------------

    def create(self, table: str, schema: TableSchema) -> None:
        """Creates ``table``. :class:`TableExistsError` if it exists."""
        self._json("PUT", _table_path(table), schema.to_dict())

    def drop(self, table: str) -> None:
        """Drops ``table``. :class:`TableNotFoundError` if there is none."""
        self._json("DELETE", _table_path(table))

    def list_tables(self) -> dict[str, TableSchema]:
        """Every table and its schema, sorted by name."""
        return {
            name: TableSchema.from_dict(s)
            for name, s in self._json("GET", "/api/v1/table").items()
        }

    def get_schema(self, table: str) -> TableSchema:
        """The schema of ``table``."""
        return TableSchema.from_dict(self._json("GET", _table_path(table, "schema")))

    def status(self, table: str) -> dict[str, Any]:
        """Whether ``table`` serves (rows, segments, bytes) or is quarantined (reason); a table
        loaded from a source adds source, partition, partition_rows, loaded_at, last_check,
        next_check and last_error."""
        return self._json("GET", _table_path(table, "status"))

    def write(self, table: str, data: Any) -> int:
        """Writes ``data`` as one atomic write (however many batches it holds).

        ``data`` is a pyarrow Table, RecordBatch or RecordBatchReader, a pandas or Polars
        DataFrame, a dict of lists or NumPy arrays, or anything with ``__arrow_c_stream__`` or
        ``__arrow_c_array__`` (a DuckDB result, ...). Columns keep their Arrow types, which must
        be the table's; plain Python lists in a dict take the table's column types (one more
        request, for the schema). pandas input follows pandas' convention: NaN is null.
        A key written again replaces its whole row. Returns the distinct keys written.
        """
        schema = self.get_schema(table) if _needs_schema(data) else None
        return self._write_body(table, _encode_write(data, schema), ARROW_STREAM)

    def write_parquet(self, table: str, path: Any) -> int:
        """Writes the Parquet file at ``path`` as one atomic write; returns the distinct keys."""
        return self._write_body(table, _read_file(path), PARQUET)

    def _write_body(self, table: str, body: bytes, content_type: str) -> int:
        _, _, reply = self._request(
            "PUT", _table_path(table, "write"), body, {"Content-Type": content_type}
        )
        return int(json.loads(reply)["rows"])

    def read(self, table: str, keys: Sequence[str], columns: Sequence[str]) -> Any:
        """The ``columns`` of the rows of ``keys``, as a pyarrow.RecordBatch.

        Rows follow ``keys`` (duplicates repeated); a key not in the table gives a row of nulls.
        Columns come in the order asked, with the table's types.
        """
        _, content_type, data = self._request(
            "POST",
            _table_path(table, "fetch"),
            _fetch_body(keys, columns),
            {"Content-Type": "application/json", "Accept": ARROW_STREAM},
        )
        return _decode_read(content_type, data)

    def read_pandas(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> Any:
        """The same rows as a pandas DataFrame (``read(...).to_pandas()``, tuned for small
        replies). Integer columns with nulls become float64 with NaN, as pandas does."""
        return _to_pandas(self.read(table, keys, columns))

    def read_numpy(
        self,
        table: str,
        keys: Sequence[str],
        columns: Sequence[str],
        fill_value: float = float("nan"),
    ) -> Any:
        """The same rows as a C-contiguous ``numpy.ndarray`` of shape ``(len(keys), len(columns))``.

        Nulls (and missing keys) become ``fill_value``. The dtype comes from the columns' types:
        float32 when all fit it exactly (float32, bool, 8/16-bit integers), else float64. The
        array owns its memory, so ``torch.from_numpy`` of it shares that memory.
        """
        return _to_numpy(self.read(table, keys, columns), len(keys), fill_value)

    def close(self) -> None:
        """Closes the pooled connections; later calls raise :class:`MurrConnectionError`."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Connection):
    """The asyncio twin of :class:`SyncClient`: the same methods, as coroutines.

    Keep-alive connections are pooled per client; requests on one client may run concurrently
    (each takes its own connection). Use one client per event loop::

        async with AsyncClient("http://localhost:8080") as client:
            batch = await client.read("users", ["alice"], ["score"])
    """

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 8,
    ) -> None:
        _Connection.__init__(
            self, endpoint, token, timeout, ssl_context, max_connections
        )

    async def _exchange(
        self,
        reader: Any,
        writer: Any,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> tuple[int, str, dict[str, str], bytes]:
        all_headers = {**self._headers, **headers}
        host = f"{self._host}:{self._port}"
        writer.write(_request_head(method, path, host, len(body), all_headers) + body)
        await writer.drain()
        status, reason = _parse_status(await reader.readline())
        reply_headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            _parse_header(line, reply_headers)
        length = int(reply_headers.get("content-length", "0"))
        data = await reader.readexactly(length) if length else b""
        return status, reason, reply_headers, data

    async def _request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> tuple[str, bytes]:
        import asyncio

        if self._closed:
            raise MurrConnectionError("the client is closed")
        for attempt in range(2):
            conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            try:
                if conn is None:
                    conn = await asyncio.wait_for(
                        asyncio.open_connection(self._host, self._port, ssl=self._ssl),
                        self._timeout,
                    )
                reader, writer = conn
                status, reason, reply_headers, data = await asyncio.wait_for(
                    self._exchange(reader, writer, method, path, body, headers or {}),
                    self._timeout,
                )
            except (
                TimeoutError,
                OSError,
                ConnectionError,
                asyncio.IncompleteReadError,
                ValueError,
            ) as e:
                if conn is not None:
                    conn[1].close()
                if reused and attempt == 0 and not isinstance(e, asyncio.TimeoutError):
                    continue  # a pooled connection the server closed while idle
                raise MurrConnectionError(
                    f"{method} {self.endpoint}{path}: {_describe(e)}"
                ) from e
            if (
                reply_headers.get("connection", "").lower() == "close"
                or len(self._idle) >= self._max_idle
                or self._closed
            ):
                writer.close()
            else:
                self._idle.append((reader, writer))
            if status >= 400:
                raise _error_of(status, reason, data)
            return reply_headers.get("content-type", ""), data
        raise MurrConnectionError(
            f"{method} {self.endpoint}{path}: no connection"
        )  # unreachable

    async def _json(self, method: str, path: str, payload: Any = None) -> Any:
        body = b"" if payload is None else json.dumps(payload).encode()
        _, data = await self._request(
            method, path, body, {"Content-Type": "application/json"}
        )
        return json.loads(data) if data else None

    async def create(self, table: str, schema: TableSchema) -> None:
        """Creates ``table``. :class:`TableExistsError` if it exists."""
        await self._json("PUT", _table_path(table), schema.to_dict())

    async def drop(self, table: str) -> None:
        """Drops ``table``. :class:`TableNotFoundError` if there is none."""
        await self._json("DELETE", _table_path(table))

    async def list_tables(self) -> dict[str, TableSchema]:
        """Every table and its schema, sorted by name."""
        return {
            n: TableSchema.from_dict(s)
            for n, s in (await self._json("GET", "/api/v1/table")).items()
        }

    async def get_schema(self, table: str) -> TableSchema:
        """The schema of ``table``."""
        return TableSchema.from_dict(
            await self._json("GET", _table_path(table, "schema"))
        )

    async def status(self, table: str) -> dict[str, Any]:
        """Whether ``table`` serves (rows, segments, bytes) or is quarantined (reason); a table
        loaded from a source adds source, partition, partition_rows, loaded_at, last_check,
        next_check and last_error."""
        return await self._json("GET", _table_path(table, "status"))

    async def write(self, table: str, data: Any) -> int:
        """Writes ``data`` as one atomic write (see :meth:`SyncClient.write`)."""
        schema = await self.get_schema(table) if _needs_schema(data) else None
        return await self._write_body(table, _encode_write(data, schema), ARROW_STREAM)

    async def write_parquet(self, table: str, path: Any) -> int:
        """Writes the Parquet file at ``path`` as one atomic write; returns the distinct keys."""
        return await self._write_body(table, _read_file(path), PARQUET)

    async def _write_body(self, table: str, body: bytes, content_type: str) -> int:
        _, reply = await self._request(
            "PUT", _table_path(table, "write"), body, {"Content-Type": content_type}
        )
        return int(json.loads(reply)["rows"])

    async def read(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> Any:
        """The ``columns`` of the rows of ``keys``, as a pyarrow.RecordBatch (see :meth:`SyncClient.read`)."""
        content_type, data = await self._request(
            "POST",
            _table_path(table, "fetch"),
            _fetch_body(keys, columns),
            {"Content-Type": "application/json", "Accept": ARROW_STREAM},
        )
        return _decode_read(content_type, data)

    async def read_pandas(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> Any:
        """The rows as a pandas DataFrame (see :meth:`SyncClient.read_pandas`)."""
        return _to_pandas(await self.read(table, keys, columns))

    async def read_numpy(
        self,
        table: str,
        keys: Sequence[str],
        columns: Sequence[str],
        fill_value: float = float("nan"),
    ) -> Any:
        """The rows as a C-contiguous ``(len(keys), len(columns))`` array (see :meth:`SyncClient.read_numpy`)."""
        return _to_numpy(await self.read(table, keys, columns), len(keys), fill_value)

    async def close(self) -> None:
        """Closes the pooled connections; later calls raise :class:`MurrConnectionError`."""
        self._closed = True
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
