"""``peeredu`` / ``flask --app peeredu`` commands. They call the same services as the web.

A command either does all it was asked or nothing: it commits once, at the end, and a bad
argument is reported on one line naming the option, with exit status 1.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from alembic.util import CommandError as AlembicCommandError
from flask import Flask, current_app
from flask.cli import AppGroup, NoAppException, ScriptInfo, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from peeredu import backup, demo, demo_national, outbox
from peeredu.accounts import enrolments, organisations, users, validation
from peeredu.accounts.models import OrganisationKind, Role, Track, WorkRole
from peeredu.certification import codes
from peeredu.certification import services as certification
from peeredu.certification.eligibility import Eligibility
from peeredu.config import DEFAULTS, ConfigError
from peeredu.curriculum.content import ContentError, Problem
from peeredu.curriculum.loader import check_curriculum
from peeredu.curriculum.progress import slugs_with_progress
from peeredu.db import utcnow
from peeredu.errors import DomainError
from peeredu.extensions import Database, current_assignments, current_curriculum, db, mailer
from peeredu.models import metadata
from peeredu.privacy import retention
from peeredu.reflections.loader import FOLDER, check_assessments
from peeredu.reports import reviews
from peeredu.web.emails import queue_digest

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    # Alembic's default stdout is the sys.stdout of when alembic was imported, so `db current`
    # and `db history` would write past any redirection in place when the command runs.
    config = AlembicConfig(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an option: ConfigParser would choke on % in passwords.
    config.attributes["database_url"] = url
    return config


@contextmanager
def _transaction(option_names: dict[str, str] | None = None) -> Iterator[Any]:
    """Run a command's work as one transaction, reporting domain errors on one line."""
    session = db.session
    try:
        yield session
        session.commit()
    except DomainError as error:
        session.rollback()
        option = (option_names or {}).get(error.field or "", error.field)
        prefix = f"--{option.replace('_', '-')}: " if option else ""
        raise click.ClickException(prefix + str(error)) from None


def _choice(enum_class: type[Any]) -> click.Choice:
    return click.Choice([member.value for member in enum_class])


class _Command(click.Command):
    """A command whose malformed arguments are reported like its other errors.

    Click prints a usage error as a usage line, a hint and the error, with exit status 2; the
    promise above is one line naming the option, with exit status 1, whoever found the fault.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            # Some of click's messages list choices one per line.
            raise click.ClickException(" ".join(error.format_message().split())) from None


class _Group(AppGroup):
    command_class = _Command


db_group = _Group("db", help="Database schema migrations (Alembic).")


@contextmanager
def _alembic_errors() -> Iterator[None]:
    """An unknown revision is found before any migration runs: one line, exit status 1."""
    try:
        yield
    except AlembicCommandError as error:
        raise click.ClickException(" ".join(str(error).split())) from None


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    with _alembic_errors():
        alembic_command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION."""
    with _alembic_errors():
        alembic_command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the schema change is for.")
@click.option("--autogenerate/--empty", default=True, help="Compare models with the database.")
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration; review it before committing it."""
    alembic_command.revision(
        alembic_config(current_app.config["DATABASE_URL"]),
        message=message,
        autogenerate=autogenerate,
    )


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    alembic_command.current(alembic_config(current_app.config["DATABASE_URL"]))


users_group = _Group("users", help="People who can sign in.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=_choice(Role),
    help="Repeat for several roles.",
)
@click.option("--locale", default="da", type=click.Choice(validation.LOCALES))
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of inviting by email later.",
)
def users_create(
    email: str, name: str, roles: tuple[str, ...], locale: str, password_stdin: bool
) -> None:
    """Create a user (with a password, or to be invited)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with _transaction({"password": "password-stdin", "roles": "role"}) as session:
        user = users.create_user(
            session,
            email=email,
            name=name,
            roles=roles,
            locale=locale,
            password=password,
            actor_id=None,
        )
    click.echo(f"Created user {user.email} ({', '.join(sorted(r.value for r in user.roles))}).")


orgs_group = _Group("orgs", help="Partner organisations (workplaces).")


