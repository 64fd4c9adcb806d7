"""What every teacher's route of a cohort shares: the cohort and learner it may see, and a
change that needs a reason."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as BaseResponse

from peeredu.accounts import permissions
from peeredu.accounts.models import Cohort, Enrolment
from peeredu.extensions import current_curriculum, current_time, db
from peeredu.web.forms import ReasonForm
from peeredu.web.lifecycle import found_or_404, perform


def taught_cohort_or_404(cohort_id: int) -> Cohort:
    return found_or_404(
        Cohort,
        cohort_id,
        visible=lambda c: permissions.teaches_cohort(db.session, current_user, c.id),
    )


def enrolment_in(cohort_: Cohort, enrolment_id: int) -> Enrolment:
    return found_or_404(
        Enrolment,
        enrolment_id,
        visible=lambda e: e.cohort_id == cohort_.id,
        options=(joinedload(Enrolment.user), joinedload(Enrolment.organisation)),
    )


def reasoned_change(
    form: ReasonForm,
    back: str,
    change: Callable[..., object],
    *args: object,
    done: str,
    incomplete: str | None = None,
    **kwargs: object,
) -> BaseResponse:
    """A teacher's change that needs a reason: call the domain, then commit and say so, or
    roll back and show why; back to ``back`` either way."""
    if not form.validate_on_submit():
        flash(incomplete or _("Write a short reason; it is kept in the log."), "error")
        return redirect(back)
    perform(
        lambda session: change(
            session,
            current_curriculum(),
            *args,
            reason=form.reason.data or "",
            actor_id=current_user.id,
            now=current_time(),
            **kwargs,
        ),
        done=done,
    )
    return redirect(back)
