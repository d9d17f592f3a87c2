"""HTTP clients of a Murr server.

:class:`SyncClient` speaks Murr's HTTP API with pooled keep-alive connections, Arrow IPC in both
directions, optional TLS and an optional bearer token::

    from murr.client import SyncClient
    with SyncClient("http://localhost:8080", token="...") as client:
        batch = client.read("users", ["alice", "bob"], ["score", "age"])  # a pyarrow.RecordBatch

The method names follow Murr's upstream Python client, so code written for it runs unchanged.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Sequence
from typing import Any, Self

from murr.errors import MurrConnectionError, MurrError, error_for_status
from murr.schema import ColumnSchema, DType, TableSchema

__all__ = ["AsyncClient", "ColumnSchema", "DType", "SyncClient", "TableSchema"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def _to_arrow_table(data: Any) -> Any:
    """Any supported write input as a pyarrow.Table (no copy where Arrow can hand memory over).

    Strings in large_string or string_view form (Polars' default) become utf8: the server's
    column type, at the cost of rewriting their offsets.
    """
    table = _as_table(data)
    import pyarrow as pa

    if any(
        pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type)
        for f in table.schema
    ):
        fields = [
            pa.field(f.name, pa.utf8(), f.nullable)
            if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type)
            else f
            for f in table.schema
        ]
        table = table.cast(pa.schema(fields))
    return table


def _as_table(data: Any) -> Any:
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if isinstance(data, dict):
        return pa.table(data)
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return pa.table(data)
    module = type(data).__module__
    if module.startswith("pandas"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if module.startswith("polars"):
        return data.to_arrow()
    raise TypeError(
        f"cannot write a {type(data).__name__}: pass a pyarrow Table, RecordBatch or "
        "RecordBatchReader, a pandas or Polars DataFrame, a dict of columns, or an object with "
        "__arrow_c_stream__"
    )


def _encode_write(data: Any) -> bytes:
    """A write's body: `data` as one Arrow IPC stream."""
    import pyarrow as pa

    arrow = _to_arrow_table(data)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema) as writer:
        writer.write_table(arrow)
    return sink.getvalue().to_pybytes()


def _fetch_body(keys: Sequence[str], columns: Sequence[str]) -> bytes:
    return json.dumps({"keys": list(keys), "columns": list(columns)}).encode()


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


def _to_numpy(batch: Any, n: int, fill_value: float) -> Any:
    """A RecordBatch as a C-contiguous (n, columns) array, nulls as `fill_value`."""
    import numpy as np

    arrays = []
    for col in batch.columns:
        arr = col.to_numpy(zero_copy_only=False)
        if col.null_count:
            arr = arr.astype(np.result_type(arr.dtype, np.float32), copy=True)
            arr[np.asarray(col.is_null())] = fill_value
        arrays.append(arr)
    dtype = np.result_type(*[a.dtype for a in arrays]) if arrays else np.float32
    out = np.empty((n, len(arrays)), dtype=dtype, order="C")
    for j, a in enumerate(arrays):
        out[:, j] = a
    return out


def _error_of(status: int, reason: str, data: bytes) -> MurrError:
    try:
        message = json.loads(data)["error"]
    except (ValueError, KeyError, TypeError):
        message = data.decode("utf-8", "replace") or reason
    return error_for_status(status, message)


def _table_path(table: str, action: str = "") -> str:
    path = "/api/v1/table/" + urllib.parse.quote(table, safe="")
    return path + ("/" + action if action else "")


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
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._lock = threading.Lock()

    # -- connection pool -------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self._timeout, context=self._ssl
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

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
        for attempt in range(2):
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            conn = conn or self._connect()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                reply = conn.getresponse()
                data = reply.read()
            except (
                TimeoutError,
                ConnectionError,
                http.client.HTTPException,
                OSError,
            ) as e:
                conn.close()
                # A pooled connection the server closed while idle: try once on a new one.
                if reused and attempt == 0 and not isinstance(e, socket.timeout):
                    continue
                raise MurrConnectionError(f"{method} {self.endpoint}{path}: {e}") from e
            if reply.will_close:
                conn.close()
            else:
                with self._lock:
                    if len(self._idle) < self._max_idle and not self._closed:
                        self._idle.append(conn)
                        conn = None
                if conn is not None:
                    conn.close()
            content_type = reply.getheader("Content-Type", "")
            if reply.status >= 400:
                raise _error_of(reply.status, reply.reason, data)
            return reply.status, content_type, data
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
        """Writes ``data`` as one atomic write (however many batches it holds); returns its rows.

        ``data`` is a pyarrow Table, RecordBatch or RecordBatchReader, a pandas or Polars
        DataFrame, a dict of lists or NumPy arrays, or anything with ``__arrow_c_stream__``.
        A key written again replaces its whole row.
        """
        _, _, reply = self._request(
            "PUT",
            _table_path(table, "write"),
            _encode_write(data),
            {"Content-Type": ARROW_STREAM},
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

    def read_numpy(
        self,
        table: str,
        keys: Sequence[str],
        columns: Sequence[str],
        fill_value: float = float("nan"),
    ) -> Any:
        """The same rows as a C-contiguous ``numpy.ndarray`` of shape ``(len(keys), len(columns))``.

        Nulls (and missing keys) become ``fill_value``; the dtype is the common NumPy type of the
        columns (float32 for float32 columns).
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
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self._host}:{self._port}",
            f"Content-Length: {len(body)}",
        ]
        if self._token:
            head.append(f"Authorization: Bearer {self._token}")
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ConnectionError(f"malformed status line {status_line!r}")
        status, reason = int(parts[1]), parts[2].strip() if len(parts) > 2 else ""
        reply_headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            reply_headers[name.strip().lower()] = value.strip()
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
                    f"{method} {self.endpoint}{path}: {e!r}"
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
        """Writes ``data`` as one atomic write (see :meth:`SyncClient.write`); returns its rows."""
        _, reply = await self._request(
            "PUT",
            _table_path(table, "write"),
            _encode_write(data),
            {"Content-Type": ARROW_STREAM},
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
