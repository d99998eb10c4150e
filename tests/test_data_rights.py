"""The person's rights (AVG/GDPR): a download with every row about them, deletion
that frees what they held, retention for programmes that ended long ago."""

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from circle.accounts.models import Role, User
from circle.boards import services as boards
from circle.database import utcnow
from circle.groups.models import Membership, MembershipStatus
from circle.intake.models import ApplicationStatus
from circle.meetings.answers import respond
from circle.meetings.models import Answer, Rsvp
from circle.moderation import services as audit
from circle.privacy.services import user_columns
from circle.threads import services as threads
from circle.threads.files import Upload
from tests import factories
from tests.conftest import PASSWORD, calendar_parts

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def download(client) -> tuple[dict, zipfile.ZipFile]:
    response = client.get("/profile/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    return json.loads(archive.read("circle-my-data.json")), archive


def test_the_download_holds_every_row_about_the_person(
    app, client, db, programme, group, adviser, login
):
    person = factories.user(Role.PARTICIPANT, name="Jeroen Smeets")
    factories.membership(group, person)
    factories.application(programme, person.organisation, applicant=person)
    meeting = factories.meeting(programme, group, by=adviser)
    respond(meeting, person, Answer.GOING, now=utcnow())
    thread = factories.thread(programme, group, by=person)
    post = threads.reply(
        thread,
        threads.PostData("Met bijlage", [Upload("nota.pdf", PDF)]),
        by=person,
        now=utcnow(),
    )
    post.is_hidden = True  # hidden posts are theirs too
    board = factories.board(meeting, by=adviser)
    card = factories.card(board, by=person, text="Begin klein")
    boards.toggle_vote(board, card.id, by=person, now=utcnow())
    audit.record(
        "post.hide",
        f"user:{person.id}",
        by=adviser,
        programme_id=programme.id,
        group_id=group.id,
        now=utcnow(),
    )
    db.session.commit()
    login(person)  # a login session is data about them too
    data, archive = download(client)

    assert data["account"]["email"] == person.email
    assert "password_hash" not in data["account"]
    for table, columns in user_columns().items():
        expected = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(db.metadata.tables[table])
            .where(sa.or_(*(column == person.id for column in columns)))
        )
        if table == "users":
            continue  # the account itself is under "account"
        if table == "audit_entries":
            # Also the decisions about them (the subject names them).
            expected += db.session.scalar(
                sa.select(sa.func.count()).where(
                    db.metadata.tables[table].c.subject == f"user:{person.id}"
                )
            )
        assert len(data["tables"].get(table, [])) == expected, table
    for must_have in (
        "memberships",
        "applications",
        "rsvps",
        "posts",
        "attachments" if "attachments" in user_columns() else "posts",
        "cards",
        "card_votes",
        "subscriptions",
        "login_sessions",
    ):
        assert data["tables"].get(must_have), must_have
    assert any(row["body"] == "Met bijlage" for row in data["tables"]["posts"])
    assert [row["subject"] for row in data["tables"]["audit_entries"]] == [
        f"user:{person.id}"
    ]
    (attached,) = data["files"]
    assert archive.read(attached["file"]) == PDF
    for row in data["tables"]["login_sessions"]:
        assert "token_hash" not in row


def test_a_new_table_with_a_user_column_is_in_the_download_by_itself():
    tables = user_columns()
    # Every table that points at a person, found from the schema, not a list.
    assert {"rsvps", "memberships", "card_votes", "notifications"} <= set(tables)
    assert all(
        any(key.column.table.name == "users" for key in column.foreign_keys)
        for columns in tables.values()
        for column in columns
    )


