"""Bad input, class by class: a clear message in the user's language, and nothing
changed. Runs on SQLite and on PostgreSQL (where NUL and integer overflow would
otherwise be database errors)."""

import threading

import pytest
import sqlalchemy as sa

from circle.accounts.models import Role, User
from circle.extensions import db as database
from circle.groups.models import Group, Region
from circle.intake.models import Application
from circle.meetings.models import Meeting
from circle.programmes.models import Programme
from circle.threads.models import Post, Thread
from tests import factories
from tests.conftest import PASSWORD, form_errors, make_test_app, running, service_url
from tests.test_intake import application_form
from tests.test_meetings import session_form


def count(model) -> int:
    return database.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- control characters ------

#: (who, url, form data with one bad value, the field that must say so, the model)
CONTROL_CHARACTERS = [
    ("member", "/programmes/{programme}/threads/new",
     {"title": "Fonds\r\nBcc: iedereen@example.org", "where": "{group}", "body": "Hoi"},
     "title", Thread),
    ("member", "/programmes/{programme}/threads/new",
     {"title": "Fonds", "where": "{group}", "body": "Nul\x00teken"}, "body", Thread),
    ("adviser", "/groups/{group}/sessions/new",
     session_form(location="Stein\u2028Sittard"), "location", Meeting),
    ("adviser", "/groups/{group}/sessions/new",
     session_form(title="Uitwisseling\u2029Limburg"), "title", Meeting),
    ("adviser", "/programmes/{programme}/groups/new",
     {"name": "Leerkring\x00", "region_id": "0", "capacity": "20"}, "name", Group),
    ("admin", "/regions", {"name": "Zuid\nNoord", "provinces": "Limburg"},
     "name", Region),
    ("member", "/programmes/{programme}/apply",
     application_form(project_title="Fonds\x1b[31m"), "project_title", Application),
]  # fmt: skip


@pytest.fixture
def people(db, admin, adviser, programme, group, make_user, add_member):
    member = make_user(Role.PARTICIPANT)
    add_member(group, member)
    return {"admin": admin, "adviser": adviser, "member": member}


@pytest.mark.parametrize(("who", "url", "data", "field", "model"), CONTROL_CHARACTERS)
def test_control_characters_are_refused_at_the_form(
    client, db, people, programme, group, login, who, url, data, field, model
):
    login(people[who])
    values = {"programme": programme.id, "group": group.id}
    filled = {key: str(value).format(**values) for key, value in data.items()}
    before = count(model)
    response = client.post_form(url.format(**values), filled)
    assert response.status_code in (200, 400)
    errors = form_errors(response)
    assert field in errors and ("tekens" in errors[field] or "regel" in errors[field])
    assert count(model) == before


def test_a_name_with_a_line_break_never_reaches_a_mail_header(
    client, db, participant, login
):
    login(participant)
    client.post_form(
        "/profile", {"name": "Petra\r\nBcc: x@example.org", "language": ""}
    )
    db.session.refresh(participant)
    assert "\n" not in participant.name and "Bcc" not in participant.name


# -- ids beyond the database's integer range ------


@pytest.mark.parametrize(
    "path",
    [
        "/threads/2147483648",
        "/sessions/99999999999999999999",
        "/groups/9223372036854775808",
        "/programmes/0",
        "/sessions/2147483648/invite.ics",
        "/cases/-1",
    ],
)
def test_ids_beyond_the_integer_range_are_not_found(client, participant, login, path):
    login(participant)
    assert client.get(path).status_code == 404


def test_posting_to_a_huge_id_is_not_found(client, adviser, login):
    login(adviser)
    assert client.post_form("/memberships/2147483648/approve").status_code == 404


# -- dates outside any sensible range ------


@pytest.mark.parametrize("when", ["0001-01-01T10:00", "9999-12-31T10:00"])
def test_sessions_in_year_1_or_9999_are_refused(
    client, db, group, adviser, login, when
):
    login(adviser)
    response = client.post_form(
        f"/groups/{group.id}/sessions/new", session_form(starts_at=when)
    )
    assert "starts_at" in form_errors(response)
    assert count(Meeting) == 0


def test_a_programme_starting_in_year_1_is_refused(client, db, admin, login):
    login(admin)
    response = client.post_form(
        "/programmes/new",
        {"name": "Oud", "starts_on": "0001-01-01", "ends_on": "2027-01-01"},
    )
    assert "starts_on" in form_errors(response)
    assert count(Programme) == 0


# -- requests over the upload limit ------


