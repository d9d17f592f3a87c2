"""Configuration dicts of the in-process faces (LocalMurr options, MurrServer config)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from murr.errors import InvalidRequestError


def config_text(config: Mapping[str, Any] | None) -> str:
    """``config`` as the text the engine parses (JSON, which is YAML).

    Keys are those of the YAML file (docs/api.md), nested (``{"server": {"http": {"port": 0}}}``)
    or dotted (``{"server.http.port": 0}``); the engine rejects unknown keys and wrong types with
    the same messages as for the file.
    """
    if config is None:
        return ""
    if not isinstance(config, Mapping):
        raise TypeError(f"the config must be a dict, not {type(config).__name__}")
    nested: dict[str, Any] = {}
    for key, value in config.items():
        if not isinstance(key, str):
            raise TypeError(f"config keys must be str, not {type(key).__name__}")
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InvalidRequestError(
                    f"config key '{key}' is both a value and a section"
                )
        if isinstance(value, Mapping):
            value = json.loads(config_text(value) or "{}")
        if leaf in node and isinstance(node[leaf], dict) and isinstance(value, dict):
            node[leaf].update(value)
        else:
            node[leaf] = value
    return json.dumps(nested, default=_scalar)


def _scalar(value: Any) -> Any:
    import os

    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(
        f"config values must be str, int, float or bool, not {type(value).__name__}"
    )
