"""Writing, submitting and reviewing reflections; the practice log.

Nothing a learner writes may be lost: drafts are saved with a version number so that a save
from a stale tab is refused (and the caller keeps both texts), a repeated submit of the same
text is recognised, and every refusal leaves the draft as it was.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from peeredu import audit
from peeredu.accounts.models import Enrolment, EnrolmentStatus
from peeredu.certification import services as certification
from peeredu.curriculum import progress
from peeredu.curriculum.content import Curriculum
from peeredu.db import clean_text
from peeredu.errors import N_, DomainError
from peeredu.markup import render_markdown
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import (
    CommentSnippet,
    Extension,
    PracticeLogEntry,
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
    ReviewDecision,
    StashedText,
)
from peeredu.tokens import digest, new_token

MAX_TEXT = 100_000  # characters; the form limit is larger, so this message is ours
MAX_NOTE = 2_000
STASH_LIFETIME = timedelta(days=1)
EDITABLE = frozenset({ReflectionStatus.DRAFT, ReflectionStatus.REVISION})

# Day, month, two-digit year, optional dash or space, four digits (a Danish CPR number).
CPR_PATTERN = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[- ]?\d{4}(?!\d)")


def looks_like_cpr(text: str) -> bool:
    """A warning sign only: the learner is asked to check, nothing is refused."""
    return CPR_PATTERN.search(text) is not None


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def compose(assignment: Assignment, text: str, fields: Mapping[str, str]) -> str:
    """The reflection as one Markdown text: guided fields become sections."""
    if not assignment.guided:
        return text.strip()
    parts = []
    for field in assignment.fields:
        value = (fields.get(field.key) or "").strip()
        if value:
            parts.append(f"### {field.label}\n\n{value}")
    return "\n\n".join(parts)


def clean_fields(assignment: Assignment, fields: Mapping[str, Any]) -> dict[str, str]:
    """Only the assignment's own fields, as text."""
    return {f.key: str(fields.get(f.key) or "") for f in assignment.fields}


def due_on(
    assignment: Assignment, enrolment: Enrolment, extension: Extension | None = None
) -> date:
    if extension is not None:
        return extension.due_on
    return enrolment.cohort.start_date + timedelta(days=assignment.due_days)


def _check_length(text: str, fields: Mapping[str, str]) -> None:
    length = len(text) + sum(len(v) for v in fields.values())
    if length > MAX_TEXT:
        raise DomainError(
            N_(
                "The text is %(length)s characters long; at most %(count)s fit. Shorten it: your "
                "text is still here, and the last saved draft is kept."
            ),
            field="text",
            count=MAX_TEXT,
            length=length,
        )


# -- Reflections and drafts -----------------------------------------------------------------


def find_reflection(session: Session, enrolment_id: int, assignment_slug: str) -> Reflection | None:
    return session.scalar(
        select(Reflection).where(
            Reflection.enrolment_id == enrolment_id,
            Reflection.assignment_slug == assignment_slug,
        )
    )


def blank_reflection(enrolment: Enrolment, assignment: Assignment) -> Reflection:
    """An unsaved reflection, for showing the editor before the learner has written."""
    return Reflection(
        enrolment_id=enrolment.id,
        assignment_slug=assignment.slug,
        module_slug=assignment.module,
        status=ReflectionStatus.DRAFT,
        draft_text="",
        draft_fields={},
        draft_version=0,
        supervision_flag=False,
    )


def get_or_create(session: Session, enrolment: Enrolment, assignment: Assignment) -> Reflection:
    """The reflection, made on the first save.

    Two first saves at once (a double press) both find none on PostgreSQL; the unique
    constraint lets one insert through and the other, inside a savepoint, takes that row.
    """
    found = find_reflection(session, enrolment.id, assignment.slug)
    if found is not None:
        return found
    reflection = Reflection(
        enrolment_id=enrolment.id,
        assignment_slug=assignment.slug,
        module_slug=assignment.module,
        draft_fields={},
    )
    try:
        with session.begin_nested():
            session.add(reflection)
            session.flush()
    except IntegrityError:
        found = find_reflection(session, enrolment.id, assignment.slug)
        if found is None:
            raise
        return found
    return reflection


