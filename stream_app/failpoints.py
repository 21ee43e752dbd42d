"""Named crash sites for fault tests: a real SIGKILL at an exact point of the pipeline.

A failpoint is armed by the environment variable ``CRISISWATCH_FAILPOINT_<NAME>`` holding a file
path; the process kills itself with SIGKILL the first time the code passes the failpoint while
that file exists. Unarmed (the default, and always in production) a failpoint is one dictionary
lookup. The fault tests create the trigger file at the moment they want the crash, so the kill
lands in the middle of the operation named, not at a random instant.
"""

from __future__ import annotations

import os
import signal

from stream_app.settings import FAILPOINT_PREFIX as ENV_PREFIX

_armed: dict[str, str] = {
    key[len(ENV_PREFIX) :].lower(): value
    for key, value in os.environ.items()
    if key.startswith(ENV_PREFIX) and value
}


def env_name(name: str) -> str:
    """The environment variable that arms failpoint ``name``."""
    return ENV_PREFIX + name.upper()


def failpoint(name: str) -> None:
    """SIGKILL this process if failpoint ``name`` is armed and its trigger file exists."""
    trigger = _armed.get(name)
    if trigger is not None and os.path.exists(trigger):
        os.kill(os.getpid(), signal.SIGKILL)
