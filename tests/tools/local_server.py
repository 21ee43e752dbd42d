"""A server binary run on a free loopback port for tests: start, wait until ready, log, stop."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self


class LocalServerError(RuntimeError):
    """The server did not start, or answered with an error."""


class LocalServer:
    """Runs ``command()`` with its log in ``log_path``; ready once ``GET url + ready_path`` is 200.

    Subclasses name the binary's arguments (:meth:`command`) and set :attr:`error` to their own
    error type.
    """

    name = "server"
    ready_path = "/-/ready"
    error: type[LocalServerError] = LocalServerError

    def __init__(self, workdir: Path, port: int, log_path: Path, start_timeout_s: float) -> None:
        self.workdir = Path(workdir)
        self.port = port
        self.log_path = log_path
        self.start_timeout_s = start_timeout_s
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The command line that runs the server on :attr:`port`."""
        raise NotImplementedError

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Start the server and wait until it is ready."""
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise self.error(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise self.error(f"{self.name} not ready after {self.start_timeout_s}s")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's log."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
