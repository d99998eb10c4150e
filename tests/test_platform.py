"""Cross-cutting behaviour: CSRF, rate limits, languages, errors, headers, login."""

import uuid

import pytest
import sqlalchemy as sa
from werkzeug.routing import BaseConverter
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from circle.accounts.models import User
from circle.extensions import db as database
from config import ProductionConfig
from tests.conftest import PASSWORD, make_test_app, running, service_url


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, db):
    response = client.post(
        "/register",
        data={
            "name": "Zonder Token",
            "email": "zonder@token.example",
            "password": "een-lang-wachtwoord",
            "password_confirm": "een-lang-wachtwoord",
            "role": "participant",
            "organisation": "0",
            "new_organisation_name": "Gemeente Zonder",
            "new_organisation_kind": "municipality",
        },
        headers={"Accept-Language": "nl"},
    )
    assert response.status_code == 400
    assert "Het formulier was verlopen" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_logout_without_csrf_token_is_refused(client, participant, login):
    login(participant)
    assert client.post("/logout").status_code == 400
    assert client.get("/home").status_code == 200


@pytest.fixture(params=["memory", "redis"])
def limited_app(request):
    storage = "memory://"
    if request.param == "redis":
        storage = service_url("TEST_REDIS_URL")
    app = make_test_app(
        RATELIMIT_ENABLED=True,
        LOGIN_ADDRESS_LIMIT="3 per minute",
        RATELIMIT_STORAGE_URI=storage,
        # A per-test key prefix keeps counts from other runs out of this one.
        RATELIMIT_KEY_PREFIX=f"circle-test-{uuid.uuid4().hex}",
    )
    with running(app):
        yield app


def test_repeated_bad_logins_are_rate_limited(limited_app):
    client = limited_app.test_client()
    data = {"email": "wie@example.org", "password": "verkeerd-wachtwoord"}
    codes = [client.post_form("/login", data).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    page = client.post_form("/login", data, headers={"Accept-Language": "nl"})
    assert page.status_code == 429
    assert "Te veel pogingen" in page.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_dutch_is_the_default_language(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Inloggen" in page


def test_browser_language_is_followed(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    page = client.get("/", headers={"Accept-Language": "de-DE"})
    assert '<html lang="nl">' in page.get_data(as_text=True)


def test_language_switch_for_visitors(client):
    response = client.post_form(
        "/language", {"language": "en"}, headers={"Referer": "http://localhost/login"}
    )
    assert response.headers["Location"] == "http://localhost/login"
    page = client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_language_switch_is_saved_on_the_account(client, db, participant, login):
    login(participant)
    client.post_form("/language", {"language": "en"})
    db.session.refresh(participant)
    assert participant.language == "en"


def test_language_switch_ignores_unknown_language_and_foreign_referrer(client):
    response = client.post_form(
        "/language", {"language": "xx"}, headers={"Referer": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "text"), [("nl", "Pagina niet gevonden"), ("en", "Page not found")]
)
def test_not_found_page_in_the_users_language(client, language, text):
    response = client.get("/bestaat-niet", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_internal_error_shows_a_page_without_stack_trace_and_rolls_back():
    app = make_test_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        database.session.add(
            User(email="half@example.org", name="Half", role="participant")
        )
        database.session.flush()
        raise RuntimeError("secret detail")

    boom.is_public = True
    with running(app):
        response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
        assert response.status_code == 500
        body = response.get_data(as_text=True)
        assert "Something went wrong on our side" in body
        assert "secret detail" not in body and "Traceback" not in body
        assert (
            database.session.scalar(sa.select(User).filter_by(email="half@example.org"))
            is None
        )


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(client, participant):
    client.post_form("/login", {"email": participant.email, "password": PASSWORD})
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_production_refuses_to_start_without_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_test_app(ProductionConfig)


def test_production_uses_secure_cookies(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "BASE_URL"):
        monkeypatch.setenv(name, "sqlite://" if name == "DATABASE_URL" else "x")
    app = make_test_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        user = User(email="a@example.org", name="A", role="participant")
        user.set_password("een-lang-wachtwoord")
        assert user.password_hash.startswith("scrypt:")


def _example_url(app, rule) -> str:
    values = {}
    for argument in rule.arguments:
        converter: BaseConverter = rule._converters[argument]
        if isinstance(converter, AnyConverter):
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = 1 if isinstance(converter, IntegerConverter) else "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_member_page_refuses_anonymous_visitors():
    # CSRF is off here so that every POST reaches the login wall itself (with
    # CSRF on, a missing token would answer 400 before the wall is tried).
    app = make_test_app(WTF_CSRF_ENABLED=False)
    with running(app):
        client = app.test_client()
        routes = [
            (rule, method)
            for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            and not getattr(app.view_functions[rule.endpoint], "is_public", False)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]
        for rule, method in routes:
            response = client.open(_example_url(app, rule), method=method)
            assert response.status_code == 302, (rule, method)
            assert response.headers["Location"].startswith("/login"), (rule, method)
    # Every route but the public ones: dozens, not a sample.
    assert len(routes) >= 80
    assert {method for _rule, method in routes} == {"GET", "POST"}


def test_public_pages_are_only_the_expected_ones(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "is_public", False)
    }
    assert public == {
        "main.index",
        "main.set_language",
        "main.healthz",
        "accounts.login",
        "accounts.register",
        "accounts.accept_invitation",
        # Opening the invitation while signed in in another account asks first.
        "accounts.switch_to_invitation",
        # Registration answers the same page for every address, then the link.
        "accounts.check_inbox",
        "accounts.verify_email",
        "accounts.second_factor",
        "accounts.forgot_password",
        "accounts.reset_password",
        # Calendar apps send no cookies: these check a secret token instead.
        "meetings.personal_feed",
        "meetings.group_feed",
        # The unsubscribe link in optional e-mails: its signed token is the only
        # credential, and mail programs POST to it without cookies (RFC 8058).
        "notifications.unsubscribe",
        # The public face of a programme: what it offers, its published tips
        # (only those every author agreed to) and reports, in four formats.
        "tips.programme_page",
        "tips.bundle_page",
        "tips.bundle_pdf",
        "tips.bundle_markdown",
        "tips.bundle_csv",
        # A tip published to everyone; any other answers 404 without login.
        "tips.detail",
    }
