"""``peeredu users``, ``orgs``, ``cohorts`` and ``enrol``: the people and where they learn."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import with_appcontext

from peeredu.accounts import enrolments, organisations, users, validation
from peeredu.accounts.models import OrganisationKind, Role, Track, WorkRole
from peeredu.cli.conventions import Command, Group, choice, transaction, user_by_email

users_group = Group("users", help="People who can sign in.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=choice(Role),
    help="Repeat for several roles.",
)
@click.option("--locale", default="da", type=click.Choice(validation.LOCALES))
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of inviting by email later.",
)
def users_create(password_stdin: bool, **person: Any) -> None:
    """Create a user (with a password, or to be invited)."""
    # The other options are create_user's arguments by name: email, name, roles, locale.
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with transaction({"password": "password-stdin", "roles": "role"}) as session:
        user = users.create_user(session, **person, password=password, actor_id=None)
    click.echo(f"Created user {user.email} ({', '.join(sorted(r.value for r in user.roles))}).")


orgs_group = Group("orgs", help="Partner organisations (workplaces).")


@orgs_group.command("create")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=choice(OrganisationKind))
def orgs_create(name: str, kind: str) -> None:
    """Create an organisation."""
    with transaction() as session:
        organisation = organisations.create_organisation(
            session, name=name, kind=kind, actor_id=None
        )
    click.echo(f"Created organisation {organisation.name}.")


cohorts_group = Group("cohorts", help="Cohorts (hold) of the course.")


@cohorts_group.command("create")
@click.option("--name", required=True)
@click.option("--start", "start_date", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--end", "end_date", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--teacher", "teachers", multiple=True, help="Teacher's email; repeat for several.")
def cohorts_create(name: str, start_date: Any, end_date: Any, teachers: tuple[str, ...]) -> None:
    """Create a cohort, optionally with its teachers."""
    with transaction({"end_date": "end", "start_date": "start", "teachers": "teacher"}) as session:
        teacher_ids = [user_by_email(session, email, option="--teacher").id for email in teachers]
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
@click.command("enrol", cls=Command)
@click.option("--email", required=True)
@click.option("--cohort", required=True, help="The cohort's name.")
@click.option("--track", required=True, type=choice(Track))
@click.option("--organisation", required=True, help="The organisation's name.")
@click.option(
    "--work-role",
    default=None,
    type=choice(WorkRole),
    help="Role at work (default: paid_peer for peer, colleague for colleague).",
)
@with_appcontext
def enrol_command(
    email: str, cohort: str, track: str, organisation: str, work_role: str | None
) -> None:
    """Enrol a user in a cohort on a track."""
    with transaction() as session:
        user = user_by_email(session, email, option="--email")
        found_cohort = organisations.get_cohort_by_name(session, cohort, field="cohort")
        found_org = organisations.get_organisation_by_name(
            session, organisation, field="organisation"
        )
        spec = enrolments.EnrolmentSpec(
            cohort_id=found_cohort.id,
            organisation_id=found_org.id,
            track=track,
            work_role=work_role or enrolments.default_work_role(track),
        )
        enrolments.enrol(session, user, spec, actor_id=None)
    click.echo(f"Enrolled {user.email} in {found_cohort.name} ({track}).")
