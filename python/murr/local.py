"""The Murr engine inside this Python process: no server, no network, no copy of a value.

:class:`LocalMurr` opens a cache directory with the same engine as ``murr serve`` and has the
methods of :class:`murr.client.SyncClient`::

    import murr
    with murr.LocalMurr("/tmp/features") as db:
        db.create("users", murr.TableSchema(key="id", columns={...}))
        db.write("users", {"id": ["a", "b"], "score": [0.5, 0.7]})
        batch = db.read("users", ["b", "a"], ["score"])   # a pyarrow.RecordBatch

Reads release the GIL (many threads read in parallel) and hand the engine's result buffers to
Arrow through the C data interface, without copying them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, Self

from murr._config import config_text
from murr.client import (
    _embedding_item,
    _encode_write,
    _matrix_dtype,
    _needs_schema,
    _to_numpy,
    _to_pandas,
)
from murr.schema import TableSchema

__all__ = ["LocalMurr"]


def _native() -> Any:
    try:
        from murr import _native
    except ImportError as e:  # the pure-Python distribution
        raise ImportError(
            "murr.LocalMurr and murr.server need the native extension murr._native, which this "
            "installation of murr does not have (it was installed without it: "
            "MURR_PURE_PYTHON=1); install murr from source with the extension, or use "
            "murr.client.SyncClient against a server"
        ) from e
    return _native


class LocalMurr:
    """The engine over ``cache_dir`` in this process, with the methods of ``SyncClient``.

    Args:
        cache_dir: the directory of the tables (created if missing). It is claimed as Murr's like
            ``storage.cache_dir`` of the server: a non-empty directory that is not Murr's is
            refused unless ``options={"storage": {"adopt_cache_dir": True}}``.
        options: configuration keys as in the YAML file, e.g.
            ``{"storage": {"durability": "none"}}``; the storage keys apply.

    One directory must be opened by one process at a time (a server, or one LocalMurr).
    Thread-safe: call any method from any thread.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str],
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self._engine = _native().Engine(os.fspath(cache_dir), config_text(options))
        self._cache_dir = os.fspath(cache_dir)
        self._schemas: dict[str, TableSchema] = {}

    @property
    def cache_dir(self) -> str:
        """The directory of the tables."""
        return self._cache_dir

    def create(self, table: str, schema: TableSchema) -> None:
        """Creates ``table``. :class:`TableExistsError` if it exists."""
        self._engine.create(table, schema.to_json())

    def drop(self, table: str) -> None:
        """Drops ``table``. :class:`TableNotFoundError` if there is none."""
        self._schemas.pop(table, None)
        self._engine.drop(table)

    def list_tables(self) -> dict[str, TableSchema]:
        """Every table and its schema, sorted by name."""
        return {
            name: TableSchema.from_json(s) for name, s in self._engine.list_tables()
        }

    def get_schema(self, table: str) -> TableSchema:
        """The schema of ``table``."""
        return TableSchema.from_json(self._engine.schema(table))

    def status(self, table: str) -> dict[str, Any]:
        """Whether ``table`` serves (rows, segments, bytes) or is quarantined (reason)."""
        return json.loads(self._engine.status(table))

    def write(self, table: str, data: Any) -> int:
        """Writes ``data`` as one atomic write (however many batches it holds); returns its rows.

        ``data`` is anything :meth:`SyncClient.write` takes: a pyarrow Table, RecordBatch or
        RecordBatchReader, a pandas or Polars DataFrame, a dict of lists or NumPy arrays, or an
        object with ``__arrow_c_stream__`` / ``__arrow_c_array__`` (a DuckDB result). Plain
        Python lists in a dict take the table's column types. Returns the distinct keys written.
        """
        schema = self._schema(table) if _needs_schema(data) else None
        return self._engine.write_ipc(table, _encode_write(data, schema))

    def write_parquet(self, table: str, path: str | os.PathLike[str]) -> int:
        """Writes the rows of the Parquet file at ``path`` as one write; returns its rows."""
        return self._engine.write_parquet(table, os.fspath(path))

    def read(self, table: str, keys: Sequence[str], columns: Sequence[str]) -> Any:
        """The ``columns`` of the rows of ``keys``, as a pyarrow.RecordBatch.

        Rows follow ``keys`` (duplicates repeated); a key not in the table gives a row of nulls.
        The batch's buffers are the engine's, handed over without a copy.
        """
        import pyarrow as pa

        return pa.record_batch(self._engine.read(table, keys, columns))

    def read_arrow(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> Any:
        """Like :meth:`read`, but the result is any Arrow consumer's: an object with
        ``__arrow_c_array__`` (``polars.DataFrame(result)``, ``pyarrow.record_batch(result)``)."""
        return self._engine.read(table, keys, columns)

    def read_pandas(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> Any:
        """The same rows as a pandas DataFrame (as ``SyncClient.read_pandas`` makes it)."""
        return _to_pandas(self.read(table, keys, columns))

    def read_numpy(
        self,
        table: str,
        keys: Sequence[str],
        columns: Sequence[str],
        fill_value: float = float("nan"),
    ) -> Any:
        """The same rows as a C-contiguous ``numpy.ndarray`` of shape ``(len(keys), len(columns))``.

        Filled by the engine directly; one fixed-size array column (an embedding) gives
        ``(len(keys), size)``. Nulls and missing keys become ``fill_value``; the dtype is
        float32 when every column fits it (float32, small integers, bool), else float64.
        ``torch.from_numpy`` of the result shares its memory.
        """
        import numpy as np

        schema = self._schema(table)
        # Unknown columns are left to the engine, which names them in its error.
        fields = [
            (c, schema.columns[c].to_arrow()) for c in columns if c in schema.columns
        ]
        if _embedding_item(fields) is not None:
            # An embedding column: its Arrow result (no copy) reshaped into (n, size).
            return _to_numpy(self.read(table, keys, columns), len(keys), fill_value)
        dtype = _matrix_dtype(fields)
        out = np.empty((len(keys), len(columns)), dtype=dtype)
        self._engine.read_into(table, keys, columns, out, dtype.type(fill_value))
        return out

    def _schema(self, table: str) -> TableSchema:
        schema = self._schemas.get(table)
        if schema is None:
            schema = self._schemas[table] = self.get_schema(table)
        return schema

    def close(self) -> None:
        """Closes the cache (reads in flight on other threads finish first); idempotent."""
        self._engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
