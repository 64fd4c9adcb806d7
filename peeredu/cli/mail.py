"""``peeredu mail``: the outgoing mail queue, its worker and the teachers' daily digest."""

from __future__ import annotations

import logging
import math
import signal
import threading
from datetime import timedelta

import click
from flask import current_app

from peeredu import outbox
from peeredu.accounts import users
from peeredu.cli.conventions import Group, plural, transaction
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, mailer
from peeredu.reports import reviews
from peeredu.web.emails import queue_digest

# A teacher's first digest covers the day before it.
DIGEST_WINDOW = timedelta(hours=24)

mail_group = Group("mail", help="The outgoing mail queue.")


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
    with transaction() as session:
        count = outbox.retry_all(session, now=utcnow())
    click.echo(f"{plural(count, 'message')} will be tried at the next pass.")


@mail_group.command("digest")
def mail_digest() -> None:
    """Email each teacher who chose a daily summary what was submitted since the last one.

    The summary names cohorts and assignments only, never learners or their text. Run it once
    a day (cron, a systemd timer).
    """
    now = utcnow()
    titles = {slug: a.title for slug, a in current_assignments().by_slug.items()}
    sent = listed = 0
    with transaction() as session:
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
