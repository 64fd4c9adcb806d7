"""``peeredu certificates``: every enrolment compared with the certificate rule."""

from __future__ import annotations

import click

from peeredu.certification import codes
from peeredu.certification import services as certification
from peeredu.certification.eligibility import Eligibility
from peeredu.cli.conventions import Group, plural, transaction
from peeredu.db import utcnow
from peeredu.extensions import current_curriculum

certificates_group = Group("certificates", help="Course certificates.")


def _unmet(rule: Eligibility) -> str:
    """Why an enrolment does not meet the rule, in one line."""
    reasons = []
    if rule.missing_modules:
        reasons.append(f"{plural(len(rule.missing_modules), 'module')} not completed")
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
    with transaction() as session:
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
    due = plural(len(report.due), "learner")
    click.echo(
        (
            f"Dry run, nothing was changed. {due} would get a certificate"
            if dry_run
            else f"{plural(len(report.issued), 'certificate')} issued"
        )
        + f"; {plural(len(report.unearned), 'valid certificate')} whose holder no longer "
        "meets the rule (not revoked: an admin decides)."
    )
