"""Failpoints: a real SIGKILL exactly where armed, nothing at all when not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from stream_app.failpoints import env_name

PROGRAM = (
    "from stream_app.failpoints import failpoint\n"
    "failpoint('before'); print('passed before', flush=True)\n"
    "failpoint('mid_flush'); print('passed mid_flush', flush=True)\n"
)


def _run(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=60
    )


def test_armed_failpoint_kills_only_when_its_trigger_exists(tmp_path: Path) -> None:
    trigger = tmp_path / "now"
    armed = {env_name("mid_flush"): str(trigger)}
    assert _run(armed).stdout.split("\n")[:2] == ["passed before", "passed mid_flush"]
    trigger.touch()
    killed = _run(armed)
    assert killed.returncode == -signal.SIGKILL
    assert killed.stdout == "passed before\n"


def test_unarmed_failpoints_do_nothing() -> None:
    done = _run({})
    assert done.returncode == 0 and done.stdout.count("passed") == 2
