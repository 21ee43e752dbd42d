"""config/schemas/event.schema.json agrees with the decoder on valid and invalid examples.

Known, documented differences (the decoder is authoritative): the decoder also checks calendar
validity (2024-02-30) and the year range of RFC 3339 strings in UTC, not in their local offset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from detectors.ingest import rejections as rj
from detectors.ingest.events import MAX_HASHTAGS, MAX_TS_MS, MIN_TS_MS, EventDecoder
from tests.unit.detectors.ingest.event_samples import make_event, to_payload, without

SCHEMA_PATH = Path(__file__).parents[4] / "config" / "schemas" / "event.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DECODER = EventDecoder(user_id_salt="schema", max_batch_events=10_000)

VALID: list[Any] = [
    make_event(),
    make_event(ts="2024-05-01T12:00:00Z"),
    make_event(ts="2024-05-01t12:00:00.123456789z"),
    make_event(ts="2024-05-01 12:00:00+05:30"),
    make_event(ts="2024-05-01T12:00:00-0800"),
    make_event(ts=float(MIN_TS_MS)),
    make_event(ts=MAX_TS_MS - 1),
    make_event(type="view", platform="tiktok", hashtags=["#a", "B"], user_id="u", lang="en"),
    make_event(type="comment", text="great", sentiment=-1),
    make_event(type="share", text=None, sentiment=None, platform=None, hashtags=None),
    make_event(type="reaction", reaction="angry"),
    make_event(type="reaction", reaction="wow", unknown={"nested": [1, 2]}),
    make_event(type="like", reaction="love"),
    make_event(brand="b" * 256, hashtags=["h" * 100] * 100, text="t" * 10_000, lang="x" * 35),
    make_event(user_id=""),
    [],
    [make_event(event_id="1"), make_event(event_id="2", type="view")],
]

INVALID: list[Any] = [
    without(make_event(), "event_id"),
    without(make_event(), "type"),
    without(make_event(), "ts"),
    without(make_event(), "brand"),
    without(make_event(), "post_id"),
    make_event(event_id=""),
    make_event(brand="b" * 257),
    make_event(post_id=7),
    make_event(type="retweet"),
    make_event(type=None),
    make_event(ts=MIN_TS_MS - 1),
    make_event(ts=MAX_TS_MS),
    make_event(ts="2024-05-01T12:00:00"),
    make_event(ts="1999-12-31T23:59:59Z"),
    make_event(ts="2024-13-01T00:00:00Z"),
    make_event(ts="2024-05-01T24:00:00Z"),
    make_event(ts="2024-05-01T12:00Z"),
    make_event(ts="May 1st"),
    make_event(ts=True),
    make_event(ts=None),
    make_event(platform="p" * 65),
    make_event(hashtags="#a"),
    make_event(hashtags=[1]),
    make_event(hashtags=["h" * 101]),
    make_event(hashtags=["h"] * 101),
    make_event(user_id=12),
    make_event(text="t" * 10_001),
    make_event(lang="x" * 36),
    make_event(sentiment=1.01),
    make_event(sentiment="0.5"),
    make_event(type="reaction"),
    make_event(type="reaction", reaction=None),
    make_event(type="reaction", reaction="furious"),
    make_event(type="like", reaction="ANGRY"),
    1,
    "event",
    None,
    [make_event(), 3],
    [[make_event()]],
]


@pytest.mark.parametrize("example", VALID, ids=range(len(VALID)))
def test_valid_examples(example: Any) -> None:
    assert VALIDATOR.is_valid(example)
    result = DECODER.decode(to_payload(example))
    assert result.rejections == []
    assert len(result.events) == (len(example) if isinstance(example, list) else 1)


@pytest.mark.parametrize("example", INVALID, ids=range(len(INVALID)))
def test_invalid_examples(example: Any) -> None:
    assert not VALIDATOR.is_valid(example)
    assert DECODER.decode(to_payload(example)).rejections


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_constants_match_the_decoder() -> None:
    event = SCHEMA["$defs"]["event"]
    props = event["properties"]
    assert tuple(event["required"]) == rj.REQUIRED_FIELDS
    assert tuple(props["type"]["enum"]) == rj.EVENT_TYPES
    assert tuple(event["then"]["properties"]["reaction"]["enum"]) == rj.REACTIONS
    assert SCHEMA["$defs"]["id"]["maxLength"] == rj.MAX_ID_CHARS
    assert props["platform"]["maxLength"] == rj.MAX_PLATFORM_CHARS
    assert props["hashtags"]["maxItems"] == rj.MAX_HASHTAGS_IN
    assert props["hashtags"]["items"]["maxLength"] == rj.MAX_HASHTAG_CHARS
    assert props["text"]["maxLength"] == rj.MAX_TEXT_CHARS
    assert props["lang"]["maxLength"] == rj.MAX_LANG_CHARS
    number = props["ts"]["oneOf"][1]
    assert (number["minimum"], number["exclusiveMaximum"]) == (MIN_TS_MS, MAX_TS_MS)
    assert str(MAX_HASHTAGS) in props["hashtags"]["description"]
    assert SCHEMA["oneOf"][1]["maxItems"] == DECODER.max_batch_events
