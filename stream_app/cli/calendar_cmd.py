"""``crisiswatch calendar add|list|remove``: declare planned campaigns and per-brand sensitivity.

Entries live on the compacted topic ``crisiswatch.calendar`` (key: the entry id); every worker
reads all of it (:mod:`stream_app.calendar_topic`). During a declared campaign, volume alone opens
no viral alert above ``watch`` and the volume baselines do not learn the lift; crisis detection
is unchanged (:mod:`detectors.detect.campaigns`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import msgspec

from detectors.contract.alerts import iso_utc
from detectors.contract.config import SENSITIVITIES
from detectors.detect.campaigns import Calendar, CalendarEntry, entry_id
from detectors.ingest.wire import normalize_hashtags
from stream_app.calendar_topic import load_calendar, publish_entry, remove_entry
from stream_app.cli.common import add_config_option, settings_from
from stream_app.settings import Settings
from stream_app.topics import ensure_topics


def parse_time(text: str) -> int:
    """An instant given as ISO 8601 (a missing offset means UTC) or epoch milliseconds.

    >>> parse_time("2026-01-05T14:00Z"), parse_time("2026-01-05 15:00+01:00")
    (1767621600000, 1767621600000)
    >>> parse_time("1767621600000")
    1767621600000
    """
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use ISO 8601, e.g. 2026-01-05T14:00Z or "
            "2026-01-05T15:00+01:00 (no offset: UTC), or epoch milliseconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def normalise_tag(tag: str) -> str:
    """A hashtag as ingest keeps it (``normalize_hashtags``): lower-case, without ``#``.

    >>> normalise_tag(" #SpringSale"), normalise_tag("#")
    ('springsale', '')
    """
    return next(iter(normalize_hashtags([tag], 1)), "")


def entry_from_args(args: argparse.Namespace) -> CalendarEntry:
    """The entry ``calendar add`` declares; ``ValueError`` saying what to fix."""
    brand = args.brand
    scope: str | None = None
    if args.post:
        scope = f"post:{args.post}"
    elif args.hashtag:
        tag = normalise_tag(args.hashtag)
        if not tag:
            raise ValueError("--hashtag needs a tag, e.g. --hashtag springsale")
        scope = f"hashtag:{brand}#{tag}"
    start, end = parse_time(args.start), parse_time(args.end)
    if end <= start:
        raise ValueError(f"--end ({iso_utc(end)}) must be after --start ({iso_utc(start)})")
    if args.lift is None and args.sensitivity is None:
        raise ValueError(
            "give --lift (the expected volume factor of a campaign), --sensitivity, or both"
        )
    fields: dict[str, Any] = {
        "id": args.id or entry_id(brand, scope, start, end),
        "brand": brand,
        "scope": scope,
        "start_ms": start,
        "end_ms": end,
        "expected_lift": args.lift,
        "sensitivity": args.sensitivity,
    }
    try:
        return msgspec.convert(fields, CalendarEntry)
    except msgspec.ValidationError as exc:
        message = str(exc)
        if "expected_lift" in message:
            message = "--lift must be at least 1 (the expected volume factor, e.g. 3)"
        raise ValueError(message) from None


def describe(entry: CalendarEntry) -> str:
    """One line per entry, as ``calendar list`` prints it."""
    what = []
    if entry.expected_lift is not None:
        what.append(f"campaign, expected lift x{entry.expected_lift:g}")
    if entry.sensitivity is not None:
        what.append(f"sensitivity {entry.sensitivity}")
    return (
        f"{entry.id}  {entry.scope_key}  {iso_utc(entry.start_ms)} .. {iso_utc(entry.end_ms)}  "
        + ", ".join(what)
    )


def _bootstrap(args: argparse.Namespace, settings: Settings) -> str | None:
    bootstrap: str | None = args.bootstrap or settings.kafka.bootstrap_servers or None
    if not bootstrap:
        print(
            "crisiswatch calendar: no cluster to talk to: pass --bootstrap HOST:PORT or set "
            "CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS",
            file=sys.stderr,
        )
    return bootstrap


def _warn(key: bytes | None, error: str) -> None:
    print(f"crisiswatch calendar: skipped record {key!r}: {error}", file=sys.stderr)


def run_add(args: argparse.Namespace) -> int:
    """Declare an entry (or replace the entry of the same id)."""
    try:
        entry = entry_from_args(args)
    except ValueError as exc:
        print(f"crisiswatch calendar add: {exc}", file=sys.stderr)
        return 2
    settings = settings_from(args)
    bootstrap = _bootstrap(args, settings)
    if bootstrap is None:
        return 2

    async def add() -> None:
        await ensure_topics(settings, bootstrap, [settings.topics.calendar])
        await publish_entry(settings, bootstrap, entry)

    asyncio.run(add())
    print(f"added {describe(entry)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the entries the calendar topic holds."""
    settings = settings_from(args)
    bootstrap = _bootstrap(args, settings)
    if bootstrap is None:
        return 2
    calendar = asyncio.run(load_calendar(settings, bootstrap, _warn))
    entries = [e for e in calendar.entries() if args.brand is None or e.brand == args.brand]
    for entry in entries:
        print(json.dumps(msgspec.to_builtins(entry)) if args.json else describe(entry))
    if not entries and not args.json:
        print("no calendar entries" + (f" for brand {args.brand}" if args.brand else ""))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    """Remove an entry by id (a tombstone on the compacted topic)."""
    settings = settings_from(args)
    bootstrap = _bootstrap(args, settings)
    if bootstrap is None:
        return 2

    async def remove() -> Calendar:
        calendar = await load_calendar(settings, bootstrap, _warn)
        if args.id in calendar or args.force:
            await remove_entry(settings, bootstrap, args.id)
        return calendar

    calendar = asyncio.run(remove())
    if args.id not in calendar and not args.force:
        print(
            f"crisiswatch calendar remove: no entry {args.id!r} (crisiswatch calendar list "
            "shows the ids; --force sends the removal anyway)",
            file=sys.stderr,
        )
        return 1
    print(f"removed {args.id}")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)
    parser.add_argument("--bootstrap", help="HOST:PORT of the cluster (default: settings)")


