"""A cohort enrolled from one file: parse → validate → apply.

An admin uploads a CSV or XLSX with a row per person (name, email, track, organisation;
Danish column names too). ``bulk_files.parse`` reads the file or refuses it as a whole (a
``FileRefused`` naming what is wrong); ``validate`` names every row's problems without
writing; ``apply`` validates again inside the caller's transaction (what changed since the
preview is caught there) and enrols: an existing account (matched by email) gets the
enrolment, a new person gets an account, the enrolment and an invitation token (the rows
``users.create_user``, ``enrolments.enrol`` and ``invitations.invite`` make for one person,
with the same audit rows, written for all the rows in a few flushes). Nothing is written
unless every row is valid, or the caller asks for the valid rows only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts import enrolments, invitations, users
from peeredu.accounts.bulk_files import Row
from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    Organisation,
    Role,
    TokenPurpose,
    Track,
    User,
)
from peeredu.accounts.validation import normalise_email, required_text
from peeredu.db import lock
from peeredu.errors import N_, DomainError

# What a track may be written as: its value, and its English and Danish names.
TRACK_WORDS = {
    "peer": Track.PEER,
    "peer-support worker": Track.PEER,
    "peer-støttemedarbejder": Track.PEER,
    "colleague": Track.COLLEAGUE,
    "kollega": Track.COLLEAGUE,
}


@dataclass
class CheckedRow:
    """A row and what validation found: its problems (each names its column), or what
    applying it will do (enrol an existing account, or invite a new person)."""

    row: Row
    problems: list[DomainError] = field(default_factory=list)
    email: str = ""
    track: Track | None = None
    organisation_id: int | None = None
    existing: User | None = None

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Preview:
    cohort: Cohort
    rows: list[CheckedRow]

    @property
    def valid_rows(self) -> list[CheckedRow]:
        return [r for r in self.rows if r.valid]

    @property
    def invalid_rows(self) -> list[CheckedRow]:
        return [r for r in self.rows if not r.valid]


class RowsChanged(DomainError):
    """Applying found problems the preview did not show (someone enrolled or invited a
    person meanwhile); nothing was changed, ``preview`` says what is wrong now."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(
            N_("Some rows changed since the check, so nobody was enrolled. See the rows below.")
        )
        self.preview = preview


@dataclass(frozen=True)
class Applied:
    enrolled: int  # how many people were enrolled, new and existing
    # New accounts with their invitation tokens, for the caller to mail.
    invited: list[tuple[User, str]]


# -- Validate -------------------------------------------------------------------------------


def validate(session: Session, cohort: Cohort, rows: Sequence[Row]) -> Preview:
    """Every row's problems, found in four queries whatever the number of rows."""
    organisations = {
        name.lower(): oid
        for oid, name in session.execute(select(Organisation.id, Organisation.name))
    }
    checked = [_check_row(row, organisations) for row in rows]
    emails = [c.email for c in checked if c.email]
    users = (
        {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    enrolled = (
        set(
            session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.cohort_id == cohort.id,
                    Enrolment.user_id.in_([u.id for u in users.values()]),
                )
            )
        )
        if users
        else set()
    )
    first_line: dict[str, int] = {}
    for c in checked:
        if not c.email:
            continue
        if c.email in first_line:
            c.problems.append(
                DomainError(
                    N_("The same email address as row %(line)s."),
                    field="email",
                    line=first_line[c.email],
                )
            )
            continue
        first_line[c.email] = c.row.line
        c.existing = users.get(c.email)
        if c.existing is None:
            continue
        if c.existing.id in enrolled:
            c.problems.append(
                DomainError(
                    N_("%(name)s is already enrolled in %(cohort)s."),
                    field="email",
                    name=c.existing.name,
                    cohort=cohort.name,
                )
            )
        elif not c.existing.active:
            c.problems.append(
                DomainError(
                    N_("The account of %(email)s is deactivated."), field="email", email=c.email
                )
            )
    return Preview(cohort, checked)


