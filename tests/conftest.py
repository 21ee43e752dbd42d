"""Fixtures shared by every test tree: settings built from overrides, unique names."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from stream_app.broker import EmbeddedBroker
from stream_app.settings import Settings, TopicSettings
from tests.integration.helpers import SESSION_TIMEOUT_MS

_counter = itertools.count()


def _unique_topics(prefix: str) -> TopicSettings:
    names = {field: f"{prefix}.{field}" for field in TopicSettings.__struct_fields__}
    return TopicSettings(**names)


@pytest.fixture
def settings_factory(tmp_path: Any) -> Callable[..., Settings]:
    """Build Settings: ``settings_factory(bootstrap=..., unique_topics=True, kafka={...}, ...)``.

    Sections are given as dicts of overrides; ``unique_topics`` gives every topic (and group id)
    a per-call prefix so tests sharing one broker never see each other's messages.
    """

    def make(
        bootstrap: str = "", unique_topics: bool = False, **sections: dict[str, Any]
    ) -> Settings:
        data: dict[str, Any] = msgspec.to_builtins(Settings())
        data["kafka"]["bootstrap_servers"] = bootstrap
        data["kafka"]["session_timeout_ms"] = SESSION_TIMEOUT_MS
        data["app"]["data_dir"] = str(tmp_path / "data")
        if unique_topics:
            prefix = f"t{next(_counter)}x{id(tmp_path) % 100000}"
            data["topics"] = msgspec.to_builtins(_unique_topics(prefix))
            data["ingest"]["group_id"] = f"{prefix}-ingest"
            data["notify"]["group_id"] = f"{prefix}-notify"
            data["app"]["id"] = f"{prefix}-app"
        for section, values in sections.items():
            data[section].update(values)
        return msgspec.convert(data, Settings)

    return make


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """A running Tansu broker on a free loopback port (a real broker, never a mock).

    Started once per session; its log is in the session temp dir.
    """
    log_path = Path(tmp_path_factory.mktemp("broker")) / "tansu.log"
    with EmbeddedBroker(log_path=log_path) as running:
        yield running
