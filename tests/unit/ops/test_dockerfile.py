"""The engine image: slim base, non-root, installs the package, health-checks /healthz."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from stream_app.broker import free_port
from stream_app.web import OpsServer


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


@pytest.fixture(scope="module")
def instructions(repo: Path) -> list[tuple[str, str]]:
    return _instructions(repo / "Dockerfile")


def _healthcheck_command(instructions: list[tuple[str, str]]) -> list[str]:
    (args,) = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"]
    exec_form: list[str] = json.loads(args[args.index("CMD") + 3 :].strip())
    return exec_form


def test_slim_python_base_and_non_root_user(instructions: list[tuple[str, str]]) -> None:
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    # The last USER comes after every RUN: nothing runs as root at container start.
    last_user = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in instructions[last_user:])


def test_installs_the_package_and_runs_the_worker(
    instructions: list[tuple[str, str]], repo: Path
) -> None:
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install ." in runs
    copied = " ".join(rest for keyword, rest in instructions if keyword == "COPY")
    for needed in ("pyproject.toml", "README.md", "detectors", "stream_app", "config"):
        assert needed in copied
    (cmd,) = [rest for keyword, rest in instructions if keyword == "CMD"]
    assert json.loads(cmd) == ["crisiswatch", "worker"]
    assert not [rest for keyword, rest in instructions if keyword == "ENTRYPOINT"]
    env = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "CRISISWATCH_WEB__HOST=0.0.0.0" in env


def test_healthcheck_passes_against_a_live_worker_endpoint(
    instructions: list[tuple[str, str]],
) -> None:
    command = _healthcheck_command(instructions)
    assert command[:2] == ["python", "-c"]
    assert "127.0.0.1" in command[2] and "/healthz" in command[2] and "'6066'" in command[2]
    server = OpsServer(CollectorRegistry(), "127.0.0.1", 0, ready=lambda: False)
    server.start()
    try:
        env = {"CRISISWATCH_WEB__PORT": str(server.port)}
        result = subprocess.run([sys.executable, "-c", command[2]], env=env, check=False)
        assert result.returncode == 0  # healthy even while not ready: liveness, not readiness
    finally:
        server.stop()


def test_healthcheck_fails_when_nothing_answers(instructions: list[tuple[str, str]]) -> None:
    command = _healthcheck_command(instructions)
    env = {"CRISISWATCH_WEB__PORT": str(free_port())}
    result = subprocess.run(
        [sys.executable, "-c", command[2]], env=env, capture_output=True, check=False
    )
    assert result.returncode != 0


def test_dockerignore_keeps_local_state_and_secrets_out(repo: Path) -> None:
    patterns = {
        line.strip()
        for line in (repo / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env", "tests"} <= patterns
    assert "!.env.example" in patterns
    for needed in ("pyproject.toml", "README.md", "detectors", "stream_app", "config"):
        assert needed not in patterns
