"""Claiming an organisation grants nothing until a colleague or adviser approves;
a self-registered municipality cannot apply until staff approve it."""

import re

import pytest
import sqlalchemy as sa

from circle.accounts.models import OrganisationStatus, Role, User
from circle.cases.models import Case, ProjectType
from circle.cases.services import index_case
from circle.database import utcnow
from circle.extensions import db as database
from circle.intake.models import Application, ApplicationStatus
from circle.moderation.models import AuditEntry
from circle.notifications.models import Notification, NotificationKind
from circle.organisations import services as organisations
from circle.permissions import can_decide_organisation_member
from tests import factories
from tests.conftest import PASSWORD


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def register(client, **fields):
    data = {
        "name": "Kees Onbekend",
        "email": "kees@onbekend.example",
        "password": "een-lang-wachtwoord",
        "password_confirm": "een-lang-wachtwoord",
        "role": "participant",
        "organisation_name": "Gemeente Stein",
        "organisation_kind": "municipality",
        "province": "Limburg",
        **fields,
    }
    return client.post_form("/register", data)


def user_with(email: str) -> User:
    return database.session.scalar(sa.select(User).filter_by(email=email))


def confirm(client, outbox, email):
    mail = next(m for m in reversed(outbox) if m["To"].addresses[0].addr_spec == email)
    path = re.search(r"http://localhost(/verify/\S+)", text_of(mail))[1]
    assert client.post_form(path).status_code == 302


@pytest.fixture
def stein(db, programme, group, adviser, make_user, add_member):
    """An accepted municipality with a member, a case, programme-wide threads."""
    member = make_user(Role.PARTICIPANT, name="Jeroen Smeets")
    organisation = member.organisation
    organisation.name = "Gemeente Stein"
    application = factories.application(
        programme, organisation, applicant=member, status=ApplicationStatus.ACCEPTED
    )
    case = Case(
        programme=programme,
        organisation=organisation,
        application=application,
        project_type=ProjectType.INITIATIVES_DESK,
        title="Initiatievenloket Stein",
    )
    db.session.add(case)
    db.session.flush()
    index_case(case)
    add_member(group, member)
    thread = factories.thread(programme, None, by=adviser, title="Voor iedereen")
    db.session.commit()
    return {
        "member": member,
        "application": application,
        "case": case,
        "thread": thread,
    }


def test_a_stranger_claiming_a_municipality_gets_nothing_until_approved(
    app, client, db, stein, adviser, outbox
):
    register(client)
    stranger = db.session.scalar(
        sa.select(User).filter_by(email="kees@onbekend.example")
    )
    assert stranger.organisation_status == OrganisationStatus.PENDING
    # Nobody is asked about an address that may be a typo.
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    confirm(client, outbox, "kees@onbekend.example")
    for path in (
        f"/applications/{stein['application'].id}",
        f"/applications/{stein['application'].id}/edit",
        f"/cases/{stein['case'].id}",
        f"/threads/{stein['thread'].id}",
        f"/programmes/{stein['application'].programme_id}/threads",
    ):
        assert client.get(path).status_code in (403, 404), path
    withdraw = client.post_form(f"/applications/{stein['application'].id}/withdraw")
    assert withdraw.status_code in (403, 404)
    case_link = f'href="/cases/{stein["case"].id}"'
    found = client.get("/search?q=Initiatievenloket").get_data(as_text=True)
    assert case_link not in found

    # The colleague and the programme's adviser are told, in Circle and by mail.
    told = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.kind == NotificationKind.ORGANISATION_REQUEST,
                Notification.person_id == stranger.id,
            )
        )
    )
    assert told == {stein["member"].id, adviser.id}
    colleague = app.test_client()
    colleague.post_form(
        "/login", {"email": stein["member"].email, "password": PASSWORD}
    )
    page = colleague.get("/organisations/requests").get_data(as_text=True)
    assert "kees@onbekend.example" in page
    colleague.post_form(
        f"/organisations/members/{stranger.id}/decide", {"approve": "1"}
    )
    for path in (
        f"/applications/{stein['application'].id}",
        f"/cases/{stein['case'].id}",
        f"/threads/{stein['thread'].id}",
    ):
        assert client.get(path).status_code == 200, path
    assert case_link in client.get("/search?q=Initiatievenloket").get_data(as_text=True)
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.action == "organisation.member.approve"
    assert (
        entry.actor_id == stein["member"].id and entry.subject == f"user:{stranger.id}"
    )
    assert any("namens" in str(m["Subject"]) for m in outbox if
               m["To"].addresses[0].addr_spec == "kees@onbekend.example")  # fmt: skip


