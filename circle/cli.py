"""`flask circle ...` commands; each calls a service and commits once."""

import threading

import click
from flask import current_app
from flask.cli import AppGroup

from circle.accounts.models import Role, User
from circle.accounts.services import get_user_by_email, normalise_email
from circle.database import utcnow
from circle.demo import database_is_empty, seed_demo
from circle.extensions import db
from circle.jobs import runner
from circle.limits import PASSWORD_MIN
from circle.meetings.inbox import InboxController
from circle.meetings.reminders import send_reminders
from circle.privacy.services import apply_retention
from circle.threads.notifications import send_digests

circle_cli = AppGroup("circle", help="Circle administration commands.")


@circle_cli.command("seed-demo")
@click.option(
    "--if-empty", is_flag=True, help="Only when the database has no users yet."
)
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo programme (safe to run again)."""
    if if_empty and not database_is_empty():
        click.echo("Database already has data; demo not loaded.")
        return
    added = seed_demo()
    db.session.commit()
    click.echo(
        "Demo loaded: {organisations} organisations, {users} people and "
        "{programmes} programmes added.".format(**added)
    )


@circle_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an admin account for the programme office."""
    if get_user_by_email(email) is not None:
        raise click.ClickException(f"An account for {email} exists already.")
    if len(password) < PASSWORD_MIN:
        raise click.ClickException(
            f"The password needs at least {PASSWORD_MIN} characters."
        )
    # Made by the operator on the server: the address counts as confirmed.
    user = User(
        email=normalise_email(email),
        name=name,
        role=Role.ADMIN,
        email_verified_at=utcnow(),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Admin {user.email} created.")


@circle_cli.command("worker")
@click.option("--once", is_flag=True, help="Run every job that is due once, then stop.")
def worker_command(once: bool) -> None:
    """Deliver mail and run the scheduled jobs (reminders, summaries) until stopped."""
    app = current_app._get_current_object()
    if once:
        ran = runner.run_once(app)
        click.echo("Ran: " + (", ".join(name for name, done in ran.items() if done)))
        return
    runner.run_worker(app)


@circle_cli.command("inbox")
@click.option("--host", default=None, help="Address to listen on (INBOX_HOST).")
@click.option("--port", type=int, default=None, help="Port (INBOX_PORT).")
@click.option(
    "--lmtp/--smtp", default=None, help="Speak LMTP instead of SMTP (INBOX_LMTP)."
)
def inbox_command(host: str | None, port: int | None, lmtp: bool | None) -> None:
    """Receive answers from calendar apps (mail for REPLY_DOMAIN) until stopped."""
    config = current_app.config
    host = host or config["INBOX_HOST"]
    port = port or config["INBOX_PORT"]
    lmtp = config["INBOX_LMTP"] if lmtp is None else lmtp
    controller = InboxController(
        current_app._get_current_object(), host=host, port=port, lmtp=lmtp
    )
    controller.start()
    click.echo(
        f"Circle inbox: {'LMTP' if lmtp else 'SMTP'} on {host}:{port} for "
        f"@{config['REPLY_DOMAIN']} (Ctrl+C stops it)",
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@circle_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Remind people of sessions soon (REMINDER_BEFORE_HOURS); safe to repeat.

    The worker does this every 15 minutes; the mail goes out through the outbox.
    """
    sent = send_reminders(now=utcnow())
    db.session.commit()
    click.echo(
        "{reminders} reminders and {changes} change notices sent.".format(**sent)
    )


@circle_cli.command("send-digests")
def send_digests_command() -> None:
    """E-mail everyone their summary now, each item only once (the worker does
    this daily at DIGEST_HOUR)."""
    sent = send_digests(now=utcnow())
    db.session.commit()
    click.echo(f"{sent} digests sent.")


@circle_cli.command("apply-retention")
def apply_retention_command() -> None:
    """Anonymise people whose programmes all ended RETENTION_MONTHS_AFTER_PROGRAMME
    months ago or more (see docs/security.md)."""
    months = current_app.config["RETENTION_MONTHS_AFTER_PROGRAMME"]
    count = apply_retention(now=utcnow(), months=months)
    db.session.commit()
    click.echo(
        f"{count} accounts anonymised (programmes ended over {months} months ago)."
    )
