"""Registration, login, logout, remember-me, profile, export and deletion."""

import io
import json
import re
import zipfile

import sqlalchemy as sa

from circle.accounts.models import Organisation, OrganisationStatus, Role, User
from tests.conftest import PASSWORD


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def registration(**overrides):
    data = {
        "name": "Jeroen Smeets",
        "email": "Jeroen.Smeets@Stein.example",
        "password": "een-lang-wachtwoord",
        "password_confirm": "een-lang-wachtwoord",
        "role": "participant",
        "organisation_name": "Gemeente Stein",
        "organisation_kind": "municipality",
        "province": "Limburg",
    }
    data.update(overrides)
    return data


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost(/\S+)", text).group(1)


def test_register_then_confirm_the_address_then_log_in(client, db, outbox):
    response = client.post_form("/register", registration())
    assert response.headers["Location"] == "/register/sent"
    user = db.session.scalar(sa.select(User))
    assert user.email == "jeroen.smeets@stein.example"
    assert user.role == Role.PARTICIPANT and not user.is_verified
    assert user.organisation.name == "Gemeente Stein"
    assert user.organisation.province == "Limburg"
    assert not user.organisation.is_approved  # a new municipality waits for staff
    assert user.organisation_status == OrganisationStatus.ACTIVE
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    assert client.get("/home").status_code == 302  # not logged in yet
    (mail,) = outbox
    link = link_in(mail)
    # Opening the link changes nothing (mail scanners open links); the button does.
    assert "Bevestig" in client.get(link).get_data(as_text=True)
    db.session.refresh(user)
    assert not user.is_verified
    assert client.post_form(link).headers["Location"] == "/home"
    db.session.refresh(user)
    assert user.is_verified
    assert client.get("/home").status_code == 200


def test_register_keeps_the_language_the_visitor_picked(client, db):
    client.post_form("/language", {"language": "en"}, headers={"Accept-Language": "nl"})
    client.post_form("/register", registration(), headers={"Accept-Language": "nl"})
    assert db.session.scalar(sa.select(User)).language == "en"


def test_naming_an_existing_organisation_is_a_request(client, db, make_organisation):
    stein = make_organisation("Gemeente Stein")
    client.post_form("/register", registration(organisation_name="gemeente stein"))
    user = db.session.scalar(sa.select(User))
    assert user.organisation == stein
    assert user.organisation_status == OrganisationStatus.PENDING
    assert count(db, Organisation) == 1


def test_registering_an_existing_address_answers_the_same_and_tells_the_owner(
    client, db, participant, outbox
):
    fresh = client.post_form("/register", registration(email="nieuw@example.org"))
    taken = client.post_form("/register", registration(email=participant.email.upper()))
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert count(db, User) == 2  # the participant and the new address only
    owner = participant.email
    (told,) = [m for m in outbox if m["To"].addresses[0].addr_spec == owner]
    assert "/password/forgot" in told.get_body(("plain",)).get_content()


def test_login_and_logout(client, participant, login):
    login(participant)
    assert client.get("/home").status_code == 200
    assert (
        client.get("/logout").status_code == 405
    )  # logging out changes state: POST only
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/home").status_code == 302


