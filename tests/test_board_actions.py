"""Actions from boards: made by the session's advisers from a card or cluster,
shown to their owner (a person, or everyone acting for a municipality), in the
municipality's case and in the group's list, and marked done by the owner."""

import re
from datetime import timedelta

import sqlalchemy as sa

from circle.accounts.models import Role
from circle.boards.models import BoardAction
from circle.cases.models import Case, ProjectType
from circle.database import utcnow
from tests import factories


def _due(days=14) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


def _make(client, card, **fields):
    data = {"text": "Vraag het college om een vast aanspreekpunt",
            "owner": "", "due_on": _due(), **fields}  # fmt: skip
    return client.post_form(f"/cards/{card.id}/action", data)


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BoardAction))


def test_an_action_for_a_municipality_reaches_its_people_case_and_group(
    setup, db, make_user, login, app
):
    board, _columns, clients, people = setup
    member = people["member"]
    card = factories.card(board, by=member, text="Eén aanspreekpunt")
    colleague = make_user(Role.PARTICIPANT, organisation=member.organisation)
    case = Case(programme=board.meeting.programme, organisation=member.organisation,
                project_type=ProjectType.INITIATIVES_FUND, title="Fonds")  # fmt: skip
    db.session.add(case)
    db.session.commit()
    response = _make(clients["adviser"], card, owner=f"o{member.organisation_id}")
    assert response.status_code == 302 and response.location.endswith("#actions")
    assert _count(db) == 1
    text = "Vraag het college om een vast aanspreekpunt"
    board_page = clients["member"].get(f"/boards/{board.id}").get_data(True)
    assert "Acties van dit bord" in board_page and text in board_page
    for client in (clients["member"], login(colleague, test_client=app.test_client())):
        home = client.get("/home").get_data(True)
        assert "Je acties" in home and text in home
    assert text not in clients["other"].get("/home").get_data(True)
    assert text in clients["member"].get(f"/cases/{case.id}").get_data(True)
    group_id = board.meeting.group_id
    listing = clients["member"].get(f"/groups/{group_id}/actions").get_data(True)
    assert text in listing

    # The owner marks it done: off the home page, under "Klaar" in the group.
    action = db.session.scalar(sa.select(BoardAction))
    done = clients["member"].post_form(
        f"/actions/{action.id}/done?next=/home", {"done": "1"}
    )
    assert done.status_code == 302 and done.location.endswith("/home")
    db.session.expire_all()
    assert action.done_at is not None and action.done_by_id == member.id
    assert text not in clients["member"].get("/home").get_data(True)
    listing = clients["adviser"].get(f"/groups/{group_id}/actions").get_data(True)
    assert listing.index(text) > listing.index("<h2>Klaar</h2>")
    # Someone else in the group is neither owner nor adviser.
    refused = clients["other"].post_form(f"/actions/{action.id}/done", {"done": "0"})
    assert refused.status_code == 403
    db.session.expire_all()
    assert action.done_at is not None
    # A next address elsewhere is not followed.
    again = clients["adviser"].post_form(
        f"/actions/{action.id}/done?next=https://example.org/", {"done": "0"}
    )
    assert again.location.endswith("/home")


def test_an_action_for_a_person_is_theirs_alone(setup, db, make_user, login, app):
    board, _columns, clients, people = setup
    card = factories.card(board, by=people["other"], text="Zoek een trekker")
    colleague = make_user(Role.PARTICIPANT, organisation=people["member"].organisation)
    _make(clients["adviser"], card, owner=f"u{people['member'].id}", text="Trekker")
    assert _count(db) == 1
    assert "Trekker" in clients["member"].get("/home").get_data(True)
    other_client = login(colleague, test_client=app.test_client())
    assert "Trekker" not in other_client.get("/home").get_data(True)


def test_only_advisers_make_actions_and_bad_input_makes_none(
    setup, db, make_user, group
):
    board, _columns, clients, people = setup
    card = factories.card(board, by=people["member"])
    db.session.commit()
    owner = f"o{people['member'].organisation_id}"
    assert _make(clients["member"], card, owner=owner).status_code == 403
    outsider = make_user(Role.PARTICIPANT)
    nobody = "Kies iemand die aan de bijeenkomst meedoet."
    text_rule = "Beschrijf de actie in 1 tot 500 tekens."
    cases = {
        "not in the session": ({"owner": f"u{outsider.id}"}, nobody),
        "an organisation not in it": (
            {"owner": f"o{outsider.organisation_id}"},
            nobody,
        ),
        "nonsense": ({"owner": "x1"}, nobody),
        "no owner": ({}, "Kies wie het doet."),
        "past": ({"owner": owner, "due_on": _due(-2)}, "Die datum is al voorbij."),
        "not a date": ({"owner": owner, "due_on": "morgen"}, "Geef de datum"),
        "no text": ({"owner": owner, "text": "  "}, text_rule),
        "too long": ({"owner": owner, "text": "x" * 501}, text_rule),
    }
    for problem, (fields, message) in cases.items():
        response = _make(clients["adviser"], card, **fields)
        assert response.status_code == 302, problem
        assert _count(db) == 0, problem
        page = clients["adviser"].get(response.location).get_data(True)
        flashes = re.findall(r'class="flash flash-error">(.*?)<', page, re.S)
        assert any(message in flash for flash in flashes), (problem, flashes)


def test_the_group_list_is_for_the_group_only(setup, db, make_user, login, app):
    board, _columns, clients, _people = setup
    stranger = make_user(Role.PARTICIPANT)
    client = login(stranger, test_client=app.test_client())
    assert client.get(f"/groups/{board.meeting.group_id}/actions").status_code == 404
    assert client.get("/groups/999999/actions").status_code == 404


def test_a_case_shows_only_actions_from_sessions_the_reader_may_see(
    setup, db, make_user, login, app, add_member, admin
):
    board, _columns, clients, people = setup
    member = people["member"]
    card = factories.card(board, by=member)
    case = Case(programme=board.meeting.programme, organisation=member.organisation,
                project_type=ProjectType.INITIATIVES_FUND, title="Fonds")  # fmt: skip
    db.session.add(case)
    db.session.commit()
    _make(clients["adviser"], card, owner=f"o{member.organisation_id}",
          text="Alleen voor de leergroep")  # fmt: skip
    assert _count(db) == 1
    # Someone of another group in the same programme may read the case, not the
    # group's session and board.
    other_group = factories.group(board.meeting.programme, by=admin, name="Elders")
    reader = make_user(Role.PARTICIPANT)
    add_member(other_group, reader)
    page = login(reader, test_client=app.test_client()).get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert "Alleen voor de leergroep" not in page.get_data(True)
    assert "Alleen voor de leergroep" in (
        clients["member"].get(f"/cases/{case.id}").get_data(True)
    )


def test_an_action_text_with_control_characters_is_refused(setup, db):
    board, _columns, clients, people = setup
    card = factories.card(board, by=people["member"])
    db.session.commit()
    owner = f"o{people['member'].organisation_id}"
    for fields in ({"text": "Doe\x00dit"}, {"due_on": "9999-01-01"}):
        response = _make(clients["adviser"], card, owner=owner, **fields)
        assert response.status_code == 302
    assert _count(db) == 0