def _check_row(row: Row, organisations: dict[str, int]) -> CheckedRow:
    checked = CheckedRow(row)
    problems = checked.problems
    if not row.name:
        problems.append(DomainError(N_("The name is missing."), field="name"))
    else:
        try:
            required_text(row.name, "name", 200)
        except DomainError as error:
            problems.append(error)
    if not row.email:
        problems.append(DomainError(N_("The email address is missing."), field="email"))
    else:
        try:
            checked.email = normalise_email(row.email)
        except DomainError as error:
            problems.append(error)
    checked.track = TRACK_WORDS.get(row.track.lower())
    if checked.track is None:
        problems.append(
            DomainError(
                N_("Unknown track “%(track)s”. Write peer or kollega."),
                field="track",
                track=row.track,
            )
        )
    checked.organisation_id = organisations.get(row.organisation.lower())
    if checked.organisation_id is None:
        problems.append(
            DomainError(
                N_("No organisation is called %(name)s."),
                field="organisation",
                name=row.organisation,
            )
            if row.organisation
            else DomainError(N_("The organisation is missing."), field="organisation")
        )
    return checked


# -- Apply ----------------------------------------------------------------------------------


def apply(
    session: Session,
    cohort: Cohort,
    rows: Sequence[Row],
    *,
    skip: Collection[int] = (),
    locale: str,
    actor_id: int,
    now: datetime,
    max_age: timedelta,
) -> Applied:
    """Enrol the rows in ``cohort`` but those on the lines ``skip`` (the rows the admin chose
    to leave out), validated again here; flushes, never commits.

    RowsChanged when a chosen row has a problem: one the preview did not show (someone
    enrolled the person meanwhile), or one another transaction made while this one ran (the
    unique constraints say so; then nothing of this one is kept).
    """
    # Two admins enrolling into one cohort at once: the second waits, then sees the first's.
    lock(session, cohort)
    skipped = set(skip)
    for _attempt in range(2):
        chosen = _chosen(validate(session, cohort, rows), skipped)
        try:
            with session.begin_nested():
                applied = _enrol_rows(session, cohort, chosen, locale, actor_id, now, max_age)
            break
        except (IntegrityError, DomainError):
            # Another transaction made or enrolled one of these people since validate: check
            # again; if every chosen row is still fine (the person now has an account), retry.
            continue
    else:
        raise RowsChanged(validate(session, cohort, rows))
    audit.record(
        session,
        actor_id,
        "enrolment.bulk",
        "cohort",
        cohort.id,
        detail=(
            f"rows={len(rows)} enrolled={applied.enrolled}"
            f" invited={len(applied.invited)} skipped={len(rows) - len(chosen)}"
        ),
    )
    return applied


def _chosen(preview: Preview, skipped: set[int]) -> list[CheckedRow]:
    chosen = [r for r in preview.rows if r.row.line not in skipped]
    if any(not r.valid for r in chosen):
        raise RowsChanged(preview)
    if not chosen:
        raise DomainError(N_("No row can be enrolled."))
    return chosen


def _enrol_rows(
    session: Session,
    cohort: Cohort,
    chosen: list[CheckedRow],
    locale: str,
    actor_id: int,
    now: datetime,
    max_age: timedelta,
) -> Applied:
    """What ``invitations.invite`` and ``enrolments.enrol`` do for one person, for all the
    rows at once: the rows are checked (``validate``), so a few flushes insert them all and
    the audit log gets the same rows as one by one."""
    accounts = {
        c.email: users.new_user(email=c.email, name=c.row.name, roles=[Role.LEARNER], locale=locale)
        for c in chosen
        if c.existing is None
    }
    session.add_all(accounts.values())
    for c in chosen:
        if c.existing is not None:
            c.existing.grant_role(Role.LEARNER)
    session.flush()
    enrolled = []
    for c in chosen:
        assert c.track is not None and c.organisation_id is not None
        enrolled.append(
            Enrolment(
                user_id=(c.existing or accounts[c.email]).id,
                cohort_id=cohort.id,
                organisation_id=c.organisation_id,
                track=c.track,
                work_role=enrolments.default_work_role(c.track),
            )
        )
    invited = []
    for user in accounts.values():
        row, token = invitations.token_row(
            user.id, TokenPurpose.INVITATION, now=now, max_age=max_age, created_by_id=actor_id
        )
        session.add(row)
        invited.append((user, token))
    session.add_all(enrolled)
    session.flush()
    for user in accounts.values():
        users.record_created(session, user, actor_id=actor_id)
    for enrolment in enrolled:
        enrolments.record_enrolled(session, enrolment, actor_id=actor_id)
    for user in accounts.values():
        audit.record(session, actor_id, "invitation.send", "user", user.id)
    session.flush()
    return Applied(enrolled=len(enrolled), invited=invited)
