"""Configuration: defaults, then instance/config.py, then PEEREDU_* environment variables.

Every test starts from an environment without PEEREDU_* variables and with its own instance
folder, so neither the developer's shell nor the repository's instance/ can change the outcome.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask import Flask, session

from peeredu import create_app
from peeredu.config import ConfigError

KEY = "0f3c9a7e5b1d4c2a8e6f0b9d7c5a3e1f"


@pytest.fixture(autouse=True)
def instance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("PEEREDU_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "instance"
    monkeypatch.setenv("PEEREDU_INSTANCE_PATH", str(folder))
    return folder


def write_instance_config(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.py").write_text(text)


def session_cookie(app: Flask) -> str:
    """The Set-Cookie header of a response that starts a signed-in style (permanent) session."""

    @app.get("/_config_test_session")
    def start_session() -> str:
        session["probe"] = 1
        session.permanent = True
        return "ok"

    response = app.test_client().get("/_config_test_session")
    [header] = [
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith(app.config["SESSION_COOKIE_NAME"] + "=")
    ]
    return header


# -- Secret key -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("PEEREDU_SECRET_KEY", value)

    with pytest.raises(ConfigError, match="PEEREDU_SECRET_KEY"):
        create_app()


def test_production_starts_with_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEEREDU_SECRET_KEY", KEY)

    app = create_app()

    assert app.config["ENVIRONMENT"] == "production"
    assert app.secret_key == KEY


@pytest.mark.parametrize("environment", ["development", "testing"])
def test_development_and_testing_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", environment)

    app = create_app()

    assert app.secret_key
    assert session_cookie(app)  # sessions can be signed


def test_a_secret_that_looks_like_a_number_stays_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # PEEREDU_* values are parsed as JSON; a key, password or user name must not turn into
    # a number, a boolean or None on the way.
    monkeypatch.setenv("PEEREDU_SECRET_KEY", "12345678901234567890123456789012")
    monkeypatch.setenv("PEEREDU_MAIL_USERNAME", "1001")
    monkeypatch.setenv("PEEREDU_MAIL_PASSWORD", "null")
    monkeypatch.setenv("PEEREDU_MAIL_PORT", "2525")

    app = create_app()

    assert app.secret_key == "12345678901234567890123456789012"
    assert app.config["MAIL_USERNAME"] == "1001"
    assert app.config["MAIL_PASSWORD"] == "null"
    assert app.config["MAIL_PORT"] == 2525
    assert session_cookie(app)  # the session can be signed with it


# -- Where settings come from ---------------------------------------------------------------


def test_environment_overrides_instance_file_which_overrides_defaults(
    monkeypatch: pytest.MonkeyPatch, instance: Path
) -> None:
    write_instance_config(
        instance,
        "SECRET_KEY = 'from-the-instance-file'\n"
        "BASE_URL = 'https://kursus.example.org/'\n"
        "MAIL_SERVER = 'mail.instance.example.org'\n",
    )
    monkeypatch.setenv("PEEREDU_MAIL_SERVER", "mail.environment.example.org")

    app = create_app()

    assert app.secret_key == "from-the-instance-file"
    assert app.config["BASE_URL"] == "https://kursus.example.org"
    assert app.config["MAIL_SERVER"] == "mail.environment.example.org"
    assert app.config["MAIL_PORT"] == 25
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance}/peeredu.sqlite3"


def test_explicit_settings_win_over_the_environments_defaults(
    monkeypatch: pytest.MonkeyPatch, instance: Path
) -> None:
    # Development prints mail to the log unless told otherwise; telling it must work.
    write_instance_config(instance, "ENVIRONMENT = 'development'\nMAIL_TRANSPORT = 'smtp'\n")

    assert create_app().config["MAIL_TRANSPORT"] == "smtp"

    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "testing")
    app = create_app()
    assert app.config["ENVIRONMENT"] == "testing"
    assert app.testing


def test_development_prints_mail_instead_of_sending_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "development")

    assert create_app().config["MAIL_TRANSPORT"] == "console"


# -- Cookies --------------------------------------------------------------------------------


def test_production_cookies_are_secure_lax_and_last_hours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEEREDU_SECRET_KEY", KEY)
    app = create_app()

    header = session_cookie(app)

    attributes = [part.strip() for part in header.split(";")]
    assert "Secure" in attributes
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    [expires] = [a.split("=", 1)[1] for a in attributes if a.lower().startswith("expires=")]
    lifetime = parsedate_to_datetime(expires) - datetime.now(UTC)
    assert timedelta(hours=1) < lifetime <= timedelta(hours=12)
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_development_cookies_work_over_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "development")

    header = session_cookie(create_app())

    assert "Secure" not in [part.strip() for part in header.split(";")]
    assert "SameSite=Lax" in header


# -- Values that cannot work ----------------------------------------------------------------


def test_an_unknown_environment_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "staging")

    with pytest.raises(ConfigError, match="PEEREDU_ENVIRONMENT") as raised:
        create_app()
    assert "'staging'" in str(raised.value)
    assert "production, development, testing" in str(raised.value)


def test_a_default_locale_without_a_translation_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEEREDU_SECRET_KEY", KEY)
    monkeypatch.setenv("PEEREDU_DEFAULT_LOCALE", "fr")

    with pytest.raises(ConfigError, match="PEEREDU_DEFAULT_LOCALE") as raised:
        create_app()
    assert "da, en" in str(raised.value)


# -- The certificate's logo and signatory ---------------------------------------------------

LOGO = Path(__file__).parent.parent / "web" / "files" / "operator-logo.png"


def test_a_missing_logo_stops_the_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PEEREDU_SECRET_KEY", KEY)
    monkeypatch.setenv("PEEREDU_OPERATOR_LOGO", str(tmp_path / "logo.png"))

    with pytest.raises(ConfigError, match="PEEREDU_OPERATOR_LOGO") as raised:
        create_app()
    assert f"no file at {tmp_path / 'logo.png'}" in str(raised.value)


def test_a_logo_that_is_no_image_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "logo.png").write_text("not a picture")
    monkeypatch.setenv("PEEREDU_SECRET_KEY", KEY)
    monkeypatch.setenv("PEEREDU_OPERATOR_LOGO", str(tmp_path / "logo.png"))

    with pytest.raises(ConfigError, match="PEEREDU_OPERATOR_LOGO") as raised:
        create_app()
    assert "neither a PNG nor an SVG" in str(raised.value)


def test_a_logo_is_found_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, instance: Path
) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "logo.png").write_bytes(LOGO.read_bytes())
    monkeypatch.setenv("PEEREDU_SECRET_KEY", KEY)
    monkeypatch.setenv("PEEREDU_OPERATOR_LOGO", "logo.png")

    assert create_app().config["OPERATOR_LOGO"] == str(instance / "logo.png")


def test_a_signatory_title_is_a_text_or_texts_by_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEEREDU_SECRET_KEY", KEY)
    monkeypatch.setenv("PEEREDU_CERTIFICATE_SIGNATORY_TITLE", '{"da": "Forstander"}')
    assert create_app().config["CERTIFICATE_SIGNATORY_TITLE"] == {"da": "Forstander"}
    monkeypatch.setenv("PEEREDU_CERTIFICATE_SIGNATORY_TITLE", "Forstander")
    assert create_app().config["CERTIFICATE_SIGNATORY_TITLE"] == "Forstander"

    monkeypatch.setenv("PEEREDU_CERTIFICATE_SIGNATORY_TITLE", "[1, 2]")
    with pytest.raises(ConfigError, match="PEEREDU_CERTIFICATE_SIGNATORY_TITLE"):
        create_app()