def test_login_wrong_password_shows_message(client, participant):
    response = client.post_form(
        "/login",
        {"email": participant.email, "password": "not-the-password"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "The e-mail address or password is not correct." in response.get_data(
        as_text=True
    )
    assert client.get("/home").status_code == 302


def test_login_is_case_insensitive_and_follows_only_local_next(client, participant):
    data = {"email": participant.email.upper(), "password": PASSWORD}
    response = client.post_form("/login?next=/profile", data)
    assert response.headers["Location"] == "/profile"
    client.post_form("/logout")
    response = client.post_form("/login?next=https://evil.example/", data)
    assert response.headers["Location"] == "/home"


def test_deleted_account_cannot_log_in(client, db, participant):
    participant.is_active_account = False
    db.session.commit()
    response = client.post_form(
        "/login", {"email": participant.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get("/home").status_code == 302


def test_remember_me_survives_the_end_of_the_browser_session(app, participant, login):
    browser = app.test_client()
    login(participant, remember=True, test_client=browser)
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()  # a new browser session: no session cookie
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/home").status_code == 200


def test_without_remember_me_no_cookie_is_set(app, participant, login):
    browser = app.test_client()
    login(participant, test_client=browser)
    assert browser.get_cookie("remember_token") is None


def test_password_change_ends_other_sessions(app, participant, login):
    laptop = app.test_client()
    phone = app.test_client()
    login(participant, remember=True, test_client=laptop)
    login(participant, test_client=phone)
    old_remember = laptop.get_cookie("remember_token").value
    response = laptop.post_form(
        "/profile/password",
        {
            "current_password": PASSWORD,
            "password": "a-new-long-password",
            "password_confirm": "a-new-long-password",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/home").status_code == 200  # this device stays logged in
    assert phone.get("/home").status_code == 302
    stolen = app.test_client()  # a remember-me cookie from before the change
    stolen.set_cookie("remember_token", old_remember)
    assert stolen.get("/home").status_code == 302


def test_change_password_refuses_wrong_current_password(client, db, participant, login):
    login(participant)
    old_hash = participant.password_hash
    response = client.post_form(
        "/profile/password",
        {
            "current_password": "wrong-password",
            "password": "a-new-long-password",
            "password_confirm": "a-new-long-password",
        },
        headers={"Accept-Language": "en"},
    )
    assert "Your current password is not correct." in response.get_data(as_text=True)
    db.session.refresh(participant)
    assert participant.password_hash == old_hash


def test_profile_update_and_language_preference(client, db, participant, login):
    login(participant)
    response = client.post_form(
        "/profile", {"name": "Petra de Vries", "language": "en"}
    )
    assert response.status_code == 302
    db.session.refresh(participant)
    assert participant.name == "Petra de Vries"
    assert participant.language == "en"
    page = client.get("/profile", headers={"Accept-Language": "nl"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_profile_refuses_unknown_language(client, db, participant, login):
    login(participant)
    client.post_form("/profile", {"name": "Someone Else", "language": "de"})
    db.session.refresh(participant)
    assert participant.name != "Someone Else"


def test_export_contains_personal_data(client, participant, login):
    login(participant)
    response = client.get("/profile/export.zip")
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        data = json.loads(archive.read("circle-my-data.json"))
    assert data["account"]["email"] == participant.email
    assert "password_hash" not in data["account"]
    assert data["account"]["organisation_id"] == participant.organisation_id


def test_delete_account_anonymises_and_logs_out(client, db, participant, login):
    login(participant)
    email = participant.email
    response = client.post_form(
        "/profile/delete", {"password": PASSWORD, "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.refresh(participant)
    assert participant.deleted_at is not None
    assert participant.email != email and participant.name == ""
    assert participant.password_hash is None
    assert client.get("/home").status_code == 302
    response = client.post_form("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200


def test_delete_account_requires_password_and_confirmation(
    client, db, participant, login
):
    login(participant)
    client.post_form("/profile/delete", {"password": "wrong-password", "confirm": "y"})
    client.post_form("/profile/delete", {"password": PASSWORD})
    db.session.refresh(participant)
    assert participant.deleted_at is None


def test_last_admin_cannot_delete_account(client, db, admin, login):
    login(admin)
    response = client.post_form(
        "/profile/delete",
        {"password": PASSWORD, "confirm": "y"},
        headers={"Accept-Language": "en"},
    )
    assert "You are the only admin" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.deleted_at is None


def test_logged_in_people_are_sent_home_from_login_and_register(
    client, participant, login
):
    login(participant)
    assert client.get("/login").headers["Location"] == "/home"
    assert client.get("/register").headers["Location"] == "/home"
