"""Keeping raw user ids out of what the engine writes: dead-letter payloads are scrubbed.

Rejected messages are kept for inspection and replay, but a raw ``user_id`` must never leave the
ingest edge. Every ``"user_id": <string or number>`` in a payload is replaced by the keyed hash
the engine uses for authors, whether or not the rest of the payload is valid JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_USER_ID = re.compile(rb'("user_id"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)')
REDACTED_PREFIX = "redacted:"


def redact_user_ids(payload: bytes, hasher: Callable[[str], str]) -> tuple[bytes, int]:
    """``payload`` with every ``user_id`` value replaced by its hash; and how many were replaced.

    >>> def fake_hash(text: str) -> str:
    ...     return str(len(text))
    >>> redact_user_ids(b'{"user_id": "alice", "x": 1}', fake_hash)
    (b'{"user_id": "redacted:5", "x": 1}', 1)
    >>> redact_user_ids(b'[{"user_id":42}, {"user_id" : "b\\\\"c"}', fake_hash)[1]
    2
    >>> redact_user_ids(b"\\xff not json", fake_hash)
    (b'\\xff not json', 0)
    """

    def replace(match: re.Match[bytes]) -> bytes:
        raw = match.group(2)
        value = raw[1:-1] if raw.startswith(b'"') else raw
        digest = hasher(value.decode("utf-8", "surrogateescape"))
        return match.group(1) + f'"{REDACTED_PREFIX}{digest}"'.encode()

    return _USER_ID.subn(replace, payload)