def register(subparsers: Any) -> None:
    """Add the ``calendar`` subcommand with ``add``, ``list`` and ``remove``."""
    parser = subparsers.add_parser(
        "calendar",
        help="declare planned campaigns and per-brand sensitivity (add, list, remove)",
        description="Planned events per brand, post or hashtag, on the compacted topic "
        "topics.calendar (crisiswatch.calendar) that every worker reads. During a declared "
        "campaign, volume alone opens no viral alert above watch and the volume baselines do "
        "not learn the lift; crisis detection is unchanged (a campaign can still go wrong). "
        "An entry may also set the brand's sensitivity (fewer | balanced | more alerts) for "
        "its time range. Entries apply from the next bucket a worker detects.",
    )
    commands = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    add = commands.add_parser(
        "add",
        help="declare a campaign (or a sensitivity) for a brand, post or hashtag",
        description="Declare a planned campaign: crisiswatch calendar add --brand acme "
        "--hashtag springsale --start 2026-03-01T09:00Z --end 2026-03-01T18:00Z --lift 3. "
        "The same id again replaces the entry.",
    )
    _common(add)
    add.add_argument("--brand", required=True, help="the brand (as in the events' brand field)")
    scope = add.add_mutually_exclusive_group()
    scope.add_argument("--post", metavar="POST_ID", help="only this post of the brand")
    scope.add_argument("--hashtag", metavar="TAG", help="only this hashtag of the brand")
    add.add_argument(
        "--start", required=True, help="ISO 8601 (no offset: UTC) or epoch ms, event time"
    )
    add.add_argument("--end", required=True, help="ISO 8601 (no offset: UTC) or epoch ms")
    add.add_argument(
        "--lift", type=float, help="expected volume factor (>= 1), e.g. 3; makes it a campaign"
    )
    add.add_argument(
        "--sensitivity",
        choices=SENSITIVITIES,
        help="the brand's sensitivity while the entry is active",
    )
    add.add_argument("--id", help="entry id (default: the brand and a hash of scope and times)")
    add.set_defaults(func=run_add)

    listing = commands.add_parser(
        "list", help="print the declared entries", description="Print the calendar's entries."
    )
    _common(listing)
    listing.add_argument("--brand", help="only this brand's entries")
    listing.add_argument("--json", action="store_true", help="one JSON entry per line")
    listing.set_defaults(func=run_list)

    remove = commands.add_parser(
        "remove",
        help="remove an entry by id",
        description="Remove a calendar entry (a tombstone for its id on the compacted topic).",
    )
    _common(remove)
    remove.add_argument("id", metavar="ID", help="the entry id (see crisiswatch calendar list)")
    remove.add_argument("--force", action="store_true", help="send the removal even if unknown")
    remove.set_defaults(func=run_remove)