@orgs_group.command("create")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=_choice(OrganisationKind))
def orgs_create(name: str, kind: str) -> None:
    """Create an organisation."""
    with _transaction() as session:
        organisation = organisations.create_organisation(
            session, name=name, kind=kind, actor_id=None
        )
    click.echo(f"Created organisation {organisation.name}.")


cohorts_group = _Group("cohorts", help="Cohorts (hold) of the course.")


@cohorts_group.command("create")
@click.option("--name", required=True)
@click.option("--start", "start_date", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--end", "end_date", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--teacher", "teachers", multiple=True, help="Teacher's email; repeat for several.")
def cohorts_create(name: str, start_date: Any, end_date: Any, teachers: tuple[str, ...]) -> None:
    """Create a cohort, optionally with its teachers."""
    with _transaction({"end_date": "end", "start_date": "start", "teachers": "teacher"}) as session:
        teacher_ids = []
        for email in teachers:
            teacher = users.get_user_by_email(session, email)
            if teacher is None:
                raise click.ClickException(f"--teacher: no user has the email address {email}.")
            teacher_ids.append(teacher.id)
        cohort = organisations.create_cohort(
            session,
            name=name,
            start_date=start_date.date(),
            end_date=end_date.date(),
            teacher_ids=teacher_ids,
            actor_id=None,
        )
    click.echo(f"Created cohort {cohort.name}.")


# Not in a group, so no AppGroup wraps it: without this it has an app context only under
# FlaskGroup (`peeredu`, `flask`), not when `app.cli` is invoked directly (the test runner).
@click.command("enrol", cls=_Command)
@click.option("--email", required=True)
@click.option("--cohort", required=True, help="The cohort's name.")
@click.option("--track", required=True, type=_choice(Track))
@click.option("--organisation", required=True, help="The organisation's name.")
@click.option(
    "--work-role",
    default=None,
    type=_choice(WorkRole),
    help="Role at work (default: paid_peer for peer, colleague for colleague).",
)
@with_appcontext
def enrol_command(
    email: str, cohort: str, track: str, organisation: str, work_role: str | None
) -> None:
    """Enrol a user in a cohort on a track."""
    with _transaction() as session:
        user = users.get_user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"--email: no user has the email address {email}.")
        found_cohort = organisations.get_cohort_by_name(session, cohort, field="cohort")
        found_org = organisations.get_organisation_by_name(
            session, organisation, field="organisation"
        )
        default_role = WorkRole.PAID_PEER if track == Track.PEER.value else WorkRole.COLLEAGUE
        spec = enrolments.EnrolmentSpec(
            cohort_id=found_cohort.id,
            organisation_id=found_org.id,
            track=track,
            work_role=work_role or default_role,
        )
        enrolments.enrol(session, user, spec, actor_id=None)
    click.echo(f"Enrolled {user.email} in {found_cohort.name} ({track}).")


demo_group = _Group("demo", help="Demonstration data.")


@demo_group.command("seed")
@click.option(
    "--scale",
    type=click.Choice(["demo", "national"]),
    default="demo",
    show_default=True,
    help="national: 100 organisations, 10,000 learners, 100,000 reflection versions.",
)
def demo_seed(scale: str) -> None:
    """Create the demo organisations, cohort and people (safe to run again)."""
    if scale == "national":
        _seed_national()
        return
    with _transaction() as session:
        logins = demo.seed(session, current_curriculum(), current_assignments(), today=date.today())
    click.echo(
        "Demo data is in place. Sign in with one of these (password for all: "
        f"{demo.DEMO_PASSWORD}):"
    )
    for login in logins:
        click.echo(f"  {login.role:<34} {login.email}")
    click.echo(demo.TWO_FACTOR_HELP)
    with _transaction() as session:
        code = demo.demo_certificate_code(session)
    if code:
        click.echo(f"A demo certificate can be verified at /verify/{codes.display(code)}")


