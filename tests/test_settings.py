"""The environment variables: read by name, validated, and documented in
README from the settings class itself."""

from __future__ import annotations

import pytest

from service.settings import DEFAULT_SQLITE_PATH, InvalidSettings, Settings
from service.settings_doc import README, markdown_table, readme_table, variable_names

VARIABLES = [name for field in Settings.model_fields.values() for name in variable_names(field)]


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The process environment without any of our variables."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_readme_documents_every_variable_as_the_settings_class_does() -> None:
    assert readme_table(README.read_text(encoding="utf-8")) == markdown_table(), (
        "README's table of variables differs from service/settings.py: "
        "run python -m service.settings_doc --write"
    )


def test_every_field_is_one_documented_upper_case_variable() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description"
        assert name.upper() in variable_names(field), name
    assert len(VARIABLES) == len(set(VARIABLES))


def test_an_empty_environment_is_the_embedded_default(environ: pytest.MonkeyPatch) -> None:
    settings = Settings.from_env()
    assert settings == Settings()
    assert settings.database_url == f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    assert (settings.broadcast_url, settings.dev_mode, settings.log_format) == (
        "memory://",
        True,
        "text",
    )
    assert (settings.host, settings.port, settings.smtp_port) == ("127.0.0.1", 8000, 25)


def test_variables_are_read_by_name_with_production_defaults(
    environ: pytest.MonkeyPatch,
) -> None:
    # given a production environment, with some variables set but empty
    environ.setenv("DATABASE_URL", "postgres://app:pw@db.internal/oa")
    environ.setenv("BROADCAST_URL", "")
    environ.setenv("REDIS_URL", "redis://cache:6379/2")
    environ.setenv("ALLOWED_ORIGINS", "https://a.example, ,https://b.example")
    environ.setenv("SMTP_HOST", "")
    environ.setenv("SMTP_STARTTLS", "yes")
    environ.setenv("REQUIRE_EDIT_LOCK", "off")
    environ.setenv("INTROSPECTION", " Staff ")
    environ.setenv("TOKEN_CACHE_SECONDS", "0")
    # when the settings are read
    settings = Settings.from_env()
    # then each has its typed value, and an empty one its default
    assert settings.database_url == "postgresql+asyncpg://app:pw@db.internal/oa"
    assert settings.broadcast_url == "redis://cache:6379/2"
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.smtp_host is None and settings.smtp_starttls is True
    assert settings.require_edit_lock is False and settings.token_cache_seconds == 0
    assert settings.introspection_policy == "staff"
    # and DATABASE_URL turns dev mode off, and with it text logs
    assert (settings.dev_mode, settings.log_format) == (False, "json")
    environ.setenv("LOG_FORMAT", "TEXT")
    assert Settings.from_env().log_format == "text"


def test_every_bad_variable_is_named_in_one_message(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("PORT", "abc")
    environ.setenv("DEV_MODE", "maybe")
    environ.setenv("WS_SEND_TIMEOUT_SECONDS", "-1")
    with pytest.raises(InvalidSettings) as refused:
        Settings.from_env()
    message = str(refused.value)
    assert "\n" not in message
    assert "PORT='abc': input should be a valid integer" in message
    assert "DEV_MODE='maybe': input should be a valid boolean" in message
    assert "WS_SEND_TIMEOUT_SECONDS='-1': input should be greater than or equal to 0" in message


def test_replace_validates_like_the_environment() -> None:
    assert Settings().replace(port=8123).port == 8123
    with pytest.raises(ValueError, match="max_sockets_per_staff"):
        Settings().replace(max_sockets_per_staff=0)
