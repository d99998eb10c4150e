"""Shared fixtures: a fresh database per test, clients, factories, mail capture.

SQLite (in memory) is the default. With TEST_DATABASE_URL the same tests run on
PostgreSQL; with CIRCLE_REQUIRE_SERVICES=1 a missing service fails the test
instead of skipping it.
"""

import asyncio
import os
import re
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from circle import create_app
from circle.accounts.models import OrganisationKind, Role
from circle.extensions import db as _db
from circle.mail import message_sent
from config import TestConfig
from tests import factories
from tests.factories import PASSWORD

REQUIRE_SERVICES = os.environ.get("CIRCLE_REQUIRE_SERVICES") == "1"
#: Debian's Chromium, driven by the browser tests in tests/browser/.
CHROMIUM = os.environ.get("CIRCLE_CHROMIUM", "/usr/bin/chromium")


def service_url(env_name: str) -> str:
    """The URL of a real service for this test, or skip (fail under CI) without one."""
    url = os.environ.get(env_name)
    if not url:
        message = f"{env_name} is not set"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message}, but CIRCLE_REQUIRE_SERVICES=1 requires it")
        pytest.skip(message)
    return url


class CircleClient(FlaskClient):
    """A test client that posts forms with a real CSRF token, as a browser does."""

    _token_pattern = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

    def open(self, *args, **kwargs):
        # Each request gets its own app context, as in production: otherwise the
        # test's context (and its `g`, where Flask-Login and Flask-Babel cache the
        # user and the locale) would leak from one request into the next.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/", follow_redirects=True)
        match = self._token_pattern.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the start page"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=data, **kwargs)


_schema_ready: set[str] = set()


def _reset_database(app) -> None:
    engine = _db.engine
    if engine.dialect.name == "sqlite" and engine.url.database in (
        None,
        "",
        ":memory:",
    ):
        _db.create_all()
        return
    url = str(engine.url)
    if url not in _schema_ready:
        _db.drop_all()
        _db.create_all()
        _schema_ready.add(url)
        return
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    # A socket handler of the previous test may still be finishing its own
    # transaction (a disconnect's clean-up); PostgreSQL then ends one side of
    # the lock conflict as a deadlock. Waiting and trying again resolves it.
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
                    )
                else:
                    for table in reversed(_db.metadata.sorted_tables):
                        connection.execute(table.delete())
            return
        except sa.exc.OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def make_test_app(config_class=TestConfig, **overrides):
    config = type("PerTestConfig", (config_class,), overrides)
    app = create_app(config)
    app.test_client_class = CircleClient
    return app


@contextmanager
def running(app):
    """Inside: the app's context is pushed and its database is fresh and empty."""
    with app.app_context():
        _reset_database(app)
        try:
            yield app
        finally:
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    with running(make_test_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))) as app:
        yield app


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """Every e-mail the app delivers during the test, in order."""
    sent = []

    def record(sender, message, **extra):
        sent.append(message)

    message_sent.connect(record)
    yield sent
    message_sent.disconnect(record)


