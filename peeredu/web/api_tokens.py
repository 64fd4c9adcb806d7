"""HR users' API tokens: list, create (the token is shown once) and revoke.

Guarded in one place: only HR users get past the blueprint's ``guard``, and every token is
looked up among the signed-in user's own, so another user's token is 404.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from peeredu.accounts import api_tokens, permissions
from peeredu.extensions import current_time, db
from peeredu.web.forms import Form
from peeredu.web.guards import guard
from peeredu.web.lifecycle import perform


class TokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=api_tokens.NAME_MAX_LENGTH)],
        description=_l("For example the name of the HR system that will use the token."),
    )


def build_blueprint() -> Blueprint:
    bp = Blueprint("api_tokens", __name__)
    bp.before_request(guard(permissions.is_hr))
    bp.add_url_rule("", view_func=index, methods=["GET", "POST"])
    bp.add_url_rule("/<int:token_id>/revoke", view_func=revoke, methods=["POST"])
    return bp


def _index_page(form: TokenForm) -> str:
    return render_template(
        "peeredu/api_tokens/index.html",
        form=form,
        tokens=api_tokens.list_tokens(db.session, current_user),
    )


def index() -> str | BaseResponse:
    form = TokenForm()
    if form.validate_on_submit() and (
        created := perform(
            lambda session: api_tokens.create_token(
                session, current_user, form.name.data or "", current_time()
            ),
            form=form,
        )
    ):
        assert created.value is not None
        token, raw = created.value
        # Rendered, not redirected: the raw token exists only in this response.
        page = render_template("peeredu/api_tokens/created.html", token=token, raw=raw)
        response = make_response(page)
        response.headers["Cache-Control"] = "no-store"
        return response
    return _index_page(form)


def revoke(token_id: int) -> BaseResponse:
    revoked = perform(
        lambda session: api_tokens.revoke_token(session, current_user, token_id, current_time())
    )
    if revoked and revoked.value is not None:
        flash(_("The API token %(name)s is revoked.", name=revoked.value.name), "success")
    return redirect(url_for(".index"))