def test_declining_needs_a_reason_and_is_told_and_logged(
    app, client, db, stein, adviser, login, outbox
):
    register(client)
    confirm(client, outbox, "kees@onbekend.example")
    stranger = db.session.scalar(
        sa.select(User).filter_by(email="kees@onbekend.example")
    )
    staff = app.test_client()
    login(adviser, test_client=staff)
    url = f"/organisations/members/{stranger.id}/decide"
    staff.post_form(url, {"decline": "1"})
    db.session.refresh(stranger)
    assert stranger.organisation_status == OrganisationStatus.PENDING
    staff.post_form(url, {"decline": "1", "reason": "Onbekend bij de gemeente."})
    db.session.refresh(stranger)
    assert stranger.organisation_status == OrganisationStatus.DECLINED
    assert client.get(f"/applications/{stein['application'].id}").status_code == 404
    mail = next(m for m in reversed(outbox) if "afgewezen" in str(m["Subject"]))
    assert "Onbekend bij de gemeente." in text_of(mail)
    assert (
        db.session.scalar(sa.select(AuditEntry.reason)) == "Onbekend bij de gemeente."
    )
    # Deciding twice is refused.
    staff.post_form(url, {"approve": "1"})
    db.session.refresh(stranger)
    assert stranger.organisation_status == OrganisationStatus.DECLINED


def test_only_approvers_decide(app, client, db, stein, make_user, login, outbox):
    register(client)
    confirm(client, outbox, "kees@onbekend.example")
    stranger = db.session.scalar(
        sa.select(User).filter_by(email="kees@onbekend.example")
    )
    outsider = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=outsider)
    url = f"/organisations/members/{stranger.id}/decide"
    assert outsider.post_form(url, {"approve": "1"}).status_code == 404
    assert client.post_form(url, {"approve": "1"}).status_code == 404  # not oneself
    db.session.refresh(stranger)
    assert stranger.organisation_status == OrganisationStatus.PENDING


def test_the_request_list_is_exactly_what_the_rule_allows(
    db, stein, admin, adviser, make_user, programme
):
    pending = [
        make_user(
            organisation=stein["member"].organisation,
            organisation_status=OrganisationStatus.PENDING,
        ),
        make_user(organisation_status=OrganisationStatus.PENDING),  # elsewhere
    ]
    other_adviser = make_user(Role.ADVISER)
    for person in (admin, adviser, other_adviser, stein["member"], *pending):
        listed = set(organisations.pending_members_for(person))
        allowed = {p for p in pending if can_decide_organisation_member(person, p)}
        assert listed == allowed, person.name
        assert organisations.waiting_count(person) == len(allowed)


def test_a_new_municipality_applies_only_after_staff_approve(
    app, client, db, programme, adviser, login, outbox
):
    register(
        client,
        email="noor@beekdaelen.example",
        organisation_name="Gemeente Beekdaelen",
    )
    confirm(client, outbox, "noor@beekdaelen.example")
    assert client.get(f"/programmes/{programme.id}/apply").status_code == 403
    noor = db.session.scalar(sa.select(User).filter_by(email="noor@beekdaelen.example"))
    organisation = noor.organisation
    staff = app.test_client()
    login(adviser, test_client=staff)
    assert "Gemeente Beekdaelen" in staff.get("/organisations/requests").get_data(
        as_text=True
    )
    staff.post_form(f"/organisations/{organisation.id}/decide", {"approve": "1"})
    assert client.get(f"/programmes/{programme.id}/apply").status_code == 200
    anyone = app.test_client()
    login(factories_user(db), test_client=anyone)
    refused = anyone.post_form(
        f"/organisations/{organisation.id}/decide", {"approve": "1"}
    )
    assert refused.status_code == 403


def factories_user(db):
    person = factories.user(Role.PARTICIPANT)
    db.session.commit()
    return person


def test_withdrawing_tells_the_advisers_who_can_reopen(
    app, client, db, programme, adviser, participant, login, outbox
):
    application = factories.application(
        programme, participant.organisation, applicant=participant
    )
    db.session.commit()
    login(participant)
    client.post_form(f"/applications/{application.id}/withdraw")
    told = [m for m in outbox if m["To"].addresses[0].addr_spec == adviser.email]
    assert len(told) == 1 and "ingetrokken" in str(told[0]["Subject"])
    assert client.post_form(f"/applications/{application.id}/reopen").status_code == 403
    staff = app.test_client()
    login(adviser, test_client=staff)
    staff.post_form(
        f"/applications/{application.id}/reopen", {"reason": "Per ongeluk ingetrokken."}
    )
    db.session.refresh(application)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.events[-1].note == "Per ongeluk ingetrokken."


def test_reopening_is_refused_when_another_application_is_open(
    db, programme, adviser, participant
):
    from circle.errors import ServiceError
    from circle.intake.services import reopen_application

    old = factories.application(
        programme, participant.organisation, status=ApplicationStatus.WITHDRAWN
    )
    factories.application(programme, participant.organisation)
    db.session.commit()
    with pytest.raises(ServiceError, match="another open application|andere open"):
        reopen_application(old, reason="", by=adviser, now=utcnow())
    assert db.session.get(Application, old.id).status == ApplicationStatus.WITHDRAWN
