"""One typed settings object, read once at start-up from TOML and ``CRISISWATCH_*`` variables.

Environment variables name a key as ``CRISISWATCH_<SECTION>__<KEY>``, for example
``CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS=kafka:9092``; values are parsed as TOML scalars
when they parse (numbers, booleans, ``["a", "b"]``), otherwise taken as strings.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.detect.campaigns import check_sensitivity

ENV_PREFIX = "CRISISWATCH_"
FAILPOINT_PREFIX = "CRISISWATCH_FAILPOINT_"  # fault-test switches, see stream_app.failpoints
DEFAULT_CONFIG_PATH = Path("config/crisiswatch.toml")
SECRET_KEYS = frozenset({"sasl_password", "user_id_salt", "ssl_password"})
REDACTED = "***"

Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]


class KafkaSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the broker is and how to talk to it. Empty ``bootstrap_servers`` = embedded Tansu."""

    bootstrap_servers: str = ""
    embedded_port: Port = 0
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    sasl_username: str = ""
    sasl_password: str = ""
    ssl_cafile: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    ssl_password: str = ""
    partitions: Annotated[int, msgspec.Meta(ge=1, le=1024)] = 4
    replication_factor: Annotated[int, msgspec.Meta(ge=1, le=16)] = 1
    session_timeout_ms: Annotated[int, msgspec.Meta(ge=1000)] = 10_000
    fetch_max_wait_ms: Annotated[int, msgspec.Meta(ge=0)] = 100
    client_id: str = "crisiswatch"

    @property
    def embedded(self) -> bool:
        """True when no cluster is configured and the embedded broker must be used."""
        return not self.bootstrap_servers.strip()


class TopicSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Names of every topic the engine reads or writes."""

    views: str = "social.views"
    likes: str = "social.likes"
    comments: str = "social.comments"
    shares: str = "social.shares"
    reactions: str = "social.reactions"
    buckets: str = "crisiswatch.buckets"
    alerts: str = "crisiswatch.alerts"
    deadletter: str = "crisiswatch.deadletter"
    calendar: str = "crisiswatch.calendar"  # planned campaigns, sensitivity (compacted, key: id)

    @property
    def inputs(self) -> list[str]:
        """The raw input topics, in a stable order."""
        return [self.views, self.likes, self.comments, self.shares, self.reactions]

    @property
    def all(self) -> list[str]:
        """Every topic the engine needs created up front."""
        return [*self.inputs, self.buckets, self.alerts, self.deadletter, self.calendar]


class IngestSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Stage 1: batch consumption, validation limits, de-duplication and privacy."""

    max_records: Annotated[int, msgspec.Meta(ge=1)] = 5000
    max_message_bytes: Annotated[int, msgspec.Meta(ge=256)] = 1_000_000
    max_batch_events: Annotated[int, msgspec.Meta(ge=1)] = 10_000
    max_past_ms: Annotated[int, msgspec.Meta(ge=0)] = 30 * 24 * 3_600_000
    dedup_horizon_ms: Annotated[int, msgspec.Meta(ge=0)] = 600_000
    max_clock_skew_ms: Annotated[int, msgspec.Meta(ge=0)] = 300_000
    max_skew_ms: Annotated[int, msgspec.Meta(ge=0)] = 180_000
    idle_partition_ms: Annotated[int, msgspec.Meta(ge=0)] = 5_000
    idle_shard_ms: Annotated[int, msgspec.Meta(ge=0)] = 10_000
    user_id_salt: str = "crisiswatch-default-salt"
    group_id: str = "crisiswatch-ingest"


class WebSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The worker's HTTP endpoints: /metrics, /healthz, /readyz."""

    host: str = "127.0.0.1"
    port: Port = 6066


class NotifySettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``crisiswatch notify``: the alerts topic mirrored to Alertmanager's API v2."""

    alertmanager_url: str = "http://127.0.0.1:9093"
    group_id: str = "crisiswatch-notify"
    # Open alerts are posted with endsAt = now + resolve_timeout and re-posted every third of it,
    # so Alertmanager resolves them only if notify stops posting (the same rule as Prometheus).
    resolve_timeout_ms: Annotated[int, msgspec.Meta(ge=3_000)] = 300_000
    retry_initial_ms: Annotated[int, msgspec.Meta(ge=10)] = 500
    retry_max_ms: Annotated[int, msgspec.Meta(ge=10)] = 30_000
    request_timeout_ms: Annotated[int, msgspec.Meta(ge=100)] = 10_000
    grafana_url: str = "http://localhost:3000"  # the crises dashboard link in each alert
    host: str = "127.0.0.1"  # /metrics /healthz /readyz of the notify service
    port: Port = 6068


class AppSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Faust application identity and local state."""

    id: str = "crisiswatch"
    data_dir: str = ".crisiswatch-data"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    include_text_in_alerts: bool = False
    gc_gen0_threshold: Annotated[int, msgspec.Meta(ge=0)] = 10_000
    shared_snapshot_ms: Annotated[int, msgspec.Meta(ge=1_000)] = 60_000
    # Faust's broker_commit_interval; stage 2 flushes its dirty entity states at least this often
    commit_interval_ms: Annotated[int, msgspec.Meta(ge=100, le=600_000)] = 2_800


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every setting of crisiswatch, grouped by section as in ``config/crisiswatch.toml``."""

    app: AppSettings = msgspec.field(default_factory=AppSettings)
    kafka: KafkaSettings = msgspec.field(default_factory=KafkaSettings)
    topics: TopicSettings = msgspec.field(default_factory=TopicSettings)
    ingest: IngestSettings = msgspec.field(default_factory=IngestSettings)
    web: WebSettings = msgspec.field(default_factory=WebSettings)
    notify: NotifySettings = msgspec.field(default_factory=NotifySettings)
    windows: WindowConfig = msgspec.field(default_factory=WindowConfig)
    detection: DetectionConfig = msgspec.field(default_factory=DetectionConfig)


class SettingsError(ValueError):
    """A setting is missing, unknown or has a value outside what it accepts."""


def _parse_env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    overrides: dict[str, dict[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(FAILPOINT_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        if "__" not in rest:
            if rest in {"config"}:
                continue
            raise SettingsError(
                f"environment variable {name}: expected CRISISWATCH_<SECTION>__<KEY>, "
                "e.g. CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS"
            )
        section, key = rest.split("__", 1)
        overrides.setdefault(section, {})[key] = _parse_env_value(raw)
    return overrides


def _merge(base: dict[str, Any], overrides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged = {section: dict(values) for section, values in base.items()}
    for section, values in overrides.items():
        merged.setdefault(section, {}).update(values)
    return merged


def _accepted(where: str) -> str:
    """What a dotted key accepts (allowed values, or the known keys of a section)."""
    section, _, key = where.partition(".")
    sections = {f.name: f.type for f in msgspec.structs.fields(Settings)}
    section_type = sections.get(section)
    if section_type is None:
        return f"; known sections: {', '.join(sections)}"
    fields = {f.name: f.type for f in msgspec.structs.fields(section_type)}
    if key not in fields:
        return f"; known keys of [{section}]: {', '.join(fields)}"
    field_type = fields[key]
    if getattr(field_type, "__origin__", None) is Literal:
        return "; accepted values: " + ", ".join(map(str, field_type.__args__))
    return ""


def _humanise(error: msgspec.ValidationError) -> str:
    text = str(error)
    if " - at `$." in text:
        message, where = text.rsplit(" - at `$.", 1)
        where = where.rstrip("`")
        return f"invalid setting {where}: {message}{_accepted(where)}"
    return f"invalid settings: {text}"


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read settings from a TOML file (optional) and the environment; raise ``SettingsError``.

    Without ``path``, ``$CRISISWATCH_CONFIG`` or ``config/crisiswatch.toml`` is read when present.
    """
    env = os.environ if environ is None else environ
    chosen = Path(path) if path else Path(env.get("CRISISWATCH_CONFIG", DEFAULT_CONFIG_PATH))
    data: dict[str, Any] = {}
    if chosen.is_file():
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{chosen}: not valid TOML: {exc}") from exc
    elif path:
        raise SettingsError(f"config file {chosen} does not exist")
    merged = _merge(data, _env_overrides(env))
    try:
        settings = msgspec.convert(merged, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_humanise(exc)) from exc
    try:
        check_sensitivity(settings.detection)
    except ValueError as exc:
        raise SettingsError(f"invalid setting detection.sensitivity_levels: {exc}") from exc
    return settings


def redacted(settings: Settings) -> dict[str, Any]:
    """The settings as plain data with every secret replaced by ``***`` (when set)."""
    data: dict[str, Any] = msgspec.to_builtins(settings)
    for section in data.values():
        for key in list(section):
            if key in SECRET_KEYS and section[key]:
                section[key] = REDACTED
    return data
