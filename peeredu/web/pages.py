"""Public information pages: the privacy notice and the accessibility statement.

The operator's details (name, contacts, legal basis, the date of the accessibility review) come
from configuration; whatever is not set shows a visible "to be filled in" marker rather than a
made-up value. The prose lives in one template partial per language.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale

from peeredu.config import OPERATOR_KEYS

ACCESSIBILITY_STATUSES = ("full", "partial", "none")
# Kept in step with the retention job's own default.
DEFAULT_RETENTION_MONTHS = 12


def build_blueprint() -> Blueprint:
    bp = Blueprint("pages", __name__)
    bp.add_url_rule("/privatliv", view_func=privacy)
    bp.add_url_rule("/tilgaengelighed", view_func=accessibility)
    return bp


def _context() -> dict[str, Any]:
    config = current_app.config
    locale = get_locale()
    language = locale.language if locale else config["DEFAULT_LOCALE"]
    status = config.get("ACCESSIBILITY_STATUS")
    return {
        "operator": {key.lower(): config.get(key) or None for key in OPERATOR_KEYS},
        "retention_months": config.get("RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS),
        "accessibility_status": status if status in ACCESSIBILITY_STATUSES else None,
        "language": language if language in ("da", "en") else "da",
    }


def privacy() -> str:
    return render_template("peeredu/pages/privacy.html", **_context())


def accessibility() -> str:
    return render_template("peeredu/pages/accessibility.html", **_context())
