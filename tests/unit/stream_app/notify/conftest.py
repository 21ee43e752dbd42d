"""Alert messages as the engine writes them, built from a few fields."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from detectors.contract.alerts import Alert
from tests.tools.alert_messages import alert_message


@pytest.fixture
def alert_factory() -> Callable[..., Alert]:
    """``alert_factory(alert_id="b1", status="open", bucket=0, severity="warning", ...)``."""
    return alert_message
