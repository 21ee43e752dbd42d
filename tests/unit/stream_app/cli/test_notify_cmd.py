"""``crisiswatch notify``: registered, and refuses to start without a Kafka cluster to read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stream_app.cli import build_parser, main


def test_notify_is_a_subcommand_with_its_port_option() -> None:
    args = build_parser().parse_args(["notify", "--port", "7000"])
    assert args.port == 7000
    assert args.func.__module__ == "stream_app.cli.notify_cmd"


def test_notify_needs_the_cluster_the_workers_write_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("CRISISWATCH_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "crisiswatch.toml"
    config.write_text('[kafka]\nbootstrap_servers = ""\n', encoding="utf-8")
    assert main(["notify", "--config", str(config)]) == 2
    assert "CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS" in capsys.readouterr().err
