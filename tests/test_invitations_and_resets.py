"""Invitations and password resets: one-time links that expire."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from circle.accounts import invitations as services
from circle.accounts import sessions
from circle.accounts.models import Invitation, Role, User, hash_token
from circle.accounts.services import OrganisationChoice
from circle.database import utcnow
from tests.conftest import PASSWORD

LINK = re.compile(r"http://localhost(/\S+)")


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return LINK.search(text).group(1)


def invite(client, **overrides):
    data = {
        "email": "nieuw@meppel.example",
        "name": "Anouk Mulder",
        "role": "participant",
        "organisation": "0",
        "new_organisation_name": "Gemeente Meppel",
        "new_organisation_kind": "municipality",
        "new_organisation_province": "Drenthe",
    }
    data.update(overrides)
    return client.post_form("/invitations", data)


def accept(client, path, name="Anouk Mulder"):
    return client.post_form(
        path,
        {
            "name": name,
            "password": "nieuw-wachtwoord",
            "password_confirm": "nieuw-wachtwoord",
        },
    )


def test_adviser_invites_participant_who_accepts(
    app, client, db, adviser, login, outbox
):
    login(adviser)
    response = invite(client)
    assert response.status_code == 302
    assert len(outbox) == 1
    message = outbox[0]
    assert message["To"] == "Anouk Mulder <nieuw@meppel.example>"
    path = link_in(message)
    assert path.startswith("/invite/")
    # The link is stored only as a digest.
    assert path.rsplit("/", 1)[1] not in {
        i.token_hash for i in db.session.scalars(sa.select(Invitation))
    }

    invitee = app.test_client()
    assert "Anouk Mulder" in invitee.get(path).get_data(as_text=True)
    assert accept(invitee, path).status_code == 302
    user = db.session.scalar(sa.select(User).filter_by(email="nieuw@meppel.example"))
    assert user.role == Role.PARTICIPANT
    assert user.organisation.name == "Gemeente Meppel"
    assert invitee.get("/home").status_code == 200

    # A second use of the same link is refused and creates nothing.
    again = app.test_client()
    response = accept(again, path, name="Someone Else")
    assert response.status_code == 410
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_expired_invitation_is_refused(app, db, adviser):
    past = utcnow() - timedelta(days=30)
    services.invite_person(
        email="laat@example.org",
        role=Role.PARTICIPANT,
        organisation=OrganisationChoice(
            new_name="Gemeente Laat", new_kind="municipality"
        ),
        name=None,
        by=adviser,
        now=past,
    )
    db.session.commit()
    invitation = db.session.scalar(sa.select(Invitation))
    token = "expired-token-for-test"
    invitation.token_hash = hash_token(token)
    db.session.commit()
    client = app.test_client()
    response = client.get(f"/invite/{token}", headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert "no longer valid" in response.get_data(as_text=True)
    assert accept(client, f"/invite/{token}").status_code == 410
    assert (
        db.session.scalar(sa.select(User).filter_by(email="laat@example.org")) is None
    )


def test_unknown_invitation_token_is_refused(client):
    assert client.get("/invite/not-a-real-token").status_code == 410


@pytest.mark.parametrize("role", ["participant", "initiator"])
def test_members_cannot_invite(client, make_user, login, role, outbox):
    login(make_user(Role(role)))
    assert client.get("/invitations").status_code == 403
    assert invite(client).status_code == 403
    assert outbox == []


def test_adviser_cannot_invite_staff_but_admin_can(
    app, client, db, adviser, admin, login, outbox
):
    login(adviser)
    invite(client, role="adviser", organisation="0", new_organisation_name="")
    invite(client, role="admin", organisation="0", new_organisation_name="")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    admin_client = app.test_client()
    login(admin, test_client=admin_client)
    response = invite(
        admin_client,
        email="tweede@adviseur.example",
        role="adviser",
        organisation="0",
        new_organisation_name="",
    )
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.role == Role.ADVISER and invitation.organisation is None
    assert len(outbox) == 1


def test_invitation_to_existing_account_is_refused(
    client, db, adviser, participant, login
):
    login(adviser)
    response = invite(client, email=participant.email.upper())
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_invitation_can_be_withdrawn_by_its_sender_only(
    app, client, db, adviser, make_user, login
):
    login(adviser)
    invite(client)
    invitation = db.session.scalar(sa.select(Invitation))
    other = app.test_client()
    login(make_user(Role.ADVISER), test_client=other)
    assert other.post_form(f"/invitations/{invitation.id}/revoke").status_code == 403
    assert client.post_form(f"/invitations/{invitation.id}/revoke").status_code == 302
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    assert not invitation.is_usable(utcnow())


def test_password_reset_flow_single_use(app, client, db, participant, outbox):
    response = client.post_form("/password/forgot", {"email": participant.email})
    assert response.status_code == 302
    assert len(outbox) == 1 and outbox[0]["To"].endswith(f"<{participant.email}>")
    path = link_in(outbox[0])
    data = {"password": "brand-new-password", "password_confirm": "brand-new-password"}
    assert client.post_form(path, data).status_code == 302
    db.session.refresh(participant)
    assert participant.check_password("brand-new-password")
    assert client.post_form(path, data).status_code == 410


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(
    client, outbox
):
    response = client.post_form(
        "/password/forgot", {"email": "niemand@example.org"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert outbox == []


def test_password_reset_token_expires(app, db, participant):
    sessions.request_password_reset(
        participant.email, now=utcnow() - timedelta(hours=2)
    )
    db.session.commit()
    from circle.accounts.models import PasswordReset

    reset = db.session.scalar(sa.select(PasswordReset))
    reset.token_hash = hash_token("old-token")
    db.session.commit()
    client = app.test_client()
    assert client.get("/password/reset/old-token").status_code == 410
    data = {"password": "brand-new-password", "password_confirm": "brand-new-password"}
    assert client.post_form("/password/reset/old-token", data).status_code == 410
    db.session.refresh(participant)
    assert participant.check_password(PASSWORD)


def test_using_one_reset_link_invalidates_the_others(client, db, participant, outbox):
    client.post_form("/password/forgot", {"email": participant.email})
    client.post_form("/password/forgot", {"email": participant.email})
    first, second = (link_in(message) for message in outbox)
    data = {"password": "brand-new-password", "password_confirm": "brand-new-password"}
    assert client.post_form(second, data).status_code == 302
    assert client.get(first).status_code == 410


def test_invitation_mail_is_in_the_inviters_language(
    client, db, adviser, login, outbox
):
    adviser.language = "en"
    db.session.commit()
    login(adviser)
    invite(client)
    assert "invites you to Circle" in outbox[0]["Subject"]


def test_nothing_is_mailed_when_the_transaction_rolls_back(app, db, adviser, outbox):
    services.invite_person(
        email="weg@example.org",
        role=Role.INITIATOR,
        organisation=OrganisationChoice(
            new_name="Initiatief Weg", new_kind="initiative"
        ),
        name=None,
        by=adviser,
        now=utcnow(),
    )
    db.session.rollback()
    db.session.commit()
    assert outbox == []
