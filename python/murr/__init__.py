"""Murr: a columnar cache for ML inference features.

This package holds the schema types, the error hierarchy, the HTTP clients
(:mod:`murr.client`), the engine in process (:class:`murr.LocalMurr`) and the server in process
(:mod:`murr.server`). See docs/python.md.
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
from murr.local import LocalMurr
from murr.schema import ColumnSchema, DType, TableSchema

__all__ = [
    "AuthenticationError",
    "ColumnSchema",
    "DType",
    "InvalidRequestError",
    "LocalMurr",
    "MurrConnectionError",
    "MurrError",
    "PermissionDeniedError",
    "ServerBusyError",
    "ServerError",
    "TableExistsError",
    "TableNotFoundError",
    "TableSchema",
]
