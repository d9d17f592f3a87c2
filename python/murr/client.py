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
from typing import Any, Iterable, Sequence

from murr.errors import MurrConnectionError, MurrError, error_for_status
from murr.schema import ColumnSchema, DType, TableSchema

__all__ = ["SyncClient", "TableSchema", "ColumnSchema", "DType"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def _to_arrow_table(data: Any) -> Any:
    """Any supported write input as a pyarrow.Table (no copy where Arrow can hand memory over).

    Strings in large_string or string_view form (Polars' default) become utf8: the server's
    column type, at the cost of rewriting their offsets.
    """
    table = _as_table(data)
    import pyarrow as pa

    if any(pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) for f in table.schema):
        fields = [
            pa.field(f.name, pa.utf8(), f.nullable) if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) else f
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


class SyncClient:
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
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"endpoint must be http://host:port or https://host:port, got {endpoint!r}")
        self.endpoint = endpoint.rstrip("/")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._timeout = timeout
        self._ssl = ssl_context if ssl_context is not None else (ssl.create_default_context() if self._https else None)
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._max_idle = max_connections
        self._closed = False

    # -- connection pool -------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=self._ssl)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
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
            except (ConnectionError, http.client.HTTPException, socket.timeout, OSError) as e:
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
                try:
                    message = json.loads(data)["error"]
                except (ValueError, KeyError, TypeError):
                    message = data.decode("utf-8", "replace") or reply.reason
                raise error_for_status(reply.status, message)
            return reply.status, content_type, data
        raise MurrConnectionError(f"{method} {self.endpoint}{path}: no connection")  # unreachable

    def _json(self, method: str, path: str, payload: Any = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        _, _, data = self._request(method, path, body, {"Content-Type": "application/json"})
        return json.loads(data) if data else None

    @staticmethod
    def _table_path(table: str, action: str = "") -> str:
        path = "/api/v1/table/" + urllib.parse.quote(table, safe="")
        return path + ("/" + action if action else "")

    # -- API -------------------------------------------------------------------------------

    def create(self, table: str, schema: TableSchema) -> None:
        """Creates ``table``. :class:`TableExistsError` if it exists."""
        self._json("PUT", self._table_path(table), schema.to_dict())

    def drop(self, table: str) -> None:
        """Drops ``table``. :class:`TableNotFoundError` if there is none."""
        self._json("DELETE", self._table_path(table))

    def list_tables(self) -> dict[str, TableSchema]:
        """Every table and its schema, sorted by name."""
        return {name: TableSchema.from_dict(s) for name, s in self._json("GET", "/api/v1/table").items()}

    def get_schema(self, table: str) -> TableSchema:
        """The schema of ``table``."""
        return TableSchema.from_dict(self._json("GET", self._table_path(table, "schema")))

    def status(self, table: str) -> dict[str, Any]:
        """Whether ``table`` serves (rows, segments, bytes) or is quarantined (reason)."""
        return self._json("GET", self._table_path(table, "status"))

    def write(self, table: str, data: Any) -> int:
        """Writes ``data`` as one atomic write (however many batches it holds); returns its rows.

        ``data`` is a pyarrow Table, RecordBatch or RecordBatchReader, a pandas or Polars
        DataFrame, a dict of lists or NumPy arrays, or anything with ``__arrow_c_stream__``.
        A key written again replaces its whole row.
        """
        import pyarrow as pa

        arrow = _to_arrow_table(data)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, arrow.schema) as writer:
            writer.write_table(arrow)
        _, _, reply = self._request("PUT", self._table_path(table, "write"), sink.getvalue().to_pybytes(), {"Content-Type": ARROW_STREAM})
        return int(json.loads(reply)["rows"])

    def read(self, table: str, keys: Sequence[str], columns: Sequence[str]) -> Any:
        """The ``columns`` of the rows of ``keys``, as a pyarrow.RecordBatch.

        Rows follow ``keys`` (duplicates repeated); a key not in the table gives a row of nulls.
        Columns come in the order asked, with the table's types.
        """
        import pyarrow as pa

        body = json.dumps({"keys": list(keys), "columns": list(columns)}).encode()
        _, content_type, data = self._request(
            "POST", self._table_path(table, "fetch"), body, {"Content-Type": "application/json", "Accept": ARROW_STREAM}
        )
        if not content_type.startswith(ARROW_STREAM):
            raise MurrError(f"expected an Arrow stream reply, got '{content_type}'")
        reader = pa.ipc.open_stream(pa.py_buffer(data))
        batches = list(reader)
        if len(batches) == 1:
            return batches[0]  # the usual case: the reply's buffers, uncopied
        if not batches:
            return pa.RecordBatch.from_pylist([], schema=reader.schema)
        return pa.Table.from_batches(batches, schema=reader.schema).combine_chunks().to_batches()[0]

    def read_numpy(self, table: str, keys: Sequence[str], columns: Sequence[str], fill_value: float = float("nan")) -> Any:
        """The same rows as a C-contiguous ``numpy.ndarray`` of shape ``(len(keys), len(columns))``.

        Nulls (and missing keys) become ``fill_value``; the dtype is the common NumPy type of the
        columns (float32 for float32 columns).
        """
        import numpy as np

        batch = self.read(table, keys, columns)
        arrays = []
        for col in batch.columns:
            arr = col.to_numpy(zero_copy_only=False)
            if col.null_count:
                arr = arr.astype(np.result_type(arr.dtype, np.float32), copy=True)
                arr[np.asarray(col.is_null())] = fill_value
            arrays.append(arr)
        dtype = np.result_type(*[a.dtype for a in arrays]) if arrays else np.float32
        out = np.empty((len(keys), len(arrays)), dtype=dtype, order="C")
        for j, a in enumerate(arrays):
            out[:, j] = a
        return out

    def close(self) -> None:
        """Closes the pooled connections; later calls raise :class:`MurrConnectionError`."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __enter__(self) -> "SyncClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
