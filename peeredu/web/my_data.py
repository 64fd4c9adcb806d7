"""My data: a signed-in person downloads everything kept about them, and deletes their texts.

Every route acts on the signed-in user only; no URL names a person or an object, so nobody can
reach anyone else's data through it. Deleting asks first: a confirmation page says what will
be deleted and what stays, and the person ticks a box to confirm.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField
from wtforms.validators import DataRequired

from peeredu.accounts.permissions import Visitor
from peeredu.db import local_date
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.privacy import erase, export
from peeredu.web.forms import Form
from peeredu.web.guards import guard
from peeredu.web.lifecycle import perform, record_apart


class ConfirmForm(Form):
    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


def _signed_in(visitor: Visitor) -> bool:
    return bool(visitor.is_authenticated)


def build_blueprint() -> Blueprint:
    bp = Blueprint("my_data", __name__)
    bp.before_request(guard(_signed_in))
    bp.add_url_rule("/", view_func=index)
    bp.add_url_rule("/export.zip", view_func=download)
    bp.add_url_rule("/practice-log/delete", view_func=delete_log, methods=["GET", "POST"])
    bp.add_url_rule("/reflections/delete", view_func=delete_reflections, methods=["GET", "POST"])
    return bp


def index() -> str:
    return render_template(
        "peeredu/my_data/index.html", holdings=erase.holdings(db.session, current_user)
    )


def download() -> Response:
    """The ZIP (GET, so that it is an ordinary download link); never cached."""
    now = current_time()
    archive = export.export_user(
        db.session, current_user, current_curriculum(), current_assignments(), translate=_, now=now
    )
    record_apart(
        lambda session: export.record_export(
            session, current_user.id, actor_id=current_user.id, now=now
        )
    )
    filename = f"peeredu-data-{local_date(now).isoformat()}.zip"
    return Response(
        archive,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _confirmed_delete(
    template: str, delete: Callable[[Session], int], done: Callable[[int], str]
) -> str | BaseResponse:
    """Ask first (a confirmation page with a box to tick); then delete and say how much."""
    form = ConfirmForm()
    if form.validate_on_submit():
        deleted = perform(delete)
        if deleted:
            flash(done(deleted.value or 0), "success")
            return redirect(url_for(".index"))
    return render_template(template, form=form, holdings=erase.holdings(db.session, current_user))


def delete_log() -> str | BaseResponse:
    return _confirmed_delete(
        "peeredu/my_data/delete_log.html",
        lambda session: erase.delete_practice_log(
            session, current_user, actor_id=current_user.id, now=current_time()
        ),
        lambda count: _("Your practice log is deleted (%(count)s notes).", count=count),
    )


def delete_reflections() -> str | BaseResponse:
    return _confirmed_delete(
        "peeredu/my_data/delete_reflections.html",
        lambda session: (
            erase.delete_reflections(
                session, current_user, actor_id=current_user.id, now=current_time()
            ).total
        ),
        lambda count: _("Your reflections are deleted (%(count)s).", count=count),
    )