def _seed_national() -> None:
    started = time.perf_counter()
    with _transaction() as session:
        counts = demo_national.seed(
            session, current_curriculum(), current_assignments(), today=date.today()
        )
    if counts is None:
        click.echo("The national data set is already in place.")
        return
    click.echo(f"National data set written in {time.perf_counter() - started:.1f} s:")
    for table, rows in sorted(counts.items()):
        click.echo(f"  {table:<24} {rows:>9,}")
    logins = demo_national.focus_logins(demo_national.NATIONAL)
    click.echo(f"Password for all: {demo_national.PASSWORD}")
    for role, email in dataclasses.asdict(logins).items():
        click.echo(f"  {role:<12} {email}")


mail_group = _Group("mail", help="The outgoing mail queue.")


def _finite(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    # FloatRange lets "nan" through: every comparison with it is false.
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds.")
    return value


def _report_line(report: outbox.DeliveryReport) -> str:
    return f"Sent {report.sent}, failed {report.failed} (tried again later)."


@mail_group.command("send")
def mail_send() -> None:
    """Send every message that is due, once (what one pass of the worker does)."""
    click.echo(_report_line(mailer.deliver()))


@mail_group.command("worker")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1, max=86_400),
    callback=_finite,
    default=None,
    help="Seconds between passes (default: MAIL_WORKER_INTERVAL, 5).",
)
def mail_worker(interval: float | None) -> None:
    """Keep sending due messages until stopped (SIGTERM or Ctrl+C stop it cleanly).

    Run one or more beside the web server: requests only queue mail. Several workers (on
    one machine or several) send each message once.
    """
    if interval is None:
        interval = float(current_app.config["MAIL_WORKER_INTERVAL"])
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        # The message being sent is finished and recorded first.
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo("Mail worker started; SIGTERM or Ctrl+C stops it.")

    def report(found: outbox.DeliveryReport) -> None:
        if found.sent or found.failed:
            click.echo(_report_line(found))

    outbox.run_worker(mailer.deliver, stop=stop, interval=interval, on_report=report)
    click.echo("Mail worker stopped.")


@mail_group.command("retry")
def mail_retry() -> None:
    """Try every waiting message again now, instead of at its next turn (after a fix)."""
    with _transaction() as session:
        count = outbox.retry_all(session, now=utcnow())
    click.echo(f"{_plural(count, 'message')} will be tried at the next pass.")


# A teacher's first digest covers the day before it.
DIGEST_WINDOW = timedelta(hours=24)


@mail_group.command("digest")
def mail_digest() -> None:
    """Email each teacher who chose a daily summary what was submitted since the last one.

    The summary names cohorts and assignments only, never learners or their text. Run it once
    a day (cron, a systemd timer).
    """
    now = utcnow()
    titles = {slug: a.title for slug, a in current_assignments().by_slug.items()}
    sent = listed = 0
    with _transaction() as session:
        teachers = reviews.digest_teachers(session)
        for teacher in teachers:
            waiting = reviews.review_queue(
                session,
                teacher.id,
                reviews.QueueFilter(
                    submitted_after=teacher.last_digest_at or now - DIGEST_WINDOW,
                    submitted_until=now,
                ),
            )
            if waiting:
                items = [
                    (item.cohort_name, titles.get(item.assignment_slug, item.assignment_slug))
                    for item in waiting
                ]
                queue_digest(session, teacher, items=items)
                sent += 1
                listed += len(items)
            users.record_digest_sent(session, teacher, now=now)
    click.echo(
        f"Digests queued for {sent} of {len(teachers)} teachers who chose one, "
        f"listing {listed} reflections."
    )


retention_group = _Group("retention", help="Deleting texts a while after a cohort has ended.")


