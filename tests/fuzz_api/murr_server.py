"""Runs the real `murr serve` for the API fuzz tests: a temporary cache_dir, loopback, free HTTP and
gRPC ports; the HTTP port is read from the "murr listening on http://..." log line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

_LISTENING = re.compile(r"murr listening on http://([0-9.]+):([0-9]+)")


class MurrServer:
    def __init__(
        self, binary: str, root: Path | None = None, start_timeout: float = 60.0
    ) -> None:
        """Serves <root>/cache; root is a new temporary folder unless given (then it is kept)."""
        if not os.access(binary, os.X_OK):
            raise RuntimeError(
                f"murr binary '{binary}' does not exist or is not executable"
            )
        self._dir = None
        if root is None:
            self._dir = tempfile.TemporaryDirectory(prefix="murr-fuzz-api-")
            root = Path(self._dir.name)
        self.cache_dir = root / "cache"
        self.log_path = root / "murr.log"
        config = root / "murr.yaml"
        config.write_text(
            "server:\n"
            "  http:\n    host: 127.0.0.1\n    port: 0\n"
            "  grpc:\n    host: 127.0.0.1\n    port: 0\n"
            f"storage:\n  cache_dir: {self.cache_dir}\n"
        )
        # The server's strict config loader rejects unknown MURR_* variables: start it without ours.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MURR_")}
        # The child keeps its own copy of the log's descriptor.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "serve", "--config", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + start_timeout
        while True:
            match = _LISTENING.search(self.log())
            if match:
                self.base_url = f"http://{match.group(1)}:{match.group(2)}"
                return
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"murr exited with {self.process.returncode} before listening:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(
                    f"murr did not listen within {start_timeout} s:\n{self.log()}"
                )
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then the exit code (0 is a clean shutdown)."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        return code

    def cleanup(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