def test_a_request_over_the_limit_gets_the_413_page(tmp_path):
    small = make_test_app(MAX_CONTENT_LENGTH=2048, UPLOAD_FOLDER=str(tmp_path))
    with running(small):
        member = factories.user()
        admin = factories.user(Role.ADMIN)
        programme = factories.programme(by=admin)
        group = factories.group(programme, by=admin)
        factories.membership(group, member)
        thread = factories.thread(programme, group, by=member)
        database.session.commit()
        client = small.test_client()
        client.post_form("/login", {"email": member.email, "password": PASSWORD})
        response = client.post_form(
            f"/threads/{thread.id}/reply",
            {"body": "x" * 5000},
            headers={"Accept-Language": "nl"},
        )
        assert response.status_code == 413
        assert "te groot" in response.get_data(as_text=True)
        assert count(Post) == 1


# -- a form sent twice ------


def test_a_reply_sent_twice_is_posted_once(client, db, programme, group, people, login):
    login(people["member"])
    thread = factories.thread(programme, group, by=people["adviser"])
    db.session.commit()
    data = {"body": "Eens!", "submission_key": "dubbelklik-12345678"}
    first = client.post_form(f"/threads/{thread.id}/reply", data)
    second = client.post_form(f"/threads/{thread.id}/reply", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Post) == 2  # the opening post and one reply


def test_a_thread_and_an_application_sent_twice_are_made_once(
    client, db, programme, group, people, login
):
    login(people["member"])
    data = {
        "title": "Hoe begin je?",
        "where": str(group.id),
        "body": "Vraag",
        "submission_key": "nieuw-gesprek-1234",
    }
    url = f"/programmes/{programme.id}/threads/new"
    locations = {client.post_form(url, data).headers["Location"] for _ in range(2)}
    assert len(locations) == 1 and count(Thread) == 1
    form = application_form(submission_key="aanmelding-123456")
    apply = f"/programmes/{programme.id}/apply"
    answers = [client.post_form(apply, form) for _ in range(2)]
    assert answers[0].status_code == 302 and count(Application) == 1


def test_a_bad_submission_key_is_refused(client, db, programme, group, people, login):
    login(people["member"])
    thread = factories.thread(programme, group, by=people["adviser"])
    db.session.commit()
    response = client.post_form(
        f"/threads/{thread.id}/reply", {"body": "Hoi", "submission_key": "<script>"}
    )
    assert "submission_key" in form_errors(response) or response.status_code == 400
    assert count(Post) == 1


# -- at the same moment, on a real database ------


@pytest.fixture(params=["sqlite-file", "postgresql"])
def race_app(request, tmp_path):
    if request.param == "postgresql":
        service_url("TEST_DATABASE_URL")
        app = make_test_app()
    else:
        app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.db'}")
    with running(app):
        yield app


def at_once(count_: int, send) -> list[int]:
    barrier = threading.Barrier(count_)
    codes = []

    def run(number):
        barrier.wait()
        codes.append(send(number))

    workers = [threading.Thread(target=run, args=(n,)) for n in range(count_)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return codes


def test_registrations_with_one_address_at_once_make_one_account(race_app):
    def register(number):
        client = race_app.test_client()
        return client.post_form(
            "/register",
            {
                "name": f"Dubbel {number}",
                "email": "zelfde@example.org",
                "password": "een-lang-wachtwoord",
                "password_confirm": "een-lang-wachtwoord",
                "role": "participant",
                "organisation_name": "Gemeente Dubbel",
                "organisation_kind": "municipality",
                "province": "",
            },
        ).status_code

    codes = at_once(4, register)
    assert codes == [302] * 4
    with race_app.app_context():
        assert (
            database.session.scalar(
                sa.select(sa.func.count()).select_from(User).where(
                    User.email == "zelfde@example.org")
            )
            == 1
        )  # fmt: skip


def test_a_reply_double_clicked_at_once_is_posted_once(race_app):
    member = factories.user()
    admin = factories.user(Role.ADMIN)
    programme = factories.programme(by=admin)
    group = factories.group(programme, by=admin)
    factories.membership(group, member)
    thread = factories.thread(programme, group, by=member)
    database.session.commit()
    url = f"/threads/{thread.id}/reply"
    clients = [race_app.test_client() for _ in range(3)]
    for client in clients:
        client.post_form("/login", {"email": member.email, "password": PASSWORD})

    def reply(number):
        return (
            clients[number]
            .post_form(url, {"body": "Snel!", "submission_key": "tegelijk-12345678"})
            .status_code
        )

    assert at_once(3, reply) == [302] * 3
    assert count(Post) == 2
