"""CLI commands, the demo data, and real SMTP delivery."""

import email
import email.policy

import sqlalchemy as sa

from circle.accounts.models import Role, User
from circle.demo import DEMO_PASSWORD
from circle.extensions import db as database
from circle.mail import Alternative, Attachment, build_message, queue_mail
from tests.conftest import make_test_app, running

README_LOGINS = {
    "admin@example.org": Role.ADMIN,
    "adviseur@example.org": Role.ADVISER,
    "gemeente@example.org": Role.PARTICIPANT,
    "initiatief@example.org": Role.INITIATOR,
}


def count_users(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_seed_demo_is_idempotent(runner, db):
    first = runner.invoke(args=["circle", "seed-demo"])
    assert first.exit_code == 0, first.output
    users = count_users(db)
    assert users >= 10
    second = runner.invoke(args=["circle", "seed-demo"])
    assert "0 organisations, 0 people and 0 programmes added" in second.output
    assert count_users(db) == users


def test_seed_demo_if_empty_leaves_existing_data_alone(runner, db, participant):
    result = runner.invoke(args=["circle", "seed-demo", "--if-empty"])
    assert "not loaded" in result.output
    assert count_users(db) == 1


def test_demo_logins_from_the_readme_work(app, runner, db):
    runner.invoke(args=["circle", "seed-demo"])
    for email_address, role in README_LOGINS.items():
        user = db.session.scalar(sa.select(User).filter_by(email=email_address))
        assert user.role == role
        client = app.test_client()
        response = client.post_form(
            "/login", {"email": email_address, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, email_address
    stein = db.session.scalar(sa.select(User).filter_by(email="gemeente@example.org"))
    assert stein.organisation.name == "Gemeente Stein"


def test_create_admin(runner, db):
    result = runner.invoke(
        args=[
            "circle",
            "create-admin",
            "--email",
            "Office@Example.org",
            "--name",
            "Office",
        ],
        input="long-enough-password\nlong-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).filter_by(email="office@example.org"))
    assert user.role == Role.ADMIN and user.check_password("long-enough-password")
    again = runner.invoke(
        args=["circle", "create-admin", "--email", "office@example.org", "--name", "X"],
        input="long-enough-password\nlong-enough-password\n",
    )
    assert again.exit_code != 0 and "exists already" in again.output


def test_mail_goes_through_a_real_smtp_server(smtp_server):
    controller, collector = smtp_server
    app = make_test_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with running(app):
        message = build_message(
            "jeroen@stein.example",
            "Uitnodiging",
            "Tekst",
            "<p>Tekst</p>",
            alternatives=[
                Alternative(
                    "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                    "calendar",
                    {"method": "REQUEST"},
                )
            ],
            attachments=[
                Attachment(
                    "invite.ics",
                    b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                    "text",
                    "calendar",
                )
            ],
        )
        queue_mail(database.session, message)
        database.session.commit()  # the worker's code delivers it (tests: at once)
    assert len(collector.envelopes) == 1
    envelope = collector.envelopes[0]
    assert envelope.rcpt_tos == ["jeroen@stein.example"]
    parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert parsed["Subject"] == "Uitnodiging"
    types = [part.get_content_type() for part in parsed.walk()]
    assert "text/plain" in types and "text/html" in types and "text/calendar" in types
    calendar = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    assert any(part.get_filename() == "invite.ics" for part in parsed.walk())


def test_mail_waits_for_the_real_commit_not_a_savepoint(app, db, outbox):
    from circle.mail import queue_mail

    queue_mail(db.session, build_message("a@example.org", "Onderwerp", "Tekst"))
    with db.session.begin_nested():
        pass  # releasing a SAVEPOINT is not the end of the transaction
    assert outbox == []
    db.session.commit()
    assert len(outbox) == 1
