"""``crisiswatch calendar``: argument parsing, entry building and its error messages."""

from __future__ import annotations

import argparse

import pytest

from stream_app.cli import build_parser, main
from stream_app.cli.calendar_cmd import describe, entry_from_args, parse_time

START, END = "2026-03-02T09:00Z", "2026-03-02T18:00:00+00:00"


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["calendar", *argv])


def test_add_a_hashtag_campaign() -> None:
    args = parse("add", "--brand", "acme", "--hashtag", "#SpringSale", "--start", START,
                 "--end", END, "--lift", "3")  # fmt: skip
    entry = entry_from_args(args)
    assert entry.scope == "hashtag:acme#springsale"
    assert entry.start_ms == parse_time(START) and entry.end_ms - entry.start_ms == 9 * 3_600_000
    assert entry.expected_lift == 3.0 and entry.sensitivity is None
    assert entry.id.startswith("acme-")
    assert entry_from_args(args).id == entry.id  # the default id is stable
    assert "campaign, expected lift x3" in describe(entry)


def test_add_a_post_campaign_with_sensitivity_and_id() -> None:
    args = parse("add", "--brand", "acme", "--post", "p1", "--start", START, "--end", END,
                 "--lift", "2.5", "--sensitivity", "more", "--id", "launch")  # fmt: skip
    entry = entry_from_args(args)
    assert (entry.id, entry.scope, entry.sensitivity) == ("launch", "post:p1", "more")


def test_a_brand_wide_sensitivity_only_entry() -> None:
    args = parse("add", "--brand", "acme", "--start", START, "--end", END,
                 "--sensitivity", "fewer")  # fmt: skip
    entry = entry_from_args(args)
    assert entry.scope is None and entry.expected_lift is None and not entry.is_campaign


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--start", END, "--end", START, "--lift", "3"], "must be after --start"),
        (["--start", START, "--end", START, "--lift", "3"], "must be after --start"),
        (["--start", START, "--end", END], "give --lift"),
        (["--start", START, "--end", END, "--lift", "0.5"], "at least 1"),
        (["--start", "tomorrow", "--end", END, "--lift", "3"], "not a time"),
        (["--hashtag", "#", "--start", START, "--end", END, "--lift", "3"], "needs a tag"),
    ],
)
def test_bad_add_arguments_say_what_to_fix(argv: list[str], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        entry_from_args(parse("add", "--brand", "acme", *argv))


def test_bad_arguments_exit_2_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["calendar", "add", "--brand", "acme", "--start", END, "--end", START,
                 "--lift", "3"])  # fmt: skip
    assert code == 2
    assert "must be after --start" in capsys.readouterr().err


def test_unknown_sensitivity_lists_the_levels(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        parse("add", "--brand", "acme", "--start", START, "--end", END, "--sensitivity", "loud")
    assert info.value.code == 2
    assert "fewer" in capsys.readouterr().err


def test_post_and_hashtag_are_exclusive() -> None:
    with pytest.raises(SystemExit):
        parse("add", "--brand", "a", "--post", "p", "--hashtag", "t", "--start", START,
              "--end", END, "--lift", "2")  # fmt: skip


def test_remove_and_list_parse() -> None:
    assert parse("remove", "acme-1234").id == "acme-1234"
    args = parse("list", "--brand", "acme", "--json")
    assert args.brand == "acme" and args.json


def test_without_a_cluster_the_commands_say_how_to_name_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("CRISISWATCH_CONFIG", str(tmp_path) + "/none.toml")
    monkeypatch.delenv("CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    assert main(["calendar", "list"]) == 2
    assert "--bootstrap" in capsys.readouterr().err
