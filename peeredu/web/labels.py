"""What the enum values of the domain are called in the interface."""

from __future__ import annotations

import enum

from flask import g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms.fields.choices import SelectChoice

from peeredu.accounts.models import EnrolmentStatus, OrganisationKind, Role, Track, WorkRole
from peeredu.curriculum.progress import REFLECTION_STATES, ModuleStatus
from peeredu.curriculum.records import AttendanceStatus
from peeredu.reflections.models import ReviewDecision

_STATE_LABELS: dict[enum.Enum, LazyString] = {
    # One name per state, on every page and in every email (see progress.ModuleStatus).
    ModuleStatus.NOT_STARTED: _l("Not started"),
    ModuleStatus.DRAFT: _l("Draft"),
    ModuleStatus.SUBMITTED: _l("Submitted – waiting for feedback"),
    ModuleStatus.FEEDBACK: _l("Feedback: revise and resubmit"),
    ModuleStatus.APPROVED: _l("Approved"),
    ModuleStatus.COMPLETED: _l("Completed"),
}

LABELS: dict[enum.Enum, LazyString] = {
    **_STATE_LABELS,
    # A reflection's status is called by the state it maps to.
    **{status: _STATE_LABELS[state] for status, state in REFLECTION_STATES.items()},
    Role.LEARNER: _l("Learner"),
    Role.TEACHER: _l("Teacher"),
    Role.HR: _l("HR"),
    Role.ADMIN: _l("Administrator"),
    Track.PEER: _l("Peer-support worker"),
    Track.COLLEAGUE: _l("Colleague"),
    WorkRole.PAID_PEER: _l("Paid peer-support worker"),
    WorkRole.VOLUNTEER_PEER: _l("Volunteer peer-support worker"),
    WorkRole.COLLEAGUE: _l("Colleague"),
    WorkRole.MANAGER: _l("Manager"),
    EnrolmentStatus.ACTIVE: _l("Active"),
    EnrolmentStatus.PAUSED: _l("Paused"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    OrganisationKind.REGION: _l("Region"),
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.NGO: _l("Civil-society organisation"),
    OrganisationKind.OTHER: _l("Other"),
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.ABSENT_WITH_NOTICE: _l("Absent with notice"),
    ReviewDecision.APPROVED: _l("Approved"),
    ReviewDecision.NOT_YET: _l("Not yet approved"),
}

# Each state's icon: a symbol of templates/peeredu/layout/states.html, shown beside the
# state's words, never instead of them. Shapes that differ at a glance (an empty ring, a
# pencil, an hourglass, a speech bubble, a check, a flag), each in its own colour.
STATUS_ICONS = {state: f"peeredu-state-{state.value}" for state in ModuleStatus}


def label(value: enum.Enum) -> str:
    # Translated once per request: a cohort matrix or a participant list asks for the same few
    # labels hundreds of times, and each lookup through Flask-Babel costs tens of microseconds.
    # Keyed by locale too: mail and certificates are rendered in their reader's language.
    translated: dict[tuple[object, enum.Enum], str] = g.setdefault("peeredu_labels", {})
    key = (get_locale(), value)
    found = translated.get(key)
    if found is None:
        found = translated[key] = str(LABELS[value])
    return found


def choices(enum_class: type[enum.Enum]) -> list[SelectChoice]:
    return [SelectChoice(member.value, LABELS[member]) for member in enum_class]
