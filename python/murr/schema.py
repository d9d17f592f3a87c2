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

__all__ = ["ColumnSchema", "DType", "TableSchema"]

MAX_COLUMNS = 1024


class DType(str, enum.Enum):
    """A column type, named as in the server's schema JSON."""

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

    def to_arrow(self) -> Any:
        """The pyarrow type of this dtype."""
        import pyarrow as pa

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
        }[self]

    @classmethod
    def from_arrow(cls, arrow_type: Any, column: str = "?") -> DType:
        """The dtype of a pyarrow type; :class:`InvalidRequestError` naming the column if none."""
        import pyarrow as pa

        if pa.types.is_large_string(arrow_type) or pa.types.is_string(arrow_type):
            return cls.UTF8
        for dtype in cls:
            if dtype is not cls.UTF8 and dtype.to_arrow() == arrow_type:
                return dtype
        raise InvalidRequestError(
            f"column '{column}' has Arrow type {arrow_type}, which Murr does not support"
        )


@dataclass(frozen=True)
class ColumnSchema:
    """One column: its dtype and whether it may hold nulls (default: it may)."""

    dtype: DType
    nullable: bool = True

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "dtype", DType(self.dtype))
        except ValueError:
            names = ", ".join(d.value for d in DType)
            raise InvalidRequestError(
                f"unknown dtype '{self.dtype}' (one of {names})"
            ) from None
        if not isinstance(self.nullable, bool):
            raise InvalidRequestError("'nullable' must be true or false")


@dataclass(frozen=True)
class TableSchema:
    """A table's schema: the key column's name and every column (the key included).

    The key column must be utf8 and not nullable, as the server requires.
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
        if cols[self.key].dtype is not DType.UTF8:
            raise InvalidRequestError(
                f"key column '{self.key}' must be utf8, not {cols[self.key].dtype.value}"
            )
        if cols[self.key].nullable:
            raise InvalidRequestError(
                f"key column '{self.key}' must be declared \"nullable\": false"
            )

    def to_dict(self) -> dict[str, Any]:
        """The server's JSON form, as a dict."""
        return {
            "key": self.key,
            "columns": {
                n: {"dtype": c.dtype.value, "nullable": c.nullable}
                for n, c in self.columns.items()
            },
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
                pa.field(n, c.dtype.to_arrow(), nullable=c.nullable)
                for n, c in self.columns.items()
            ]
        )

    @classmethod
    def from_arrow(cls, schema: Any, key: str) -> TableSchema:
        """A schema from a pyarrow schema; the key column is made non-nullable."""
        cols = {}
        for f in schema:
            cols[f.name] = ColumnSchema(
                DType.from_arrow(f.type, f.name), nullable=f.nullable and f.name != key
            )
        return cls(key=key, columns=cols)
