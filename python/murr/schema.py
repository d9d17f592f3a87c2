"""Table schemas: :class:`DType`, :class:`ColumnSchema` and :class:`TableSchema`.

They are validated on construction with the server's rules and messages, and convert to and
from the server's JSON form and pyarrow schemas.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from murr.errors import InvalidRequestError

__all__ = ["MAX_LIST_SIZE", "ColumnSchema", "DType", "TableSchema"]

MAX_COLUMNS = 1024


class DType(str, enum.Enum):
    """A scalar column type, named as in the server's schema JSON.

    A fixed-size array (an embedding) is a ColumnSchema of a numeric item dtype with a ``size``:
    ``ColumnSchema(DType.FLOAT32, size=768)``, or ``ColumnSchema("float32[768]")``. A
    variable-length list of any dtype is ``ColumnSchema(DType.INT64, list=True)``, or
    ``ColumnSchema("int64[]")``.
    """

    UTF8 = "utf8"
    BOOL = "bool"
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    FLOAT16 = "float16"
    DATE32 = "date32"
    BINARY = "binary"
    TIMESTAMP_S = "timestamp_s"
    TIMESTAMP_MS = "timestamp_ms"
    TIMESTAMP_US = "timestamp_us"
    TIMESTAMP_NS = "timestamp_ns"

    @property
    def is_timestamp(self) -> bool:
        return self.value.startswith("timestamp_")

    @property
    def is_numeric(self) -> bool:
        """An integer or float: what a fixed-size array may hold."""
        return self.value.startswith(("int", "uint", "float"))

    def to_arrow(self, timezone: str | None = None) -> Any:
        """The pyarrow type of this dtype (timestamps with ``timezone``, if any)."""
        import pyarrow as pa

        if self.is_timestamp:
            return pa.timestamp(
                self.value.removeprefix("timestamp_"), tz=timezone or None
            )
        return {
            DType.UTF8: pa.utf8(),
            DType.BOOL: pa.bool_(),
            DType.INT8: pa.int8(),
            DType.INT16: pa.int16(),
            DType.INT32: pa.int32(),
            DType.INT64: pa.int64(),
            DType.UINT8: pa.uint8(),
            DType.UINT16: pa.uint16(),
            DType.UINT32: pa.uint32(),
            DType.UINT64: pa.uint64(),
            DType.FLOAT32: pa.float32(),
            DType.FLOAT64: pa.float64(),
            DType.FLOAT16: pa.float16(),
            DType.DATE32: pa.date32(),
            DType.BINARY: pa.binary(),
        }[self]

    @classmethod
    def from_arrow(cls, arrow_type: Any, column: str = "?") -> DType:
        """The scalar dtype of a pyarrow type; :class:`InvalidRequestError` naming the column if
        none (see :meth:`ColumnSchema.from_arrow` for fixed-size arrays)."""
        import pyarrow as pa

        if (
            pa.types.is_large_string(arrow_type)
            or pa.types.is_string(arrow_type)
            or pa.types.is_string_view(arrow_type)
        ):
            return cls.UTF8
        if pa.types.is_large_binary(arrow_type) or pa.types.is_binary_view(arrow_type):
            return cls.BINARY
        if pa.types.is_timestamp(arrow_type):
            return cls("timestamp_" + arrow_type.unit)
        for dtype in cls:
            if (
                dtype is not cls.UTF8
                and not dtype.is_timestamp
                and dtype.to_arrow() == arrow_type
            ):
                return dtype
        raise InvalidRequestError(
            f"column '{column}' has Arrow type {arrow_type}, which Murr does not support"
        )


MAX_LIST_SIZE = 65536


@dataclass(frozen=True)
class ColumnSchema:
    """One column: its dtype, whether it may hold nulls (default: it may), for a fixed-size
    array its ``size`` (values per row, 1..65,536, of a numeric ``dtype``), for a timestamp
    an optional ``timezone`` ("UTC" or an IANA name, kept as metadata as Arrow does), and
    ``list=True`` for a variable-length list of ``dtype`` values (Arrow List; items may be
    null; a list of timestamps may have a timezone).

    ``dtype`` may also be the server's name, ``"float32[768]"`` and ``"int64[]"`` included.
    """

    dtype: DType
    nullable: bool = True
    size: int | None = None
    timezone: str | None = None
    list: bool = False

    def __post_init__(self) -> None:
        dtype, size, is_list = self.dtype, self.size, self.list
        if (
            isinstance(dtype, str)
            and not isinstance(dtype, DType)
            and dtype.endswith("[]")
        ):
            if size is not None or is_list:
                raise InvalidRequestError(f"unknown dtype '{dtype}'")
            dtype, is_list = dtype[:-2], True
        elif (
            isinstance(dtype, str)
            and not isinstance(dtype, DType)
            and dtype.endswith("]")
        ):
            item, _, n = dtype[:-1].partition("[")
            if not n.isdigit() or size is not None:
                raise InvalidRequestError(f"unknown dtype '{dtype}'")
            dtype, size = item, int(n)
        try:
            dtype = DType(dtype)
        except ValueError:
            names = ", ".join(d.value for d in DType)
            raise InvalidRequestError(
                f"unknown dtype '{self.dtype}' (one of {names}, <numeric>[<n>] or "
                "<dtype>[])"
            ) from None
        object.__setattr__(self, "dtype", dtype)
        object.__setattr__(self, "size", size)
        if not isinstance(is_list, bool):
            raise InvalidRequestError("'list' must be true or false")
        object.__setattr__(self, "list", is_list)
        if is_list and size is not None:
            raise InvalidRequestError(
                "a column is a fixed-size array (size) or a list, not both"
            )
        if not isinstance(self.nullable, bool):
            raise InvalidRequestError("'nullable' must be true or false")
        if size is not None:
            if not isinstance(size, int) or not 1 <= size <= MAX_LIST_SIZE:
                raise InvalidRequestError(
                    f"a fixed-size array has 1..{MAX_LIST_SIZE} values, not {size}"
                )
            if not dtype.is_numeric:
                raise InvalidRequestError(
                    f"a fixed-size array holds a numeric type, not {dtype.value}"
                )
        if self.timezone is not None:
            if not dtype.is_timestamp or size is not None:
                raise InvalidRequestError(
                    f"a timezone is allowed only on timestamp columns, not {self.name}"
                )
            if len(self.timezone.encode()) > 64:
                raise InvalidRequestError("timezone is longer than 64 bytes")

    @property
    def name(self) -> str:
        """The dtype as the server names it: ``"float32"``, ``"float32[768]"``,
        ``"int64[]"``."""
        if self.list:
            return f"{self.dtype.value}[]"
        return (
            self.dtype.value
            if self.size is None
            else f"{self.dtype.value}[{self.size}]"
        )

    def to_dict(self) -> dict[str, Any]:
        """The server's JSON form of this column."""
        out: dict[str, Any] = {"dtype": self.name, "nullable": self.nullable}
        if self.timezone is not None:
            out["timezone"] = self.timezone
        return out

    def to_arrow(self) -> Any:
        """The pyarrow type of this column."""
        import pyarrow as pa

        if self.size is not None:
            return pa.list_(self.dtype.to_arrow(), self.size)
        if self.list:
            return pa.list_(self.dtype.to_arrow(self.timezone))
        return self.dtype.to_arrow(self.timezone)

    @classmethod
    def from_arrow(
        cls, arrow_type: Any, nullable: bool = True, column: str = "?"
    ) -> ColumnSchema:
        """The column for a pyarrow type (a FixedSizeList is a fixed-size array, a List a
        list)."""
        import pyarrow as pa

        if pa.types.is_fixed_size_list(arrow_type):
            item = DType.from_arrow(arrow_type.value_type, column)
            return cls(item, nullable, size=arrow_type.list_size)
        if pa.types.is_list(arrow_type):
            value_type = arrow_type.value_type
            if pa.types.is_nested(value_type):
                raise InvalidRequestError(
                    f"column '{column}' has Arrow type {arrow_type}, which Murr does not "
                    "support (list items are scalars)"
                )
            item = DType.from_arrow(value_type, column)
            tz = value_type.tz if pa.types.is_timestamp(value_type) else None
            return cls(item, nullable, timezone=tz, list=True)
        dtype = DType.from_arrow(arrow_type, column)
        tz = arrow_type.tz if pa.types.is_timestamp(arrow_type) else None
        return cls(dtype, nullable, timezone=tz)


