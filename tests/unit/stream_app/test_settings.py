"""Settings: TOML + environment, validation messages naming the key, redaction of secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream_app.settings import REDACTED, SettingsError, load_settings, redacted


def test_defaults_without_any_file(tmp_path: Path):
    settings = load_settings(environ={"CRISISWATCH_CONFIG": str(tmp_path / "none.toml")})
    assert settings.kafka.embedded
    assert settings.kafka.partitions == 4
    assert settings.topics.inputs[0] == "social.views"
    assert settings.web.host == "127.0.0.1"


def test_repository_config_file_loads():
    root = Path(__file__).resolve().parents[3]
    settings = load_settings(root / "config" / "crisiswatch.toml", environ={})
    assert settings.windows.size_ms == 30_000
    assert settings.topics.alerts == "crisiswatch.alerts"


def test_file_then_environment_override(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[kafka]\nbootstrap_servers = "a:9092"\npartitions = 8\n')
    settings = load_settings(path, environ={"CRISISWATCH_KAFKA__PARTITIONS": "12"})
    assert settings.kafka.bootstrap_servers == "a:9092"
    assert settings.kafka.partitions == 12
    assert not settings.kafka.embedded


@pytest.mark.parametrize(
    ("environ", "needle"),
    [
        ({"CRISISWATCH_KAFKA__PARTITIONS": "0"}, "kafka.partitions"),
        ({"CRISISWATCH_KAFKA__SECURITY_PROTOCOL": "FOO"}, "PLAINTEXT"),
        ({"CRISISWATCH_KAFKA__BOGUS": "1"}, "bogus"),
        ({"CRISISWATCH_WEB__PORT": "99999"}, "web.port"),
        ({"CRISISWATCH_NOSECTION": "1"}, "CRISISWATCH_<SECTION>__<KEY>"),
    ],
)
def test_invalid_values_name_the_key(environ, needle):
    with pytest.raises(SettingsError) as info:
        load_settings(environ=environ)
    assert needle in str(info.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path):
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_secrets_are_redacted_only_when_set():
    settings = load_settings(
        environ={
            "CRISISWATCH_KAFKA__SASL_PASSWORD": "hunter2",
            "CRISISWATCH_INGEST__USER_ID_SALT": "pepper",
        }
    )
    data = redacted(settings)
    assert data["kafka"]["sasl_password"] == REDACTED
    assert data["ingest"]["user_id_salt"] == REDACTED
    assert data["kafka"]["ssl_password"] == ""
    assert "hunter2" not in repr(data) and "pepper" not in repr(data)


def test_sensitivity_levels_and_brands_from_file_and_environment(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[detection]\nsensitivity = "fewer"\n'
        "[detection.sensitivity_levels.more]\nwatch_score = 0.55\n"
        '[detection.brand_sensitivity]\nacme = "more"\n'
    )
    settings = load_settings(path, environ={})
    detection = settings.detection
    assert detection.sensitivity == "fewer" and detection.brand_sensitivity == {"acme": "more"}
    assert detection.sensitivity_levels["more"].watch_score == 0.55
    env = {"CRISISWATCH_DETECTION__BRAND_SENSITIVITY": '{globex = "fewer"}'}
    assert load_settings(path, environ=env).detection.brand_sensitivity == {"globex": "fewer"}
    assert load_settings(environ={}).detection.sensitivity == "balanced"


@pytest.mark.parametrize(
    ("environ", "needle"),
    [
        ({"CRISISWATCH_DETECTION__SENSITIVITY": "louder"}, "fewer, balanced, more"),
        ({"CRISISWATCH_DETECTION__BRAND_SENSITIVITY": '{acme = "x"}'}, "brand_sensitivity"),
        (
            {"CRISISWATCH_DETECTION__SENSITIVITY_LEVELS": "{fewer = {warning_score = 0.65}}"},
            "sensitivity 'fewer'",
        ),
        (
            {"CRISISWATCH_DETECTION__SENSITIVITY_LEVELS": "{more = {watch = 0.5}}"},
            "watch",
        ),
    ],
)
def test_invalid_sensitivity_settings_name_the_key(environ, needle):
    with pytest.raises(SettingsError) as info:
        load_settings(environ=environ)
    assert needle in str(info.value)