@retention_group.command("run")
@click.option(
    "--months",
    type=int,
    default=None,
    help="Delete texts of cohorts that ended more than this many months ago "
    "(default: RETENTION_MONTHS, 12).",
)
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
def retention_run(months: int | None, dry_run: bool) -> None:
    """Delete reflection texts, feedback texts and practice logs of long-ended cohorts.

    Completed modules, attendance, decisions and certificates are kept. Run it once a day or
    once a month (cron, a systemd timer); a second run finds nothing more to do.
    """
    config = current_app.config
    if months is None:
        months = int(config["RETENTION_MONTHS"])
    with _transaction() as session:
        report = retention.run_retention(
            session,
            now=utcnow(),
            months=months,
            outbox_keep_days=int(config["OUTBOX_KEEP_DAYS"]),
            audit_keep_months=int(config["AUDIT_KEEP_MONTHS"]),
            dry_run=dry_run,
        )
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"Cohorts that ended before {report.cutoff.isoformat()} ({_plural(months, 'month')} ago)"
        + (": dry run, nothing was changed." if dry_run else ":")
    )
    for cohort in report.cohorts:
        click.echo(
            f"  {cohort.name} (ended {cohort.end_date.isoformat()}): "
            f"{_plural(cohort.reflections, 'reflection')} "
            f"({_plural(cohort.versions, 'version')}, {_plural(cohort.reviews, 'feedback text')}), "
            f"{_plural(cohort.log_entries, 'practice-log note')}"
        )
    click.echo(
        f"{verb} the texts of {_plural(report.reflections, 'reflection')} "
        f"({_plural(report.versions, 'version')}, {_plural(report.reviews, 'feedback text')}) and "
        f"{_plural(report.log_entries, 'practice-log note')} in "
        f"{_plural(len(report.cohorts), 'cohort')}. Completions, attendance and certificates "
        "are kept."
    )
    click.echo(
        f"{verb} {_plural(report.outbox_messages, 'sent or cancelled email')} "
        f"(OUTBOX_KEEP_DAYS={config['OUTBOX_KEEP_DAYS']}) and "
        f"{_plural(report.audit_events, 'audit event')} "
        f"(AUDIT_KEEP_MONTHS={config['AUDIT_KEEP_MONTHS']})."
    )


certificates_group = _Group("certificates", help="Course certificates.")


def _unmet(rule: Eligibility) -> str:
    """Why an enrolment does not meet the rule, in one line."""
    reasons = []
    if rule.missing_modules:
        reasons.append(f"{_plural(len(rule.missing_modules), 'module')} not completed")
    if rule.capstone_missing:
        reasons.append("final assignment not approved")
    if not rule.attendance_met:
        held = rule.attendance
        reasons.append(
            f"attendance {held.present} of {held.planned} planned class days, "
            f"{rule.threshold} % required"
        )
    return "; ".join(reasons)


@certificates_group.command("reconcile")
@click.option("--dry-run", is_flag=True, help="Only report; issue nothing.")
def certificates_reconcile(dry_run: bool) -> None:
    """Compare every enrolment with the certificate rule.

    Issues the certificates that are due (unless --dry-run) and lists valid certificates whose
    holder no longer meets the rule. Those are never revoked here: an admin decides.
    """
    with _transaction() as session:
        report = certification.reconcile(
            session, current_curriculum(), now=utcnow(), dry_run=dry_run
        )
        for enrolment in report.due:
            verb = "would issue" if dry_run else "issued"
            click.echo(f"  {verb}: {enrolment.user.email} ({enrolment.cohort.name})")
        for unearned in report.unearned:
            holder = unearned.certificate.enrolment
            click.echo(
                f"  no longer met: {holder.user.email} ({holder.cohort.name}), certificate "
                f"{codes.display(unearned.certificate.code)}: {_unmet(unearned.eligibility)}"
            )
    due = _plural(len(report.due), "learner")
    click.echo(
        (
            f"Dry run, nothing was changed. {due} would get a certificate"
            if dry_run
            else f"{_plural(len(report.issued), 'certificate')} issued"
        )
        + f"; {_plural(len(report.unearned), 'valid certificate')} whose holder no longer "
        "meets the rule (not revoked: an admin decides)."
    )