@dataclass(frozen=True)
class TableSchema:
    """A table's schema: the key column's name and every column (the key included).

    The key column must be utf8, int64 or uint64 and not nullable, as the server requires.
    """

    key: str
    columns: Mapping[str, ColumnSchema] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cols = {
            name: c if isinstance(c, ColumnSchema) else ColumnSchema(**c)
            for name, c in dict(self.columns).items()
        }
        object.__setattr__(self, "columns", cols)
        if len(cols) > MAX_COLUMNS:
            raise InvalidRequestError(
                f"a table has at most {MAX_COLUMNS} columns, got {len(cols)}"
            )
        for name in cols:
            if not isinstance(name, str) or not 1 <= len(name.encode()) <= 255:
                raise InvalidRequestError(
                    f"column name must be 1..255 bytes, got {len(str(name).encode())}"
                )
        if not self.key:
            raise InvalidRequestError("schema has no key column ('key' is empty)")
        if self.key not in cols:
            raise InvalidRequestError(
                f"key column '{self.key}' is not among the columns"
            )
        if (
            cols[self.key].dtype not in (DType.UTF8, DType.INT64, DType.UINT64)
            or cols[self.key].list
        ):
            raise InvalidRequestError(
                f"key column '{self.key}' must be utf8, int64 or uint64, "
                f"not {cols[self.key].name}"
            )
        if cols[self.key].nullable:
            raise InvalidRequestError(
                f"key column '{self.key}' must be declared \"nullable\": false"
            )

    def to_dict(self) -> dict[str, Any]:
        """The server's JSON form, as a dict."""
        return {
            "key": self.key,
            "columns": {n: c.to_dict() for n, c in self.columns.items()},
        }

    def to_json(self) -> str:
        """The server's JSON form, as text."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> TableSchema:
        """A schema from the server's JSON form, as text."""
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableSchema:
        """A schema from the server's JSON form."""
        return cls(
            key=data["key"],
            columns={n: ColumnSchema(**c) for n, c in data["columns"].items()},
        )

    def to_arrow(self) -> Any:
        """The pyarrow schema of this table, in column order."""
        import pyarrow as pa

        return pa.schema(
            [
                pa.field(n, c.to_arrow(), nullable=c.nullable)
                for n, c in self.columns.items()
            ]
        )

    @classmethod
    def from_arrow(cls, schema: Any, key: str) -> TableSchema:
        """A schema from a pyarrow schema; the key column is made non-nullable."""
        cols = {}
        for f in schema:
            cols[f.name] = ColumnSchema.from_arrow(
                f.type, nullable=f.nullable and f.name != key, column=f.name
            )
        return cls(key=key, columns=cols)