@pytest.fixture
def make_organisation(db):
    def make(name=None, kind=OrganisationKind.MUNICIPALITY, province="Limburg"):
        organisation = factories.organisation(name, kind, province)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_user(db):
    def make(role=Role.PARTICIPANT, email=None, name=None, organisation=None, **kwargs):
        user = factories.user(
            role, email=email, name=name, organisation=organisation, **kwargs
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def adviser(make_user):
    return make_user(Role.ADVISER, name="Arie Adviseur")


@pytest.fixture
def participant(make_user):
    return make_user(Role.PARTICIPANT, name="Petra Deelnemer")


@pytest.fixture
def initiator(make_user):
    return make_user(Role.INITIATOR, name="Ivo Initiatief")


@pytest.fixture
def login(client):
    """`login(user)` logs the shared test client in through the real login form."""

    def do_login(user, password=PASSWORD, remember=False, test_client=None):
        test_client = test_client or client
        data = {"email": user.email, "password": password}
        if remember:
            data["remember"] = "y"
        response = test_client.post_form("/login", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return test_client

    return do_login


def pytest_report_header(config):
    database = sa.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    return [
        f"circle database: {database.get_backend_name()} "
        f"({database.render_as_string(hide_password=True)})",
        f"circle redis: {os.environ.get('TEST_REDIS_URL') or 'not set'}; "
        f"services required: {'yes' if REQUIRE_SERVICES else 'no'}",
        "circle browser tests: "
        + (
            f"Chromium at {CHROMIUM}"
            if Path(CHROMIUM).exists()
            else f"SKIPPED, no Chromium at {CHROMIUM} (apt-get install -y chromium)"
        ),
    ]


@pytest.fixture
def make_programme(db, admin):
    def make(name="Faciliteren van lokaal maatschappelijk initiatief", advisers=()):
        programme = factories.programme(by=admin, name=name, advisers=advisers)
        db.session.commit()
        return programme

    return make


@pytest.fixture
def programme(make_programme, adviser):
    return make_programme(advisers=[adviser])


@pytest.fixture
def make_group(db, admin):
    def make(
        programme, name="Leerkring Limburg", capacity=20, advisers=(), region=None
    ):
        group = factories.group(
            programme,
            by=admin,
            name=name,
            capacity=capacity,
            advisers=advisers,
            region=region,
        )
        db.session.commit()
        return group

    return make


@pytest.fixture
def group(make_group, programme, adviser):
    return make_group(programme, advisers=[adviser])


@pytest.fixture
def add_member(db):
    from circle.groups.models import MembershipStatus

    def add(group, user, status=MembershipStatus.ACTIVE):
        membership = factories.membership(group, user, status)
        db.session.commit()
        return membership

    return add


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements sent inside."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        sa.event.listen(_db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def two_members(db, group):
    """Anna and Bas, members of the group (the calendar tests' people)."""
    found = [factories.user(name=name) for name in ("Anna Smeets", "Bas Coenen")]
    for person in found:
        factories.membership(group, person)
    db.session.commit()
    return found


@pytest.fixture
def make_meeting(db, adviser):
    """Schedule a session through the service (invitations included)."""

    def make(programme, group=None, *, by=None, **details):
        meeting = factories.meeting(
            programme, group, by=by or adviser, hosts=[adviser], **details
        )
        db.session.commit()
        return meeting

    return make


_field_error = re.compile(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', re.S)


def form_errors(response) -> dict[str, str]:
    """The fields a rendered form marks as wrong, with their messages."""
    return dict(_field_error.findall(response.get_data(as_text=True)))


def calendar_parts(message):
    """The text/calendar alternative and the .ics attachment of an e-mail."""
    parts = [part for part in message.walk() if not part.is_multipart()]
    inline = [p for p in parts if p.get_content_type() == "text/calendar"]
    attached = [
        p for p in parts if p.get_filename() and p.get_filename().endswith(".ics")
    ]
    return inline, attached


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port; collects envelopes."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, collector
    controller.stop()
    asyncio.set_event_loop(None)


@pytest.fixture
def board_socket(app):
    """`board_socket(client)`: a /boards Socket.IO connection sharing the login."""
    from circle.extensions import socketio

    opened = []

    def connect(test_client):
        socket = socketio.test_client(
            app, namespace="/boards", flask_test_client=test_client
        )
        opened.append(socket)
        return socket

    yield connect
    for connection in opened:
        if connection.is_connected(namespace="/boards"):
            connection.disconnect(namespace="/boards")


@pytest.fixture
def setup(app, db, group, adviser, make_user, add_member, make_meeting, login):
    """A group session with a board; a logged-in client per role."""
    meeting = make_meeting(group.programme, group)
    board = factories.board(meeting, by=adviser, title="Ronde 1")
    db.session.commit()
    member, other = make_user(Role.PARTICIPANT), make_user(Role.INITIATOR)
    for person in (member, other):
        add_member(group, person)
    clients = {}
    for name, person in {"adviser": adviser, "member": member, "other": other}.items():
        clients[name] = app.test_client()
        login(person, test_client=clients[name])
    columns = [column.id for column in board.columns]
    return (
        board,
        columns,
        clients,
        {"adviser": adviser, "member": member, "other": other},
    )
