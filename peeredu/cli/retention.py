"""``peeredu retention``: deleting learners' texts a while after their cohort has ended."""

from __future__ import annotations

import click
from flask import current_app

from peeredu.cli.conventions import Group, plural, transaction
from peeredu.db import utcnow
from peeredu.privacy import retention

retention_group = Group("retention", help="Deleting texts a while after a cohort has ended.")


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
    with transaction() as session:
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
        f"Cohorts that ended before {report.cutoff.isoformat()} ({plural(months, 'month')} ago)"
        + (": dry run, nothing was changed." if dry_run else ":")
    )
    for cohort in report.cohorts:
        click.echo(
            f"  {cohort.name} (ended {cohort.end_date.isoformat()}): "
            f"{plural(cohort.reflections, 'reflection')} "
            f"({plural(cohort.versions, 'version')}, {plural(cohort.reviews, 'feedback text')}), "
            f"{plural(cohort.log_entries, 'practice-log note')}"
        )
    click.echo(
        f"{verb} the texts of {plural(report.reflections, 'reflection')} "
        f"({plural(report.versions, 'version')}, {plural(report.reviews, 'feedback text')}) and "
        f"{plural(report.log_entries, 'practice-log note')} in "
        f"{plural(len(report.cohorts), 'cohort')}. Completions, attendance and certificates "
        "are kept."
    )
    click.echo(
        f"{verb} {plural(report.outbox_messages, 'sent or cancelled email')} "
        f"(OUTBOX_KEEP_DAYS={config['OUTBOX_KEEP_DAYS']}) and "
        f"{plural(report.audit_events, 'audit event')} "
        f"(AUDIT_KEEP_MONTHS={config['AUDIT_KEEP_MONTHS']})."
    )
