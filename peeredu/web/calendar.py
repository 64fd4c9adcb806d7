"""The learner's calendar page and the calendar subscription (an iCalendar feed).

The feed is read by calendar apps, without a session: the secret in its URL is the only key,
so an unknown, renewed or revoked one answers 404. The subscription is made, renewed and
revoked from *My account*.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from peeredu.accounts import calendar_feeds
from peeredu.accounts.models import User
from peeredu.accounts.queries import enrolments_of
from peeredu.curriculum import calendar
from peeredu.db import local_date
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.web.emails import absolute_url
from peeredu.web.guards import login_required
from peeredu.web.learn import own_enrolment_or_404
from peeredu.web.lifecycle import perform


def build_blueprint() -> Blueprint:
    bp = Blueprint("calendar", __name__)
    bp.add_url_rule("/learn/<int:enrolment_id>/calendar", view_func=page)
    bp.add_url_rule("/calendar/<token>.ics", view_func=feed)
    bp.add_url_rule("/account/calendar", view_func=subscribe, methods=["POST"])
    bp.add_url_rule("/account/calendar/revoke", view_func=revoke, methods=["POST"])
    return bp


@login_required
def page(enrolment_id: int) -> str:
    enrolment = own_enrolment_or_404(enrolment_id)
    today = local_date(current_time())
    return render_template(
        "peeredu/calendar/page.html",
        calendar=calendar.learner_calendar(
            db.session, current_curriculum(), current_assignments(), enrolment, today=today
        ),
        enrolment=enrolment,
        today=today,
    )


def feed(token: str) -> Response:
    owner = calendar_feeds.owner_of(db.session, token)
    if owner is None:
        abort(404)
    events = calendar.feed_events(
        db.session, current_curriculum(), current_assignments(), enrolments_of(db.session, owner.id)
    )
    with force_locale(owner.locale):
        body = calendar.to_ical(
            events,
            name=_("Peer education"),
            host=urlsplit(current_app.config["BASE_URL"]).hostname or "peeredu",
            summary=_summary,
            now=current_time(),
        )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    # The feed is one person's: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _summary(event: calendar.CalendarEvent) -> str:
    if event.kind is calendar.EventKind.CLASS_DAY:
        return _("Class day: %(topic)s", topic=event.title) if event.title else _("Class day")
    return _("Deadline: %(title)s", title=event.title)


@login_required
def subscribe() -> str | Response:
    user: User = current_user._get_current_object()
    made = perform(lambda session: calendar_feeds.open_feed(session, user, now=current_time()))
    if not made or made.value is None:
        return redirect(url_for("peeredu.auth.account"))
    url = absolute_url("peeredu.calendar.feed", token=made.value)
    # Rendered, not redirected: the secret exists only in this response.
    response = make_response(
        render_template(
            "peeredu/calendar/subscribed.html",
            url=url,
            webcal="webcal://" + url.split("://", 1)[1],
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
def revoke() -> Response:
    user: User = current_user._get_current_object()
    perform(
        lambda session: calendar_feeds.revoke_feed(session, user, now=current_time()),
        done=_("Your calendar subscription is revoked. Calendars that read it get no more dates."),
    )
    return redirect(url_for("peeredu.auth.account"))