# Not an AppGroup: checking the files must work when the app cannot start, which is exactly
# when the content is broken. The `peeredu` command offers it without building the app.
content_group = click.Group(
    "content", help="The course content files (curriculum/ and assessments/)."
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _progress_slugs(app: Flask | None, failure: str) -> tuple[set[str], list[Problem]]:
    """Slugs learners have progress on, or why they could not be read."""
    if app is None:
        return set(), [Problem("database", "", f"progress not checked: {failure}", warning=True)]
    with app.app_context():
        try:
            return slugs_with_progress(db.session), []
        except SQLAlchemyError as error:
            # Content can be checked where no database exists yet (a fresh checkout, CI).
            detail = str(getattr(error, "orig", None) or error).splitlines()[0]
            return set(), [Problem("database", "", f"progress not checked: {detail}", warning=True)]


def _configured_folder(app: Flask | None, key: str) -> Path:
    """The folder the app is configured with, or would be: the check runs when it cannot start."""
    configured = app.config[key] if app else os.environ.get(f"PEEREDU_{key}", DEFAULTS[key])
    folder = Path(configured)
    if not folder.is_dir():
        raise click.ClickException(f"{key}: {folder} is not a folder.")
    return folder


def _in_folder(problem: Problem, folder: str) -> Problem:
    """``problem`` with its file named from the folder above, as curriculum problems are not."""
    file = folder if problem.file == FOLDER else f"{folder}/{problem.file}"
    return dataclasses.replace(problem, file=file)


@content_group.command("check", cls=_Command)
@click.argument(
    "directory",
    metavar="DIR",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--assessments",
    "assessments",
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The assignments to check (default: the configured ASSESSMENTS_DIR).",
)
@click.pass_context
def content_check(ctx: click.Context, directory: Path | None, assessments: Path | None) -> None:
    """Check the curriculum in DIR (default: the configured CURRICULUM_DIR) and the assignments
    in --assessments; list every problem.

    The assignments are checked against the curriculum, so only when it has no errors. Also
    warns about modules that learners have progress on but no file has any more.
    """
    app: Flask | None = None
    failure = ""
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    except (ContentError, ConfigError, NoAppException) as error:
        failure = "the app could not start: " + str(error).splitlines()[0]
    if directory is None:
        directory = _configured_folder(app, "CURRICULUM_DIR")
    if assessments is None:
        assessments = _configured_folder(app, "ASSESSMENTS_DIR")
    # Named by its folder, so that e.g. assessments/rubric.toml is not taken for a curriculum file.
    folder = assessments.resolve().name
    with_progress, skipped = _progress_slugs(app, failure)
    curriculum, problems = check_curriculum(directory, slugs_with_progress=with_progress)
    problems = skipped + problems
    assignments = None
    if curriculum is None:
        problems.append(
            Problem(
                folder,
                "",
                "not checked: the assignments refer to the curriculum's modules, so fix the "
                "curriculum's errors first",
                warning=True,
            )
        )
    else:
        assignments, found = check_assessments(assessments, curriculum)
        problems += [_in_folder(problem, folder) for problem in found]
    for problem in problems:
        click.echo(str(problem))
    warnings = sum(1 for problem in problems if problem.warning)
    if curriculum is None or assignments is None:
        click.echo(f"{_plural(len(problems) - warnings, 'error')}, {_plural(warnings, 'warning')}")
        raise click.exceptions.Exit(1)
    summary = (
        f"OK: {_plural(len(curriculum.modules), 'module')}, "
        f"{_plural(len(curriculum.course.tracks), 'track')}, "
        f"{_plural(len(assignments.by_slug), 'assignment')}"
    )
    click.echo(summary + (f", {_plural(warnings, 'warning')}" if warnings else ""))


@click.command("backup", cls=_Command)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Copy the running SQLite database to PATH, consistently (SQLite's online backup).

    For PostgreSQL, use pg_dump; the command says how.
    """
    engine = Database.state().engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "The database is PostgreSQL: back it up with pg_dump, e.g. "
            + backup.pg_dump_command(engine.url, path)
        )
    try:
        report = backup.backup_sqlite(engine, metadata, path, force=force)
    except backup.BackupError as error:
        raise click.ClickException(f"PATH: {error}") from None
    click.echo(f"Backup written to {report.path} ({report.size / 1_000_000:.1f} MB).")
    for table, rows in sorted(report.rows.items()):
        click.echo(f"  {table:<28} {rows:>9,}")


COMMANDS: list[Callable[..., Any]] = [
    db_group,
    users_group,
    orgs_group,
    cohorts_group,
    enrol_command,
    demo_group,
    mail_group,
    content_group,
    retention_group,
    certificates_group,
    backup_command,
]


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)  # type: ignore[arg-type]