def test_deleting_an_account_frees_its_place_and_leaves_its_groups(
    app, client, db, programme, group, adviser, login, outbox
):
    leaving = factories.user(name="Vertrekt")
    waiting = factories.user(name="Wacht")
    for person in (leaving, waiting):
        factories.membership(group, person)
    meeting = factories.meeting(programme, group, by=adviser, capacity=1)
    respond(meeting, leaving, Answer.GOING, now=utcnow())
    assert respond(meeting, waiting, Answer.GOING, now=utcnow()).is_waitlisted
    db.session.commit()
    login(leaving)
    address = leaving.email
    outbox.clear()
    client.post_form("/profile/delete", {"password": PASSWORD, "confirm": "y"})
    rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.user_id == waiting.id))
    assert rsvp.has_place
    # The one who left: a CANCEL, so the session leaves their calendar; the
    # first on the waitlist: their place.
    mailed = {m["To"].addresses[0].addr_spec: m for m in outbox}
    assert sorted(mailed) == sorted([address, waiting.email])
    assert "METHOD:CANCEL" in calendar_parts(mailed[address])[0][0].get_content()
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == leaving.id)
    )
    assert membership.status == MembershipStatus.LEFT
    gone = db.session.get(User, leaving.id)
    db.session.refresh(gone)
    assert gone.name == "" and gone.deleted_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(
        Rsvp.user_id == leaving.id)) == 0  # fmt: skip


def test_retention_anonymises_people_of_programmes_that_ended_long_ago(
    app, db, admin, runner
):
    old = factories.programme(
        by=admin,
        name="Oud traject",
        starts_on=date(2020, 1, 1),
        ends_on=date(2021, 1, 1),
    )
    current = factories.programme(by=admin, name="Nu")
    old_group = factories.group(old, by=admin, name="Oude groep")
    new_group = factories.group(current, by=admin, name="Nieuwe groep")
    only_old = factories.user(name="Alleen oud")
    both = factories.user(name="Oud en nieuw")
    adviser = factories.user(Role.ADVISER, name="Adviseur")
    applicant = factories.user(name="Aanmelder")
    factories.membership(old_group, only_old)
    factories.membership(old_group, both)
    factories.membership(new_group, both)
    factories.membership(old_group, adviser)
    factories.application(
        old, applicant.organisation, status=ApplicationStatus.DECLINED
    )
    db.session.commit()
    app.config["RETENTION_MONTHS_AFTER_PROGRAMME"] = 24
    result = runner.invoke(args=["circle", "apply-retention"])
    assert result.exit_code == 0 and result.output.startswith("2 accounts")
    for person, anonymised in [
        (only_old, True),
        (applicant, True),
        (both, False),
        (adviser, False),
    ]:
        db.session.refresh(person)
        assert (person.deleted_at is not None) is anonymised, person.id


def test_retention_keeps_people_until_the_months_have_passed(app, db, admin):
    from circle.privacy.services import expired_people

    ended = date(2026, 1, 31)
    programme = factories.programme(
        by=admin, name="Net voorbij", starts_on=date(2025, 1, 1), ends_on=ended
    )
    group = factories.group(programme, by=admin)
    person = factories.user()
    factories.membership(group, person)
    db.session.commit()
    soon = datetime(2026, 12, 1, tzinfo=UTC)
    later = datetime(2028, 3, 1, tzinfo=UTC)
    assert expired_people(now=soon, months=12) == []
    assert expired_people(now=later, months=24) == [person]
    assert expired_people(now=later - timedelta(days=60), months=24) == []


def test_retention_runs_daily_by_itself(app, db, admin):
    from circle.jobs.schedule import JOBS
    from circle.privacy.services import retention_job

    (job,) = [job for job in JOBS if job.name == "retention"]
    assert job.run is retention_job
    old = factories.programme(
        by=admin,
        name="Lang geleden",
        starts_on=date(2020, 1, 1),
        ends_on=date(2021, 1, 1),
    )
    person = factories.user()
    factories.membership(factories.group(old, by=admin), person)
    db.session.commit()
    app.config["RETENTION_MONTHS_AFTER_PROGRAMME"] = 24
    assert retention_job(now=utcnow()) == 1
