"""``peeredu demo``: the demonstration data ``make run`` serves."""

from __future__ import annotations

from datetime import date

import click

from peeredu import demo
from peeredu.certification import codes
from peeredu.cli.conventions import Group, transaction
from peeredu.extensions import current_assignments, current_curriculum
from peeredu.web.emails import absolute_url

demo_group = Group("demo", help="Demonstration data.")


@demo_group.command("seed")
def demo_seed() -> None:
    """Create the demo organisations, cohort and people (safe to run again)."""
    with transaction() as session:
        logins = demo.seed(session, current_curriculum(), current_assignments(), today=date.today())
    click.echo(
        "Demo data is in place. Sign in with one of these (password for all: "
        f"{demo.DEMO_PASSWORD}):"
    )
    for login in logins:
        click.echo(f"  {login.role:<34} {login.email}")
    click.echo(demo.TWO_FACTOR_HELP)
    with transaction() as session:
        code = demo.demo_certificate_code(session)
    if code:
        # At the app's own address and prefix (a host app may mount peeredu at /kursus).
        link = absolute_url("peeredu.certificates.verify_code", code=codes.display(code))
        click.echo(f"A demo certificate can be verified at {link}")
