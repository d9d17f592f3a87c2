"""Murr's PEP 517 build backend: scikit-build-core, pointed at the project's own CMake.

In a checkout the engine's CMake project is the repository root (``..``). A source distribution
carries a copy of it in ``_engine/`` (CMakeLists.txt, src/ and python/native/), staged here while
the sdist is made, so a wheel built from the sdist compiles the same sources. Everything else is
scikit-build-core's, configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from scikit_build_core import build as _backend
from scikit_build_core.build import (  # noqa: F401 - the hooks a frontend may call
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

_HERE = Path(__file__).resolve().parents[1]  # python/
_ENGINE = _HERE / "_engine"
# What the engine's CMake project reads in a wheel build (MURR_WHEEL=ON), relative to the root.
_ENGINE_PARTS = ["CMakeLists.txt", "src", "python/native"]


def _with_source_dir(config_settings: dict[str, Any] | None) -> dict[str, Any]:
    settings = dict(config_settings or {})
    if (_ENGINE / "CMakeLists.txt").is_file():
        settings.setdefault("cmake.source-dir", "_engine")
    elif not (_HERE.parent / "CMakeLists.txt").is_file():
        raise RuntimeError(
            "murr: the engine's sources are neither in _engine/ (an sdist) nor in .. (a "
            "checkout); build from a Murr checkout or its source distribution"
        )
    return settings


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    return _backend.build_wheel(
        wheel_directory, _with_source_dir(config_settings), metadata_directory
    )


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    return _backend.build_editable(
        wheel_directory, _with_source_dir(config_settings), metadata_directory
    )


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    if (_ENGINE / "CMakeLists.txt").is_file():  # already an sdist: re-pack it as it is
        return _backend.build_sdist(sdist_directory, config_settings)
    root = _HERE.parent
    try:
        for part in _ENGINE_PARTS:
            src, dst = root / part, _ENGINE / part
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
        return _backend.build_sdist(sdist_directory, config_settings)
    finally:
        shutil.rmtree(_ENGINE, ignore_errors=True)
