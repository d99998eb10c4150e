"""Logging in and out as an attacker would try it: replayed cookies, guessing,
open redirects, links that change state, unverified addresses, two factors."""

import re
import uuid

import pyotp
import pytest
import sqlalchemy as sa
from flask_login.config import COOKIE_NAME

from circle.accounts import sessions
from circle.accounts.models import LoginSession, RecoveryCode, Role, User
from circle.extensions import db as database
from circle.mail import mail_person, message_sent
from tests import factories
from tests.conftest import PASSWORD, make_test_app, running, service_url


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, path: str = "/") -> str:
    return re.search(
        r"http://localhost(" + re.escape(path) + r"\S*)", text_of(message)
    )[1]


def cookie_values(client) -> dict[str, str]:
    return {
        name: client.get_cookie(name).value
        for name in ("session", COOKIE_NAME)
        if client.get_cookie(name) is not None
    }


def replay(app, cookies: dict[str, str]):
    """A fresh browser that presents copied cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/home")


# -- sessions end on the server ------


def test_a_session_or_remember_cookie_replayed_after_logout_is_refused(
    app, client, participant, login
):
    login(participant, remember=True)
    copied = cookie_values(client)
    assert set(copied) == {"session", COOKIE_NAME}
    assert replay(app, copied).status_code == 200  # the copy works while logged in
    client.post_form("/logout")
    assert replay(app, copied).status_code == 302
    assert replay(app, {COOKIE_NAME: copied[COOKIE_NAME]}).status_code == 302
    assert replay(app, {"session": copied["session"]}).status_code == 302


def test_a_password_change_ends_every_copy_but_keeps_this_browser(
    app, participant, login
):
    laptop, phone = app.test_client(), app.test_client()
    login(participant, remember=True, test_client=laptop)
    login(participant, test_client=phone)
    copied = cookie_values(laptop)
    response = laptop.post_form(
        "/profile/password",
        {
            "current_password": PASSWORD,
            "password": "a-new-long-password",
            "password_confirm": "a-new-long-password",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/home").status_code == 200
    assert phone.get("/home").status_code == 302
    assert replay(app, copied).status_code == 302
    assert replay(app, {COOKIE_NAME: copied[COOKIE_NAME]}).status_code == 302


def test_reset_links_die_when_the_password_changes_by_any_route(
    app, client, db, participant, login, outbox
):
    client.post_form("/password/forgot", {"email": participant.email})
    link = link_in(outbox[-1], "/password/reset/")
    login(participant)
    client.post_form(
        "/profile/password",
        {
            "current_password": PASSWORD,
            "password": "a-new-long-password",
            "password_confirm": "a-new-long-password",
        },
    )
    assert app.test_client().get(link).status_code == 410


def test_a_reset_signs_out_everywhere(app, db, participant, login, outbox):
    browser = app.test_client()
    login(participant, test_client=browser)
    stranger = app.test_client()
    stranger.post_form("/password/forgot", {"email": participant.email})
    path = link_in(outbox[-1], "/password/reset/")
    response = stranger.post_form(
        path,
        {"password": "a-new-long-password", "password_confirm": "a-new-long-password"},
    )
    assert response.status_code == 302
    assert browser.get("/home").status_code == 302
    open_rows = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginSession)
        .where(LoginSession.user_id == participant.id, LoginSession.ended_at.is_(None))
    )
    assert open_rows == 0


def test_the_profile_lists_the_sessions_and_ends_the_others(app, participant, login):
    laptop, phone = app.test_client(), app.test_client()
    login(participant, test_client=laptop)
    login(participant, test_client=phone)
    page = laptop.get("/profile").get_data(as_text=True)
    assert page.count("dit apparaat") == 1
    laptop.post_form("/profile/sessions/end-others")
    assert laptop.get("/home").status_code == 200
    assert phone.get("/home").status_code == 302


# -- throttling that fits a meeting room ------


@pytest.fixture
def mails():
    """Mail delivered by the limited app (the `outbox` fixture would make a second
    app, and the limiter is configured by the newest app)."""
    sent = []

    def record(sender, message, **extra):
        sent.append(message)

    message_sent.connect(record)
    yield sent
    message_sent.disconnect(record)


@pytest.fixture(params=["memory", "redis"])
def limited_app(request):
    storage = "memory://"
    if request.param == "redis":
        storage = service_url("TEST_REDIS_URL")
    app = make_test_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_KEY_PREFIX=f"circle-test-{uuid.uuid4().hex}",
    )
    with running(app):
        yield app


def attempt(client, email: str, password: str, address: str, **kwargs):
    return client.post_form(
        "/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


def test_sixty_people_behind_one_address_all_log_in(limited_app):
    people = [factories.user() for _ in range(60)]
    database.session.commit()
    room = "192.0.2.10"
    codes = [
        attempt(limited_app.test_client(), person.email, PASSWORD, room).status_code
        for person in people
    ]
    assert codes == [302] * 60


def test_twenty_wrong_passwords_from_twenty_addresses_lock_the_account(
    limited_app, mails
):
    owner = factories.user(email="wethouder@stein.example")
    database.session.commit()
    codes = [
        attempt(
            limited_app.test_client(), owner.email, "wrong-guess", f"198.51.100.{n}"
        ).status_code
        for n in range(20)
    ]
    assert codes[:5] == [200] * 5 and codes[-1] == 429
    assert codes.count(429) >= 10
    # Now even the right password waits, from yet another address, and says how long.
    refused = attempt(
        limited_app.test_client(),
        owner.email,
        PASSWORD,
        "203.0.113.7",
        headers={"Accept-Language": "nl"},
    )
    assert refused.status_code == 429
    assert re.search(r"Wacht \d+ (minuten|seconden)", refused.get_data(as_text=True))
    to_owner = [m for m in mails if m["To"].addresses[0].addr_spec == owner.email]
    assert len(to_owner) == 1 and "geblokkeerd" in str(to_owner[0]["Subject"])


def test_an_address_without_an_account_locks_the_same_way(limited_app, mails):
    codes = [
        attempt(
            limited_app.test_client(),
            "niemand@nergens.example",
            "x" * 12,
            f"10.0.0.{n}",
        ).status_code
        for n in range(12)
    ]
    assert codes[:5] == [200] * 5 and codes[-1] == 429
    assert mails == []


def test_successful_logins_do_not_use_up_the_address_budget(limited_app):
    person = factories.user()
    database.session.commit()
    codes = {
        attempt(
            limited_app.test_client(), person.email, PASSWORD, "10.1.1.1"
        ).status_code
        # More than the 30 failed attempts an address may make in a minute.
        for _ in range(40)
    }
    assert codes == {302}


def test_a_login_checks_one_hash_whether_or_not_the_account_exists(
    app, participant, monkeypatch
):
    checked = []
    original = sessions.check_password_hash

    def counting(password_hash, password):
        checked.append(password_hash.split("$")[0])
        return original(password_hash, password)

    monkeypatch.setattr(sessions, "check_password_hash", counting)
    monkeypatch.setattr(
        "circle.accounts.models.check_password_hash", counting, raising=True
    )
    sessions.authenticate("niemand@nergens.example", "wrong-password")
    sessions.authenticate(participant.email, "wrong-password")
    # Both made one check of a hash of the same kind (the dummy one is real).
    assert len(checked) == 2 and checked[0] == checked[1]


# -- where a login may send you ------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%2F%2Fevil.example",
        "/%09evil",
        "/x%0d%0aSet-Cookie:x",
        "javascript:alert(1)",
        "/%00",
    ],
)
def test_next_accepts_only_local_paths(client, participant, target):
    response = client.post_form(
        "/login?next=" + target, {"email": participant.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_next_keeps_a_local_path(client, participant):
    response = client.post_form(
        "/login?next=/profile%3Ftab%3D1",
        {"email": participant.email, "password": PASSWORD},
    )
    assert response.headers["Location"] in ("/profile?tab=1", "/profile%3Ftab%3D1")


# -- links never change anything on GET ------


def test_opening_an_invitation_while_signed_in_asks_before_logging_out(
    app, client, adviser, participant, login, outbox
):
    inviter = app.test_client()
    login(adviser, test_client=inviter)
    inviter.post_form(
        "/invitations",
        {
            "email": "nieuw@example.org",
            "role": "participant",
            "organisation": str(participant.organisation_id),
        },
    )
    path = link_in(outbox[-1], "/invite/")
    login(participant)
    page = client.get(path)
    assert "Uitloggen en de uitnodiging aannemen" in page.get_data(as_text=True)
    assert client.get("/home").status_code == 200  # still logged in
    client.post_form(path + "/switch")
    assert client.get("/home").status_code == 302
    assert 'name="password_confirm"' in client.get(path).get_data(as_text=True)


def test_an_unverified_account_sees_only_its_profile_and_gets_only_account_mail(
    app, client, db, make_user, login, outbox
):
    person = make_user(email_verified_at=None)
    login(person)
    assert client.get("/home").headers["Location"] == "/verify"
    assert client.get("/programmes").headers["Location"] == "/verify"
    assert client.get("/profile").status_code == 200
    assert client.get("/profile/export.zip").status_code == 200
    assert not mail_person(person, "digest", subject="x", items=[], link="", url=str)
    client.post_form("/verify/resend")
    assert len(outbox) == 1 and "/verify/" in text_of(outbox[0])


def test_a_forged_or_old_verification_link_is_refused(app, client, db, make_user):
    person = make_user(email_verified_at=None)
    from circle.accounts.services import verification_token

    token = verification_token(person)
    assert client.get(f"/verify/{token}x").status_code == 410
    person.email = "changed@example.org"
    db.session.commit()
    assert client.get(f"/verify/{token}").status_code == 410


# -- two-factor login for staff ------


def test_staff_turn_on_two_factor_and_then_need_a_code(app, client, db, adviser, login):
    login(adviser)
    page = client.get("/profile/two-factor").get_data(as_text=True)
    assert "<svg" in page
    db.session.refresh(adviser)
    secret = adviser.totp_secret
    wrong = client.post_form("/profile/two-factor", {"code": "000000"})
    assert "klopt niet" in wrong.get_data(as_text=True)
    done = client.post_form("/profile/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    codes = re.findall(
        r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>",
        client.get(done.headers["Location"]).get_data(as_text=True),
    )
    assert len(codes) == 10
    assert "<code>" + codes[0] not in client.get("/profile/two-factor").get_data(
        as_text=True
    )  # shown once
    client.post_form("/logout")

    fresh = app.test_client()
    step = fresh.post_form("/login", {"email": adviser.email, "password": PASSWORD})
    assert step.headers["Location"].startswith("/login/code")
    assert fresh.get("/home").status_code == 302  # the password alone is not enough
    assert fresh.post_form("/login/code", {"code": "123456"}).status_code == 200
    assert fresh.post_form("/login/code", {"code": codes[0]}).status_code == 302
    assert fresh.get("/home").status_code == 200

    again = app.test_client()
    again.post_form("/login", {"email": adviser.email, "password": PASSWORD})
    reused = again.post_form("/login/code", {"code": codes[0]})
    assert reused.status_code == 200 and again.get("/home").status_code == 302
    used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == adviser.id, RecoveryCode.used_at.is_not(None))
    )
    assert used == 1


def test_required_two_factor_keeps_staff_on_the_set_up_page(tmp_path):
    app = make_test_app(REQUIRE_STAFF_2FA=True)
    with running(app):
        adviser = factories.user(Role.ADVISER)
        member = factories.user(Role.PARTICIPANT)
        database.session.commit()
        staff_browser, member_browser = app.test_client(), app.test_client()
        for browser, person in ((staff_browser, adviser), (member_browser, member)):
            browser.post_form("/login", {"email": person.email, "password": PASSWORD})
        assert staff_browser.get("/home").headers["Location"] == "/profile/two-factor"
        assert staff_browser.get("/profile/two-factor").status_code == 200
        assert member_browser.get("/home").status_code == 200
        assert not database.session.get(User, adviser.id).has_two_factor
