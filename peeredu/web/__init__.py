"""The HTTP face of peeredu: one parent blueprint holding one blueprint per area.

Everything that speaks HTTP lives in this package; views validate input, load and authorise,
call one service, commit, and render or redirect.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
)
from flask_login import current_user

from peeredu.accounts import permissions
from peeredu.web import (
    admin,
    api,
    api_tokens,
    auth,
    certificates,
    home,
    hr,
    learn,
    reflect,
    review,
    teach,
)
from peeredu.web.labels import STATUS_ICONS, label

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def build_blueprint() -> Blueprint:
    bp = Blueprint(
        "peeredu",
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
    bp.register_blueprint(auth.build_blueprint())
    bp.register_blueprint(home.build_blueprint())
    bp.register_blueprint(learn.build_blueprint())
    bp.register_blueprint(certificates.build_blueprint())
    bp.register_blueprint(reflect.build_blueprint())
    bp.register_blueprint(review.build_blueprint(), url_prefix="/teach")
    bp.register_blueprint(teach.build_blueprint(), url_prefix="/teach")
    bp.register_blueprint(admin.build_blueprint(), url_prefix="/admin")
    bp.register_blueprint(hr.build_blueprint(), url_prefix="/hr")
    bp.register_blueprint(api_tokens.build_blueprint(), url_prefix="/hr/api-tokens")
    bp.register_blueprint(api.build_blueprint(), url_prefix="/api/v1")

    bp.app_context_processor(_template_globals)
    bp.after_request(_security_headers)
    for code in (400, 404, 405, 413, 429, 500):
        bp.register_error_handler(code, _error_page)
    return bp


def _template_globals() -> dict[str, object]:
    return {
        "permissions": permissions,
        "current_user": current_user,
        "format_date": format_date,
        "get_locale": get_locale,
        "format_datetime": format_datetime,
        "format_decimal": format_decimal,
        "format_percent": format_percent,
        "format_time": format_time,
        "label": label,
        "status_icons": STATUS_ICONS,
    }


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_user.is_authenticated:
        # Pages behind the login can carry personal data: keep them out of shared caches and
        # out of the browser's back-button history after logout.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _error_page(error: Exception) -> tuple[str, int]:
    code = getattr(error, "code", 500) or 500
    return render_template("layout/error.html", code=code), code