@dataclass(frozen=True)
class DraftSaved:
    version: int
    saved_at: datetime


class DraftConflict(DomainError):
    """The draft was saved elsewhere (another tab) since this copy was loaded."""

    def __init__(self, reflection: Reflection) -> None:
        super().__init__(
            N_(
                "This draft was changed in another window. Both texts are kept: yours is "
                "still in the editor, the other is shown below."
            )
        )
        self.current_text = reflection.draft_text
        self.current_fields = dict(reflection.draft_fields or {})
        self.current_version = reflection.draft_version
        self.saved_at = reflection.draft_saved_at


def _require_editable(reflection: Reflection) -> None:
    if reflection.status not in EDITABLE:
        raise DomainError(
            N_(
                "The reflection has been submitted; you can write again if feedback asks for a "
                "revision."
            )
        )


def save_draft(
    session: Session,
    assignment: Assignment,
    reflection: Reflection,
    *,
    text: str,
    fields: Mapping[str, Any],
    expected_version: int,
    now: datetime,
) -> DraftSaved:
    """Save the draft if nobody saved it since ``expected_version``; else DraftConflict."""
    _require_editable(reflection)
    cleaned = clean_fields(assignment, fields)
    _check_length(text, cleaned)
    # One conditional UPDATE: two tabs saving at once cannot both win.
    result = session.execute(
        update(Reflection)
        .where(Reflection.id == reflection.id, Reflection.draft_version == expected_version)
        .values(
            draft_text=text,
            draft_fields=cleaned,
            draft_version=Reflection.draft_version + 1,
            draft_saved_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(reflection)
    if result.rowcount != 1:
        if holds(reflection, text, cleaned):
            # A resent save (a lost response, a double press): what it asks for is there.
            return DraftSaved(
                version=reflection.draft_version, saved_at=reflection.draft_saved_at or now
            )
        raise DraftConflict(reflection)
    return DraftSaved(version=reflection.draft_version, saved_at=now)


def holds(reflection: Reflection, text: str, fields: Mapping[str, str]) -> bool:
    """Whether the saved draft is this text (as the database keeps it)."""
    saved = dict(reflection.draft_fields or {})
    return clean_text(text) == reflection.draft_text and all(
        clean_text(value) == saved.get(key, "") for key, value in fields.items()
    )


def _joined(mine: str, other: str) -> str:
    if not other.strip() or other.strip() == mine.strip():
        return mine
    if not mine.strip():
        return other
    return f"{mine.rstrip()}\n\n{other.strip()}\n"


def keep_both(
    assignment: Assignment,
    reflection: Reflection,
    *,
    text: str,
    fields: Mapping[str, Any],
    other_version: int,
) -> tuple[str, dict[str, str]]:
    """This window's text followed by the saved one (the learner chose "keep both").

    DraftConflict if the saved draft is no longer the one the learner saw.
    """
    if reflection.draft_version != other_version:
        raise DraftConflict(reflection)
    saved = dict(reflection.draft_fields or {})
    mine = clean_fields(assignment, fields)
    return (
        _joined(text, reflection.draft_text or ""),
        {key: _joined(value, str(saved.get(key) or "")) for key, value in mine.items()},
    )


def set_supervision_flag(session: Session, reflection: Reflection, flagged: bool) -> None:
    reflection.supervision_flag = flagged
    session.flush()


class AlreadySubmitted(DomainError):
    """The same text was submitted a moment ago (a double click, a resent form)."""

    def __init__(self) -> None:
        super().__init__(N_("Your reflection was already submitted."))


def submit(
    session: Session,
    curriculum: Curriculum,
    assignment: Assignment,
    reflection: Reflection,
    *,
    text: str,
    fields: Mapping[str, Any],
    expected_version: int,
    checklist_confirmed: bool,
    extension: Extension | None,
    now: datetime,
    html: str | None = None,
) -> ReflectionVersion:
    """Turn the draft into an immutable version for review. Refusals change nothing.

    ``html`` is ``render_composed(assignment, text, fields)``: a web request renders it
    before its write transaction begins (rendering may take tens of milliseconds, and on
    SQLite a writer holds the lock for everyone); other callers may leave it to this.
    """
    cleaned = clean_fields(assignment, fields)
    composed = compose(assignment, text, cleaned)
    # Two submits at once (a double press): the second waits here for the first, then finds
    # it submitted. On SQLite the write lock already serialises them.
    session.refresh(reflection, with_for_update=True)
    if reflection.status not in EDITABLE:
        latest = reflection.versions[-1] if reflection.versions else None
        if latest is not None and latest.text == clean_text(composed):
            raise AlreadySubmitted()
        _require_editable(reflection)
    enrolment = reflection.enrolment
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        raise DomainError(N_("Your enrolment is not active, so reflections cannot be submitted."))
    module = curriculum.module(assignment.module)
    completed = {
        slug for slug in progress.completions_by_enrolment(session, [enrolment.id])[enrolment.id]
    }
    waiting = progress.missing_prerequisites(curriculum, module, completed) if module else []
    if waiting:
        raise DomainError(
            N_("You can submit when %(modules)s is completed."),
            modules=", ".join(f"“{m.title}”" for m in waiting),
        )
    _check_length(text, cleaned)
    if assignment.guided:
        empty = [f.label for f in assignment.fields if not cleaned[f.key].strip()]
        if empty:
            raise DomainError(
                N_("Fill in every part before you submit: %(parts)s."),
                field="text",
                parts=", ".join(empty),
            )
    words = word_count(composed)
    if words < assignment.min_words:
        raise DomainError(
            N_("The reflection has %(words)s words; this assignment asks for at least %(min)s."),
            field="text",
            words=words,
            min=assignment.min_words,
        )
    if not checklist_confirmed:
        raise DomainError(N_("Confirm the checklist before you submit."), field="checklist")
    # Keep the draft equal to what was submitted, and make stale tabs see a conflict.
    save_draft(
        session,
        assignment,
        reflection,
        text=text,
        fields=cleaned,
        expected_version=expected_version,
        now=now,
    )
    version = ReflectionVersion(
        reflection_id=reflection.id,
        number=len(reflection.versions) + 1,
        text=composed,
        fields=cleaned,
        html=html if html is not None else render_markdown(composed),
        word_count=words,
        submitted_at=now,
        late=now.date() > due_on(assignment, enrolment, extension),
    )
    session.add(version)
    reflection.status = ReflectionStatus.SUBMITTED
    session.flush()
    session.refresh(reflection)
    audit.record(
        session,
        actor_id=enrolment.user_id,
        action="reflection.submit",
        object_type="reflection_version",
        object_id=version.id,
        now=now,
    )
    return version


def render_composed(assignment: Assignment, text: str, fields: Mapping[str, Any]) -> str:
    """The submitted version's HTML; MarkupRefused (a DomainError) names text beyond budget."""
    return render_markdown(compose(assignment, text, clean_fields(assignment, fields)))


def _begin_next_version(reflection: Reflection, *, now: datetime) -> None:
    """The learner writes the next version, starting from the latest one's text."""
    latest = reflection.versions[-1]
    reflection.status = ReflectionStatus.REVISION
    reflection.draft_fields = dict(latest.fields or {})
    if not latest.fields:
        reflection.draft_text = latest.text
    reflection.draft_version += 1
    reflection.draft_saved_at = now


def start_revision(session: Session, reflection: Reflection, *, now: datetime) -> None:
    """After "not yet approved": the next version starts from the previous text."""
    if reflection.status is not ReflectionStatus.NOT_YET_APPROVED:
        raise DomainError(N_("A revision can be started when feedback asks for one."))
    _begin_next_version(reflection, now=now)
    session.flush()


def reopen_module(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    slug: str,
    *,
    reason: str,
    actor_id: int,
    now: datetime,
) -> None:
    """A teacher reopens a completed module: the learner can work on it again.

    An approved reflection goes back to the learner as a revision of its latest version, so
    they can revise and resubmit (and the module completes again on the next approval).
    """
    progress.remove_completion(session, enrolment, slug, reason=reason, actor_id=actor_id, now=now)
    reflection = session.scalar(
        select(Reflection).where(
            Reflection.enrolment_id == enrolment.id, Reflection.module_slug == slug
        )
    )
    if (
        reflection is not None
        and reflection.status is ReflectionStatus.APPROVED
        and reflection.texts_deleted_at is None
    ):
        _begin_next_version(reflection, now=now)
    session.flush()
    certification.settle(session, curriculum, [enrolment.id], now=now)


# -- Stash: text posted after the session expired ------------------------------------------


def stash(
    session: Session,
    *,
    enrolment_id: int,
    assignment_slug: str,
    text: str,
    fields: Mapping[str, Any],
    now: datetime,
    base_version: int = 0,
) -> str:
    """Keep text that could not become the draft (signed out, or saved over from another
    window) until the learner saves it or chooses; returns the claim token.

    ``base_version`` is the draft version the text was written on: if the draft is still at
    that version, the text simply continues it; otherwise the learner chooses between both.
    """
    session.execute(delete(StashedText).where(StashedText.created_at < now - STASH_LIFETIME))
    token = new_token(24)
    session.add(
        StashedText(
            token_hash=digest(token),
            enrolment_id=enrolment_id,
            assignment_slug=assignment_slug,
            text=text[:MAX_TEXT],
            fields={k: str(v)[:MAX_TEXT] for k, v in fields.items()},
            base_version=base_version,
            created_at=now,
        )
    )
    session.flush()
    return token


def _stashes(
    session: Session, tokens: Collection[str], *, enrolment_id: int, assignment_slug: str
) -> list[tuple[str, StashedText]]:
    found = []
    for token in tokens:
        row = session.get(StashedText, digest(token))
        if row is not None and (row.enrolment_id, row.assignment_slug) == (
            enrolment_id,
            assignment_slug,
        ):
            found.append((token, row))
    return found


def find_stash(
    session: Session,
    tokens: Collection[str],
    *,
    enrolment: Enrolment,
    assignment_slug: str,
    now: datetime,
) -> StashedText | None:
    """The newest text kept for this enrolment and assignment under one of ``tokens``.

    Reading changes nothing: the text stays kept until a draft save that contains it
    commits (see drop_stashes), so a reload offers it again.
    """
    live = [
        row
        for _token, row in _stashes(
            session, tokens, enrolment_id=enrolment.id, assignment_slug=assignment_slug
        )
        if row.created_at >= now - STASH_LIFETIME
    ]
    return max(live, key=lambda row: row.created_at, default=None)


def drop_stashes(
    session: Session, tokens: Collection[str], *, enrolment_id: int, assignment_slug: str
) -> list[str]:
    """Delete the kept texts for this assignment (their text is now saved, or the learner
    chose the other); returns their tokens. Call in the transaction of that save."""
    dropped = []
    for token, row in _stashes(
        session, tokens, enrolment_id=enrolment_id, assignment_slug=assignment_slug
    ):
        session.delete(row)
        dropped.append(token)
    session.flush()
    return dropped


# -- Reviews --------------------------------------------------------------------------------


class ReviewConflict(DomainError):
    def __init__(self) -> None:
        super().__init__(
            N_(
                "Another teacher saved feedback on this version while you were writing. "
                "Nothing was overwritten: your text is still in the form. Read theirs before "
                "you save again."
            )
        )


def latest_version(reflection: Reflection) -> ReflectionVersion | None:
    return reflection.versions[-1] if reflection.versions else None


def review_for(session: Session, version: ReflectionVersion) -> Review | None:
    return session.scalar(select(Review).where(Review.version_id == version.id))


def save_review(
    session: Session,
    curriculum: Curriculum,
    assignment: Assignment,
    version: ReflectionVersion,
    *,
    teacher_id: int,
    criteria: Mapping[str, Mapping[str, Any]],
    overall_comment: str,
    decision: ReviewDecision | str | None,
    expected_lock: int | None,
    release: bool,
    now: datetime,
) -> Review:
    """Save feedback as a draft, or release it to the learner with a decision.

    The saved feedback is read under its row lock: of two teachers at once the second sees
    what the first saved, as it would a moment later, and gets the same refusal on every
    database (its lock version is out of date, or the feedback is released by now).
    """
    if latest_version(version.reflection) is not version:
        raise DomainError(N_("A newer version has been submitted; give feedback on that one."))
    if version.reflection.texts_deleted_at is not None:
        raise DomainError(N_("The text has been deleted, so there is nothing to give feedback on."))
    review = session.scalar(
        select(Review)
        .where(Review.version_id == version.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if review is not None and review.released_at is not None:
        raise DomainError(N_("The feedback on this version has already been released."))
    if review is not None and review.lock_version != expected_lock:
        raise ReviewConflict()
    if review is None and expected_lock is not None:
        raise ReviewConflict()
    keys = {c.key for c in assignment.criteria}
    cleaned = {
        key: {
            "met": criteria.get(key, {}).get("met"),
            "comment": str(criteria.get(key, {}).get("comment") or "").strip()[:5000],
        }
        for key in keys
    }
    if any(value["met"] not in (True, False, None) for value in cleaned.values()):
        raise DomainError(N_("Mark every criterion as met or not yet."), field="criteria")
    try:
        parsed_decision = ReviewDecision(decision) if decision else None
    except ValueError:
        raise DomainError(N_("Choose approved or not yet approved."), field="decision") from None
    overall_comment = overall_comment.strip()
    if release:
        if not overall_comment:
            raise DomainError(
                N_("Write an overall comment; the learner reads it first."),
                field="overall_comment",
            )
        unmarked = [c.title for c in assignment.criteria if cleaned[c.key]["met"] is None]
        if unmarked:
            raise DomainError(
                N_("Mark every criterion as met or not yet: %(criteria)s."),
                field="criteria",
                criteria=", ".join(unmarked),
            )
        if parsed_decision is None:
            raise DomainError(N_("Choose approved or not yet approved."), field="decision")
        if parsed_decision is ReviewDecision.APPROVED and any(
            not value["met"] for value in cleaned.values()
        ):
            raise DomainError(
                N_("A reflection is approved when every criterion is met."), field="decision"
            )
    if review is None:
        review = Review(version_id=version.id)
        session.add(review)
    review.teacher_id = teacher_id
    review.criteria = cleaned
    review.overall_comment = overall_comment
    review.decision = parsed_decision
    review.updated_at = now
    if release:
        review.released_at = now
    # Two teachers who both passed the checks above meet here: the unique version_id (two
    # first saves, where there was no row to lock) lets one through and refuses the other;
    # so would the lock version, should the row lock above ever be missing.
    try:
        with session.begin_nested():
            session.flush()
    except (StaleDataError, IntegrityError):
        raise ReviewConflict() from None
    if release:
        reflection = version.reflection
        reflection.status = (
            ReflectionStatus.APPROVED
            if parsed_decision is ReviewDecision.APPROVED
            else ReflectionStatus.NOT_YET_APPROVED
        )
        if parsed_decision is ReviewDecision.APPROVED:
            progress.complete_by_approval(
                session,
                curriculum,
                reflection.enrolment,
                reflection.module_slug,
                actor_id=teacher_id,
                now=now,
            )
        audit.record(
            session,
            actor_id=teacher_id,
            action=f"review.release.{parsed_decision.value}",
            object_type="reflection_version",
            object_id=version.id,
            now=now,
        )
    session.flush()
    return review


def record_read(
    session: Session, *, teacher_id: int, version: ReflectionVersion, now: datetime
) -> None:
    audit.record(
        session,
        actor_id=teacher_id,
        action="reflection.read",
        object_type="reflection_version",
        object_id=version.id,
        now=now,
    )


def grant_extension(
    session: Session,
    enrolment: Enrolment,
    assignment: Assignment,
    *,
    due: date,
    teacher_id: int,
    now: datetime,
) -> Extension:
    if due < enrolment.cohort.start_date:
        raise DomainError(N_("The new date must be after the cohort's start."), field="due_on")
    found = session.scalar(
        select(Extension).where(
            Extension.enrolment_id == enrolment.id, Extension.assignment_slug == assignment.slug
        )
    )
    if found is None:
        found = Extension(enrolment_id=enrolment.id, assignment_slug=assignment.slug, due_on=due)
        session.add(found)
    found.due_on, found.granted_by_id, found.granted_at = due, teacher_id, now
    session.flush()
    audit.record(
        session,
        actor_id=teacher_id,
        action="extension.grant",
        object_type="enrolment",
        object_id=enrolment.id,
        detail=f"assignment={assignment.slug} due={due.isoformat()}",
        now=now,
    )
    return found


def extension_for(session: Session, enrolment_id: int, assignment_slug: str) -> Extension | None:
    return session.scalar(
        select(Extension).where(
            Extension.enrolment_id == enrolment_id, Extension.assignment_slug == assignment_slug
        )
    )


# -- Comment snippets -----------------------------------------------------------------------


def snippets(session: Session, teacher_id: int) -> list[CommentSnippet]:
    return list(
        session.scalars(
            select(CommentSnippet)
            .where(CommentSnippet.teacher_id == teacher_id)
            .order_by(CommentSnippet.created_at)
        )
    )


def add_snippet(session: Session, teacher_id: int, text: str) -> CommentSnippet:
    text = text.strip()
    if not text:
        raise DomainError(N_("This field is required."), field="text")
    if len(text) > 1000:
        raise DomainError(N_("At most %(count)s characters, please."), field="text", count=1000)
    snippet = CommentSnippet(teacher_id=teacher_id, text=text)
    session.add(snippet)
    session.flush()
    return snippet


# -- Practice log ---------------------------------------------------------------------------


def log_entries(session: Session, enrolment_id: int) -> list[PracticeLogEntry]:
    return list(
        session.scalars(
            select(PracticeLogEntry)
            .where(PracticeLogEntry.enrolment_id == enrolment_id)
            .order_by(PracticeLogEntry.noted_on.desc(), PracticeLogEntry.id.desc())
        )
    )


def add_log_entry(
    session: Session, enrolment: Enrolment, *, noted_on: date, text: str, today: date
) -> PracticeLogEntry:
    text = text.strip()
    if not text:
        raise DomainError(N_("This field is required."), field="text")
    if len(text) > MAX_NOTE:
        raise DomainError(N_("At most %(count)s characters, please."), field="text", count=MAX_NOTE)
    if noted_on > today:
        raise DomainError(N_("The date cannot be in the future."), field="noted_on")
    entry = PracticeLogEntry(enrolment_id=enrolment.id, noted_on=noted_on, text=text)
    session.add(entry)
    session.flush()
    return entry


def delete_log_entry(session: Session, entry: PracticeLogEntry) -> None:
    session.delete(entry)
    session.flush()


def with_note(text: str, note: PracticeLogEntry, label: str) -> str:
    """The text with a practice-log note appended as a quotation to work from."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in note.text.splitlines())
    block = f"{label}\n\n{quoted}"
    return f"{text.rstrip()}\n\n{block}\n" if text.strip() else f"{block}\n"


def statuses_by_module(
    session: Session, enrolment_ids: Collection[int]
) -> dict[int, dict[str, ReflectionStatus]]:
    """Each enrolment's reflection status per module slug (one query)."""
    found: dict[int, dict[str, ReflectionStatus]] = {eid: {} for eid in enrolment_ids}
    if enrolment_ids:
        rows = session.execute(
            select(Reflection.enrolment_id, Reflection.module_slug, Reflection.status).where(
                Reflection.enrolment_id.in_(enrolment_ids)
            )
        )
        for enrolment_id, module_slug, status in rows:
            found[enrolment_id][module_slug] = status
    return found
