"""Exceptions raised by Murr's Python API.

Every class derives from :class:`MurrError` and also from the builtin exception that Murr's
upstream client raises for the same case, so either kind of ``except`` catches it. The server's
message is kept word for word in ``str(error)``.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "InvalidRequestError",
    "MurrConnectionError",
    "MurrError",
    "PermissionDeniedError",
    "ServerBusyError",
    "ServerError",
    "TableExistsError",
    "TableNotFoundError",
]


class MurrError(Exception):
    """Base class of every error Murr raises.

    Attributes:
        status: the HTTP status of the reply, or ``None`` for errors without one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TableNotFoundError(MurrError, FileNotFoundError):
    """The table does not exist (HTTP 404)."""


class TableExistsError(MurrError, ValueError):
    """The table already exists, or its name is taken (HTTP 409)."""


class InvalidRequestError(MurrError, ValueError):
    """The request is invalid: schema, column, type, body, limit (HTTP 400, 413, 414, 415, 431)."""


class AuthenticationError(MurrError, PermissionError):
    """No valid bearer token was sent (HTTP 401)."""


class PermissionDeniedError(MurrError, PermissionError):
    """The token's scope does not allow this request (HTTP 403)."""


class ServerError(MurrError, RuntimeError):
    """The server could not do it: a quarantined table (503), a full disk (507), a fault (500)."""


class ServerBusyError(ServerError):
    """The server is at its limit of queued writes (HTTP 503 "busy"); retry later."""


class MurrConnectionError(MurrError, ConnectionError):
    """The server could not be reached, or the connection broke."""


def error_for_status(status: int, message: str) -> MurrError:
    """The exception for an error reply with this HTTP status and message."""
    if status == 404:
        return TableNotFoundError(message, status)
    if status == 409:
        return TableExistsError(message, status)
    if status == 401:
        return AuthenticationError(message, status)
    if status == 403:
        return PermissionDeniedError(message, status)
    if status in (400, 405, 413, 414, 415, 431):
        return InvalidRequestError(message, status)
    if status == 503 and message.startswith("the server is busy"):
        return ServerBusyError(message, status)
    return ServerError(message, status)


def error_for_code(code: str, message: str) -> MurrError:
    """The exception for an engine error in this process (``murr.LocalMurr``, ``MurrServer``).

    ``code`` is the engine's status code name ("NotFound", "InvalidArgument", ...); such errors
    carry no HTTP status (``status`` is ``None``).
    """
    if code == "NotFound":
        return TableNotFoundError(message)
    if code == "AlreadyExists":
        return TableExistsError(message)
    if code in ("InvalidArgument", "ResourceExhausted", "Unimplemented"):
        return InvalidRequestError(message)
    return ServerError(message)
