"""Murr: a columnar cache for ML inference features.

This package holds the schema types, the error hierarchy and the HTTP client
(:mod:`murr.client`). See docs/python.md.
"""

from murr.errors import (
    AuthenticationError,
    InvalidRequestError,
    MurrConnectionError,
    MurrError,
    PermissionDeniedError,
    ServerBusyError,
    ServerError,
    TableExistsError,
    TableNotFoundError,
)
from murr.schema import ColumnSchema, DType, TableSchema

__all__ = [
    "AuthenticationError",
    "ColumnSchema",
    "DType",
    "InvalidRequestError",
    "MurrConnectionError",
    "MurrError",
    "PermissionDeniedError",
    "ServerBusyError",
    "ServerError",
    "TableExistsError",
    "TableNotFoundError",
    "TableSchema",
]
