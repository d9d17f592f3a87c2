"""Fixtures of the Python package's tests: a real `murr serve` on loopback.

The binary comes from the MURR_BINARY environment variable (CTest sets it); a missing binary is a
failure, never a skip.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The package as built (python/murr/*.py staged next to the native extension by the build);
# CTest sets MURR_PYTHON_DIR to <build>/python.
_package_dir = os.environ.get("MURR_PYTHON_DIR", "")
if not _package_dir or not (Path(_package_dir) / "murr" / "__init__.py").is_file():
    raise RuntimeError(
        f"MURR_PYTHON_DIR must name the built package's folder (<build>/python), got "
        f"'{_package_dir}'; run the tests through ctest (python/run-tests)"
    )
sys.path.insert(0, _package_dir)


class Server:
    """A `murr serve` child process with its own cache_dir, on free loopback ports."""

    def __init__(
        self, workdir: Path, extra_yaml: str = "", env: dict[str, str] | None = None
    ) -> None:
        binary = os.environ.get("MURR_BINARY", "")
        if not binary or not Path(binary).is_file():
            pytest.fail(
                f"MURR_BINARY must name the built murr program (got {binary!r})"
            )
        config = workdir / "murr.yaml"
        config.write_text(
            "server:\n  http:\n    host: 127.0.0.1\n    port: 0\n  grpc:\n    host: 127.0.0.1\n    port: 0\n"
            f"storage:\n  cache_dir: {workdir / 'cache'}\n" + extra_yaml
        )
        self.log_path = workdir / "murr.log"
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("MURR_")}
        child_env.update(env or {})
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - held for the child's lifetime, closed in stop()
        self.proc = subprocess.Popen(
            [binary, "serve", "--config", str(config)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=child_env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            m = re.search(r"murr listening on (https?)://([\d.]+):(\d+)", self.log())
            if m:
                self.endpoint = f"{m.group(1)}://{m.group(2)}:{m.group(3)}"
                # Flight logs its line before the HTTP one (tests/api/server_process.h).
                g = re.search(
                    r"Flight listening on (grpc(?:\+tls)?)://([\d.]+):(\d+)", self.log()
                )
                assert g, self.log()
                self.flight = f"{g.group(1)}://{g.group(2)}:{g.group(3)}"
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        pytest.fail(f"murr did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="murr-py-") as d:
        yield Path(d)


@pytest.fixture
def server(workdir: Path) -> Iterator[Server]:
    s = Server(workdir)
    yield s
    assert s.stop() == 0, s.log()


from faces import FACES


@pytest.fixture(params=list(FACES))
def face(request: pytest.FixtureRequest) -> Iterator[object]:
    """Each registered face of Murr (tests/faces.py) in turn, over an empty Murr."""
    with FACES[request.param](request) as f:
        yield f
