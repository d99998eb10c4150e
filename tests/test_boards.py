"""Live boards over Socket.IO: permissions, validation, votes, anonymity, blur,
lock, timer, catch-up after a reconnect, idempotent writes, exports."""

import csv
import io
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from circle.accounts.models import Role
from circle.boards import services as boards
from circle.boards.models import Board, BoardColumn, Card
from circle.database import utcnow
from circle.limits import (
    MAX_BOARD_TITLE,
    MAX_CARD_TEXT,
    MAX_CLUSTER_TITLE,
    MAX_COLUMN_TITLE,
    MAX_COMMENT_TEXT,
    MAX_ON_BEHALF_OF,
)
from circle.moderation.models import AuditEntry
from circle.threads.models import Post, Thread
from tests import factories
from tests.factories import PASSWORD

NS = "/boards"


def emit(socket, event, **payload):
    return socket.emit(event, payload, namespace=NS, callback=True)


def changes(socket):
    return [
        message["args"][0]
        for message in socket.get_received(NS)
        if message["name"] == "change"
    ]


def joined(board_socket, client, board, version=None):
    socket = board_socket(client)
    payload = {"board_id": board.id}
    if version is not None:
        payload["version"] = version
    reply = socket.emit("join", payload, namespace=NS, callback=True)
    assert reply["ok"], reply
    return socket, reply


def add(socket, board, column, text="Een tip", key=None):
    return emit(
        socket, "card_add", board_id=board.id, column_id=column, text=text,
        key=key or f"key-{text}-{column}".replace(" ", "")[:60].ljust(8, "x"),
    )  # fmt: skip


def test_anonymous_sockets_are_refused(app, setup):
    from circle.extensions import socketio

    socket = socketio.test_client(
        app, namespace=NS, flask_test_client=app.test_client()
    )
    assert not socket.is_connected(NS)


def test_a_card_reaches_everyone_on_the_board(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _state = joined(board_socket, clients["member"], board)
    other, _state = joined(board_socket, clients["other"], board)
    adviser, _state = joined(board_socket, clients["adviser"], board)
    reply = add(member, board, columns[0], "Laat inwoners zelf beslissen")
    assert reply["ok"] and reply["card"]["mine"] is True
    (seen,) = changes(other)
    assert seen["card"]["text"] == "Laat inwoners zelf beslissen"
    assert seen["version"] == reply["version"] == 1
    # An ordinary card looks the same to advisers and members (one message for
    # both rooms); what only advisers see comes with hidden or promoted cards.
    assert changes(adviser)[0]["card"] == seen["card"]
    assert db.session.scalar(sa.select(Card)).text == "Laat inwoners zelf beslissen"


def test_people_outside_the_group_cannot_join_or_write(
    app, setup, board_socket, make_user, login
):
    board, columns, _clients, _ = setup
    outsider = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=outsider)
    socket = board_socket(outsider)
    assert emit(socket, "join", board_id=board.id)["error"] == "not_found"
    assert add(socket, board, columns[0])["error"] == "not_found"
    assert emit(socket, "sync", board_id=board.id, version=0)["error"] == "not_found"
    assert outsider.get(f"/boards/{board.id}").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {"board_id": "1"},
        {"board_id": 99999},
        {"board_id": None},
        {"column_id": "x", "text": "tip", "key": "abcdefgh"},
        {"text": "", "key": "abcdefgh"},
        {"text": "x" * 501, "key": "abcdefgh"},
        {"text": ["lijst"], "key": "abcdefgh"},
        {"text": "tip", "key": "kort"},
        {"text": "tip", "key": None},
        {
            "text": "tip",
            "key": "abcdefgh",
            "on_behalf_of": "Een inwoner",
        },  # not for members
    ],
)
def test_bad_payloads_are_refused_with_an_error_and_change_nothing(
    setup, board_socket, db, payload
):
    board, columns, clients, _ = setup
    member, _state = joined(board_socket, clients["member"], board)
    data = {"board_id": board.id, "column_id": columns[0], **payload}
    reply = member.emit("card_add", data, namespace=NS, callback=True)
    assert reply["ok"] is False and reply["error"] in {
        "invalid",
        "not_found",
        "forbidden",
    }
    assert reply["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Card)) == 0
    db.session.refresh(board)
    assert board.version == 0


def test_a_card_cannot_go_to_another_boards_column(setup, board_socket, db, adviser):
    board, columns, clients, _ = setup
    other_board = factories.board(board.meeting, by=adviser, title="Ronde 2")
    db.session.commit()
    member, _state = joined(board_socket, clients["member"], board)
    foreign_column = other_board.columns[0].id
    assert add(member, board, foreign_column)["error"] == "invalid"


def test_the_same_write_twice_makes_one_card(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _state = joined(board_socket, clients["member"], board)
    first = add(member, board, columns[0], "Dubbel", key="retry-key-1")
    again = add(member, board, columns[0], "Dubbel", key="retry-key-1")
    assert first["card"]["id"] == again["card"]["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Card)) == 1
    db.session.refresh(board)
    assert board.version == 1


def test_reconnect_catches_up_with_exactly_what_was_missed(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _state = joined(board_socket, clients["member"], board)
    add(member, board, columns[0], "Voor de onderbreking")
    other, state = joined(board_socket, clients["other"], board)
    seen_version = state["version"]
    other.disconnect(namespace=NS)
    made = [
        add(member, board, columns[1], f"Gemist {n}")["card"]["id"] for n in range(3)
    ]
    back, caught_up = joined(
        board_socket, clients["other"], board, version=seen_version
    )
    assert caught_up["full"] is False and caught_up["version"] == seen_version + 3
    assert sorted(card["id"] for card in caught_up["cards"]) == sorted(made)
    assert {card["text"] for card in caught_up["cards"]} == {
        "Gemist 0",
        "Gemist 1",
        "Gemist 2",
    }
    # Too old or impossible versions get the whole board.
    assert emit(back, "sync", board_id=board.id, version=999)["full"] is True


def test_votes_toggle_and_respect_the_budget(setup, board_socket, db):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    member, _s = joined(board_socket, clients["member"], board)
    cards = [
        add(adviser, board, columns[0], f"Kaart {n}")["card"]["id"] for n in range(3)
    ]
    assert (
        emit(member, "card_vote", board_id=board.id, card_id=cards[0])["card"]["votes"]
        == 1
    )
    assert (
        emit(member, "card_vote", board_id=board.id, card_id=cards[0])["card"]["votes"]
        == 0
    )
    assert (
        emit(member, "board_update", board_id=board.id, settings={"vote_budget": 2})[
            "error"
        ]
        == "forbidden"
    )
    assert emit(
        adviser, "board_update", board_id=board.id, settings={"vote_budget": 2}
    )["ok"]
    assert (
        emit(member, "card_vote", board_id=board.id, card_id=cards[0])["votes_left"]
        == 1
    )
    assert (
        emit(member, "card_vote", board_id=board.id, card_id=cards[1])["votes_left"]
        == 0
    )
    refused = emit(member, "card_vote", board_id=board.id, card_id=cards[2])
    assert refused["error"] == "no_votes_left"
    assert (
        emit(adviser, "board_update", board_id=board.id, settings={"vote_budget": 0})[
            "error"
        ]
        == "invalid"
    )


def test_anonymous_boards_leave_authors_out_of_payloads_and_exports(
    setup, board_socket, db
):
    board, columns, clients, people = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    emit(adviser, "board_update", board_id=board.id, settings={"anonymous": True})
    member, _s = joined(board_socket, clients["member"], board)
    other, _s = joined(board_socket, clients["other"], board)
    reply = add(member, board, columns[0], "Anonieme tip")
    assert "author" not in reply["card"]
    for socket in (other, adviser):
        for change in changes(socket):
            if change.get("card"):
                assert "author" not in change["card"]
    state = emit(adviser, "sync", board_id=board.id, version=-1)
    assert all("author" not in card for card in state["cards"])
    for url in (
        f"/boards/{board.id}/export.csv",
        f"/boards/{board.id}/export.md",
        f"/boards/{board.id}/print",
        f"/boards/{board.id}",
    ):
        text = clients["adviser"].get(url).get_data(as_text=True)
        # The action form lists the session's people as possible owners: that
        # is who takes part, not who wrote what.
        text = re.sub(r'<template data-role="make-action">.*?</template>', "",
                      text, flags=re.S)  # fmt: skip
        assert "Anonieme tip" in text
        assert people["member"].name not in text


def test_blurred_cards_are_hidden_from_others_until_revealed(setup, board_socket, db):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    emit(adviser, "board_update", board_id=board.id, settings={"blurred": True})
    member, _s = joined(board_socket, clients["member"], board)
    other, _s = joined(board_socket, clients["other"], board)
    changes(other)
    mine = add(member, board, columns[0], "Geheime tip")
    assert mine["card"]["text"] == "Geheime tip"  # the author sees their own card
    (seen,) = changes(other)
    assert seen["card"].get("blurred") is True and "text" not in seen["card"]
    assert changes(adviser)[-1]["card"]["text"] == "Geheime tip"
    page = clients["other"].get(f"/boards/{board.id}").get_data(as_text=True)
    assert "Geheime tip" not in page
    emit(adviser, "board_update", board_id=board.id, settings={"blurred": False})
    revealed = emit(other, "sync", board_id=board.id, version=0)
    assert any(card.get("text") == "Geheime tip" for card in revealed["cards"])


def test_locked_board_is_read_only_for_members_not_for_advisers(
    setup, board_socket, db
):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    member, _s = joined(board_socket, clients["member"], board)
    card = add(member, board, columns[0], "Voor het slot")["card"]["id"]
    assert emit(adviser, "board_update", board_id=board.id, settings={"locked": True})[
        "ok"
    ]
    assert add(member, board, columns[0], "Na het slot")["error"] == "locked"
    assert (
        emit(member, "card_vote", board_id=board.id, card_id=card)["error"] == "locked"
    )
    assert (
        emit(member, "card_edit", board_id=board.id, card_id=card, text="x")["error"]
        == "locked"
    )
    assert add(adviser, board, columns[0], "Van de adviseur", key="adviser-key-1")["ok"]
    assert (
        db.session.scalar(sa.select(AuditEntry).filter_by(action="board.lock"))
        is not None
    )


def test_timer_locks_the_board_when_it_runs_out(setup, db, adviser):
    board, columns, _clients, people = setup
    now = utcnow()
    boards.update_board(
        board, {"timer_minutes": 5, "timer_locks": True}, by=adviser, now=now
    )
    db.session.commit()
    assert not board.is_closed(now + timedelta(minutes=4))
    assert board.is_closed(now + timedelta(minutes=5))
    with pytest.raises(boards.BoardError) as refused:
        boards.add_card(
            board, column_id=columns[0], text="Te laat", key="too-late-key",
            by=people["member"], now=now + timedelta(minutes=6),
        )  # fmt: skip
    assert refused.value.code == "locked"
    with pytest.raises(boards.BoardError) as refused:
        boards.update_board(board, {"timer_minutes": 500}, by=adviser, now=now)
    assert (refused.value.code, refused.value.field) == ("invalid", "timer_minutes")


def test_only_authors_or_advisers_change_a_card(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    other, _s = joined(board_socket, clients["other"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    card = add(member, board, columns[0], "Van mij")["card"]["id"]
    assert (
        emit(other, "card_edit", board_id=board.id, card_id=card, text="Gekaapt")[
            "error"
        ]
        == "forbidden"
    )
    assert (
        emit(other, "card_delete", board_id=board.id, card_id=card)["error"]
        == "forbidden"
    )
    moved = emit(
        member,
        "card_move",
        board_id=board.id,
        card_id=card,
        column_id=columns[2],
        position=1,
    )
    assert moved["card"]["column_id"] == columns[2]
    assert (
        emit(member, "card_edit", board_id=board.id, card_id=card, text="Beter")[
            "card"
        ]["text"]
        == "Beter"
    )
    assert (
        emit(other, "card_moderate", board_id=board.id, card_id=card, action="hide")[
            "error"
        ]
        == "forbidden"
    )
    assert emit(
        adviser,
        "card_moderate",
        board_id=board.id,
        card_id=card,
        action="hide",
        reason="Privé",
    )["ok"]
    gone = changes(other)[-1]
    assert gone["card"] == {"id": card, "removed": True}
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="card.hide"))
    assert entry.reason == "Privé"
    # Its author may still take a hidden card away altogether.
    assert emit(member, "card_delete", board_id=board.id, card_id=card)["ok"]


def test_advisers_manage_columns_and_add_cards_for_people_in_the_room(
    setup, board_socket, db
):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    member, _s = joined(board_socket, clients["member"], board)
    assert (
        emit(member, "column_add", board_id=board.id, title="Extra")["error"]
        == "forbidden"
    )
    assert emit(adviser, "column_add", board_id=board.id, title="Acties")["ok"]
    assert emit(
        adviser, "column_change", board_id=board.id, column_id=columns[0], title="Tips!"
    )["ok"]
    assert emit(
        adviser, "column_change", board_id=board.id, column_id=columns[1], remove=True
    )["ok"]
    db.session.expire_all()  # the changes were made in the socket handlers
    titles = [
        c.title
        for c in db.session.scalars(
            sa.select(BoardColumn)
            .where(BoardColumn.deleted_at.is_(None))
            .order_by(BoardColumn.position)
        )
    ]
    assert titles == ["Tips!", "Vragen", "Acties"]
    reply = emit(
        adviser, "card_add", board_id=board.id, column_id=columns[0],
        text="Uit de zaal", key="room-card-1", on_behalf_of="Mevrouw Janssen",
    )  # fmt: skip
    assert reply["card"]["author"] == "Mevrouw Janssen"


def presence_messages(socket):
    return [m["args"][0] for m in socket.get_received(NS) if m["name"] == "presence"]


def test_presence_lists_who_is_on_the_board(setup, board_socket, db):
    from circle.boards.broadcast import PRESENCE_INTERVAL

    board, _columns, clients, people = setup
    member, _s = joined(board_socket, clients["member"], board)
    joined(board_socket, clients["other"], board)
    time.sleep(PRESENCE_INTERVAL + 0.5)
    presence = presence_messages(member)[-1]
    assert presence["count"] == 2
    assert sorted(presence["names"]) == sorted(
        [people["member"].name, people["other"].name]
    )


def test_joins_are_told_together_at_most_once_a_second(
    app, setup, board_socket, db, make_user, add_member, group, login
):
    """A room joining at once: one presence message, not one per join per viewer."""
    from circle.boards.broadcast import PRESENCE_INTERVAL

    board, _columns, clients, _people = setup
    first, _s = joined(board_socket, clients["member"], board)
    others = []
    for _ in range(6):
        person = make_user(Role.PARTICIPANT)
        add_member(group, person)
        client = app.test_client()
        login(person, test_client=client)
        others.append(joined(board_socket, client, board)[0])
    time.sleep(PRESENCE_INTERVAL + 0.5)
    messages = presence_messages(first)
    assert len(messages) <= 2 and messages[-1]["count"] == 7
    # A heartbeat reads no one's presence: it answers for itself only.
    assert emit(first, "presence", board_id=board.id) == {"ok": True}


def test_board_page_lists_cards_without_javascript(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    add(member, board, columns[0], "Zichtbaar zonder script")
    page = clients["other"].get(f"/boards/{board.id}").get_data(as_text=True)
    assert "Zichtbaar zonder script" in page and "Tips voor gemeenten" in page
    assert 'type="module"' in page and "<script>" not in page


def test_exports_for_advisers(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    add(member, board, columns[0], "Café-tip: één fonds, €5")
    response = clients["adviser"].get(f"/boards/{board.id}/export.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    rows = list(
        csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";")
    )
    assert rows[1][:3] == ["Tips voor gemeenten", "", "Café-tip: één fonds, €5"]
    markdown = (
        clients["adviser"].get(f"/boards/{board.id}/export.md").get_data(as_text=True)
    )
    assert "## Tips voor gemeenten" in markdown and "- Café-tip" in markdown
    for url in ("export.csv", "export.md", "print"):
        assert clients["member"].get(f"/boards/{board.id}/{url}").status_code == 403


def test_csv_export_never_hands_excel_a_formula(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    texts = ['=HYPERLINK("http://127.0.0.1/x")', "+31 6 1234", "-2+3", "@SUM(A1)"]
    for text in texts:
        add(member, board, columns[0], text)
    response = clients["adviser"].get(f"/boards/{board.id}/export.csv")
    rows = list(
        csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";")
    )
    assert sorted(row[2] for row in rows[1:]) == sorted("'" + text for text in texts)


def test_neutralise_covers_every_formula_start():
    from circle.exports import neutralise

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("Gewoon een tip") == "Gewoon een tip"
    assert neutralise(3) == 3 and neutralise(None) == ""


def test_promote_a_card_into_a_new_conversation(setup, board_socket, db):
    board, columns, clients, people = setup
    member, _s = joined(board_socket, clients["member"], board)
    card_id = add(member, board, columns[0], "Werk met een bewonersjury")["card"]["id"]
    people["adviser"].language = "en"  # reads Circle in English
    db.session.commit()
    response = clients["adviser"].post_form(
        f"/cards/{card_id}/promote", {"thread_id": "0"}
    )
    assert response.status_code == 302
    thread = db.session.scalar(sa.select(Thread))
    assert thread.title == "Werk met een bewonersjury"
    assert thread.group_id == board.meeting.group_id
    post = db.session.scalar(sa.select(Post))
    assert f"/boards/{board.id}" in post.body  # a link back to where it came from
    # The programme's conversation stays Dutch, and the card's author keeps credit.
    assert "Van het bord" in post.body and "From the board" not in post.body
    assert f"geschreven door {people['member'].name}" in post.body
    assert db.session.get(Card, card_id).promoted_post_id == post.id
    assert (
        clients["member"]
        .post_form(f"/cards/{card_id}/promote", {"thread_id": "0"})
        .status_code
        == 403
    )


def test_only_session_advisers_create_boards(setup, db):
    board, _columns, clients, _ = setup
    meeting_id = board.meeting_id
    assert (
        clients["member"]
        .post_form(f"/sessions/{meeting_id}/boards", {"title": "X"})
        .status_code
        == 403
    )
    assert (
        clients["adviser"]
        .post_form(f"/sessions/{meeting_id}/boards", {"title": "Ronde 2"})
        .status_code
        == 302
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Board)) == 2


def test_board_page_queries_do_not_grow_with_cards(
    setup, board_socket, db, count_queries
):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    add(member, board, columns[0], "Eerste")
    url = f"/boards/{board.id}"
    with count_queries() as few:
        clients["other"].get(url)
    for number in range(20):
        add(member, board, columns[number % 3], f"Kaart {number}")
    with count_queries() as many:
        clients["other"].get(url)
    assert many.count == few.count


# -- malformed payloads: every event, every kind of bad value ------

#: The fields of each event, with the kind of value each takes ("?": may be null).
#: A field in brackets is optional.
EVENTS = {
    "join": {"board_id": "id", "[version]": "int?"},
    "sync": {"board_id": "id", "[version]": "int?"},
    "leave": {"board_id": "id"},
    "presence": {"board_id": "id"},
    "card_add": {
        "board_id": "id", "column_id": "column", "text": "card text", "key": "key",
        "[on_behalf_of]": "name",
    },
    "card_edit": {"board_id": "id", "card_id": "id", "text": "card text"},
    "card_move": {
        "board_id": "id", "card_id": "id", "column_id": "column", "position": "number",
    },
    "card_delete": {"board_id": "id", "card_id": "id"},
    "card_vote": {"board_id": "id", "card_id": "id"},
    "card_moderate": {
        "board_id": "id", "card_id": "id", "action": "action", "[reason]": "reason",
    },
    "board_update": {"board_id": "id", "settings": "settings"},
    "column_add": {"board_id": "id", "title": "column title"},
    "column_change": {
        "board_id": "id", "column_id": "column", "[title]": "column title?",
        "[position]": "int?", "[remove]": "bool",
    },
    "card_group": {"board_id": "id", "card_id": "id", "onto_id": "id"},
    "card_ungroup": {"board_id": "id", "card_id": "id"},
    "cluster_title": {"board_id": "id", "card_id": "id", "title": "cluster title"},
    "comment_add": {
        "board_id": "id", "card_id": "id", "text": "comment text", "key": "key",
    },
    "comment_delete": {"board_id": "id", "comment_id": "id"},
}  # fmt: skip

NAN, INF = float("nan"), float("inf")
NON_FINITE = [NAN, INF, -INF]
#: Ids no row can have: refused as not found, never sent to the database.
NO_SUCH_IDS = [0, -1, 2**31, 2**63, 10**30]
#: Whatever the limit, text with these in one line is refused.
LINE_BREAKS = ["a\nb", "a\rb", "a\x00b", "a\u2028b", "a\u2029b", "a\x1bb", "a\ud800b"]
CONTROLS = ["a\x00b", "a\x1bb", "a\ud800b"]


def one_line(limit):
    return [5, True, ["x"], {"x": 1}, "x" * (limit + 1), *LINE_BREAKS]


#: Bad values for each kind of field; "not_found" where the server must answer so.
BAD_VALUES = {
    "id": [("1", True, 1.0, 2.5, None, [1], *NON_FINITE), NO_SUCH_IDS],
    "column": [("1", True, 1.0, None, *NON_FINITE, *NO_SUCH_IDS), ()],
    "int?": [("1", True, 1.5, [1], *NON_FINITE), ()],
    "number": [("1", True, None, [1.5], *NON_FINITE), ()],
    "bool": [("true", 1, 0, None), ()],
    "card text": [(5, None, ["x"], "x" * (MAX_CARD_TEXT + 1), *CONTROLS), ()],
    "comment text": [(5, None, ["x"], "x" * (MAX_COMMENT_TEXT + 1), *CONTROLS), ()],
    "cluster title": [(None, *one_line(MAX_CLUSTER_TITLE)), ()],
    "reason": [(5, None, "x" * 2001, *CONTROLS), ()],
    "name": [(None, *one_line(MAX_ON_BEHALF_OF)), ()],
    "column title": [(None, *one_line(MAX_COLUMN_TITLE)), ()],
    "column title?": [one_line(MAX_COLUMN_TITLE), ()],
    "key": [(12345678, None, "kort", "x" * 65, "abc\x00defgh", "abc\ndefgh"), ()],
    "action": [("delete", "", 1, None), ()],
    "settings": [
        (
            None, [], "locked", {}, {"colour": "red"},
            *({"title": value} for value in one_line(MAX_BOARD_TITLE)),
            *({"locked": value} for value in ("yes", 1, None)),
            *({"vote_budget": value} for value in ("2", True, 2.5, 0, 101, NAN)),
            *({"timer_minutes": value} for value in ("5", True, 0, 10**30, INF)),
            *({"phase": value} for value in ("lunch", 1, True, "WRITE")),
            *({"members_group": value} for value in ("yes", 1, None)),
        ),
        (),
    ],
}  # fmt: skip

NOT_A_PAYLOAD = [(), (None,), ([],), ("board",), (7,), ({}, {})]


def valid_payloads(board_id, columns, card_id, other_id, comment_id):
    """One payload per event that an adviser on the board may send, in an order
    that lets each succeed after the ones before it."""
    return {
        "join": {"board_id": board_id, "version": 0},
        "sync": {"board_id": board_id, "version": 0},
        "leave": {"board_id": board_id},
        "presence": {"board_id": board_id},
        "card_add": {
            "board_id": board_id, "column_id": columns[0],
            "text": "Regel 1\nRegel 2", "key": "valid-key-1", "on_behalf_of": "Ans",
        },
        "card_edit": {"board_id": board_id, "card_id": card_id, "text": "Beter"},
        "card_move": {
            "board_id": board_id, "card_id": card_id,
            "column_id": columns[1], "position": 2.5,
        },
        "card_vote": {"board_id": board_id, "card_id": card_id},
        "card_moderate": {
            "board_id": board_id, "card_id": card_id, "action": "pin",
            "reason": "Vaak\ngenoemd",
        },
        "card_group": {"board_id": board_id, "card_id": other_id, "onto_id": card_id},
        "cluster_title": {"board_id": board_id, "card_id": card_id, "title": "Tijd"},
        "card_ungroup": {"board_id": board_id, "card_id": other_id},
        "comment_add": {
            "board_id": board_id, "card_id": card_id, "text": "Eens\nZeker",
            "key": "valid-key-2",
        },
        "comment_delete": {"board_id": board_id, "comment_id": comment_id},
        "card_delete": {"board_id": board_id, "card_id": card_id},
        "board_update": {
            "board_id": board_id,
            "settings": {"title": "Ronde 2", "phase": "vote", "members_group": True},
        },
        "column_add": {"board_id": board_id, "title": "Acties"},
        "column_change": {
            "board_id": board_id, "column_id": columns[0], "title": "Tips",
            "position": 0, "remove": False,
        },
    }  # fmt: skip


def bad_payloads(event, valid):
    """(what is wrong, the arguments to send, the error expected) for `event`."""
    for args in NOT_A_PAYLOAD:
        yield f"arguments {args!r}", args, "invalid"
    for field, kind in EVENTS[event].items():
        name = field.strip("[]")
        if not field.startswith("["):
            yield (
                f"without {name}",
                ({k: v for k, v in valid.items() if k != name},),
                "invalid",
            )
        invalid, not_found = BAD_VALUES[kind]
        for values, error in ((invalid, "invalid"), (not_found, "not_found")):
            for value in values:
                yield f"{name}={value!r}", ({**valid, name: value},), error
    yield "an unknown field", ({**valid, "extra": 1},), "invalid"  # fmt: skip


@pytest.fixture
def adviser_socket(setup, board_socket, db):
    """The adviser on the board, which has one card: (socket, board, payloads)."""
    board, columns, clients, people = setup
    card = factories.card(board, by=people["member"])
    other = factories.card(board, by=people["other"], text="Neem de tijd")
    comment = factories.comment(card, by=people["other"])
    db.session.commit()
    socket, _state = joined(board_socket, clients["adviser"], board)
    payloads = valid_payloads(board.id, columns, card.id, other.id, comment.id)
    return socket, board, payloads


def test_the_table_of_events_covers_every_payload_model():
    from circle.boards import events

    handled = {name[3:] for name in vars(events.BoardNamespace) if name[:3] == "on_"}
    assert set(EVENTS) == handled - {"connect", "disconnect"}
    for kind in {kind for fields in EVENTS.values() for kind in fields.values()}:
        assert kind in BAD_VALUES


@pytest.mark.parametrize("event", list(EVENTS))
def test_a_malformed_payload_is_refused_and_changes_nothing(
    adviser_socket, db, subtests, event
):
    socket, board, valid = adviser_socket
    version = board.version
    for problem, args, error in bad_payloads(event, valid[event]):
        with subtests.test(problem):
            reply = socket.emit(event, *args, namespace=NS, callback=True)
            assert reply == {"ok": False, "error": error, "message": reply["message"]}
            assert isinstance(reply["message"], str) and reply["message"]
            db.session.expire_all()
            assert db.session.get(Board, board.id).version == version


def test_the_valid_payloads_of_that_table_are_accepted(adviser_socket, db):
    socket, board, valid = adviser_socket
    for event, payload in valid.items():
        reply = socket.emit(event, payload, namespace=NS, callback=True)
        assert reply["ok"], (event, reply)
    db.session.expire_all()
    cards = db.session.scalars(sa.select(Card).order_by(Card.id)).all()
    assert cards[-1].text == "Regel 1\nRegel 2"  # card texts keep their lines


def test_refusals_are_in_the_users_language(adviser_socket, db, adviser):
    socket, board, valid = adviser_socket
    reply = socket.emit("card_vote", [], namespace=NS, callback=True)
    assert reply["message"] == "Het verzoek is onvolledig: laad de pagina opnieuw."
    too_long = {**valid["column_add"], "title": "x" * (MAX_COLUMN_TITLE + 1)}
    reply = socket.emit("column_add", too_long, namespace=NS, callback=True)
    assert reply["message"] == (
        "Een kolom heeft een titel van hoogstens 120 tekens nodig."
    )
    half_a_vote = {**valid["board_update"], "settings": {"vote_budget": 2.5}}
    reply = socket.emit("board_update", half_a_vote, namespace=NS, callback=True)
    assert reply["message"] == "Stemmen per persoon: leeg, of 1 tot 100."
    adviser.language = "en"
    db.session.commit()
    reply = socket.emit("card_vote", {**valid["card_vote"], "card_id": 2**63},
                        namespace=NS, callback=True)  # fmt: skip
    assert reply["message"] == "That card is no longer on the board."


def test_every_app_serves_the_board_namespace():
    from circle.extensions import db as database
    from circle.extensions import socketio
    from tests.conftest import make_test_app, running

    for _ in range(2):
        with running(make_test_app()) as app:
            person = factories.user(Role.ADVISER)
            database.session.commit()
            client = app.test_client()
            client.post_form("/login", {"email": person.email, "password": PASSWORD})
            socket = socketio.test_client(app, namespace=NS, flask_test_client=client)
            assert socket.is_connected(NS)
            socket.disconnect(namespace=NS)


def test_settings_changes_reach_open_windows_for_every_card(setup, board_socket, db):
    """As the browser does it: after a settings change an open window asks for
    what changed since the version it has, and gets every card as it now looks."""
    board, columns, clients, people = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    emit(adviser, "board_update", board_id=board.id, settings={"blurred": True})
    member, _s = joined(board_socket, clients["member"], board)
    other, joined_state = joined(board_socket, clients["other"], board)
    add(member, board, columns[0], "Geheime tip")
    version = changes(other)[-1]["version"]
    emit(adviser, "board_update", board_id=board.id, settings={"blurred": False})
    (change,) = [c for c in changes(other) if c["kind"] == "board"]
    assert change["resync"] is True
    revealed = emit(other, "sync", board_id=board.id, version=version)
    assert revealed["full"] is True
    (card,) = revealed["cards"]
    assert card["text"] == "Geheime tip" and card["author"] == people["member"].name
    version = revealed["version"]
    emit(adviser, "board_update", board_id=board.id, settings={"anonymous": True})
    hidden = emit(other, "sync", board_id=board.id, version=version)
    assert hidden["full"] is True
    assert [c["text"] for c in hidden["cards"]] == ["Geheime tip"]
    assert all("author" not in c for c in hidden["cards"])


@pytest.mark.parametrize(
    "template, columns",
    [
        ("tips", ["Tips voor gemeenten", "Tips voor initiatieven", "Vragen"]),
        ("works", ["Wat werkt", "Wat niet", "Vragen"]),
        ("start-stop", ["Start", "Stop", "Doorgaan"]),
        ("empty", ["Ideeën"]),
    ],
)
def test_a_board_starts_from_a_template(setup, db, template, columns):
    board, _columns, clients, _ = setup
    response = clients["adviser"].post_form(
        f"/sessions/{board.meeting_id}/boards",
        {"title": f"Bord {template}", "template": template},
    )
    assert response.status_code == 302
    made = db.session.scalar(sa.select(Board).where(Board.title == f"Bord {template}"))
    assert [column.title for column in made.columns] == columns


def test_an_unknown_template_makes_no_board(setup, db):
    board, _columns, clients, _ = setup
    before = db.session.scalar(sa.select(sa.func.count(Board.id)))
    response = clients["adviser"].post_form(
        f"/sessions/{board.meeting_id}/boards",
        {"title": "Onbekend", "template": "kanban"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Board.id))) == before
    with pytest.raises(boards.BoardError):
        boards.create_board(
            board.meeting, "X", by=setup[3]["adviser"], now=utcnow(), template="kanban"
        )


def test_join_a_board_by_its_code_or_qr_link(app, setup, db, make_user, login):
    board, _columns, clients, _people = setup
    assert len(board.code) == 6
    typed = f" {board.code[:3].lower()}-{board.code[3:]} "  # as people type it
    response = clients["other"].post_form("/join", {"code": typed})
    assert response.headers["Location"].endswith(f"/boards/{board.id}")
    link = clients["member"].get(f"/b/{board.code}")
    assert link.headers["Location"].endswith(f"/boards/{board.id}")
    svg = clients["member"].get(f"/boards/{board.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    assert b'xmlns="http://www.w3.org/2000/svg"' in svg.data  # drawable as an <img>
    page = clients["member"].get(f"/boards/{board.id}").get_data(as_text=True)
    assert board.code in page
    # Someone outside the group learns nothing from a right code.
    outsider = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=outsider)
    wrong = outsider.post_form("/join", {"code": board.code})
    right_for_others = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and 'aria-invalid="true"' in right_for_others
    unknown = outsider.post_form("/join", {"code": "ZZZZZZ"}).get_data(as_text=True)
    assert _field_message(unknown) == _field_message(right_for_others)
    assert outsider.get(f"/b/{board.code}").status_code == 404
    assert outsider.get(f"/boards/{board.id}/qr.svg").status_code == 404
    assert app.test_client().get("/join").status_code == 302  # log in first


def _field_message(page: str) -> str:
    import re

    return re.search(r'id="code-error">(.*?)</p>', page, re.S).group(1)


def test_presenter_view_shows_the_board_as_members_see_it(
    app, setup, board_socket, db, make_user, login
):
    board, columns, clients, _people = setup
    member, _s = joined(board_socket, clients["member"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    secret = add(member, board, columns[0], "Nog even geheim")["card"]["id"]
    hidden = add(member, board, columns[0], "Niet voor de zaal")["card"]["id"]
    emit(adviser, "card_moderate", board_id=board.id, card_id=hidden, action="hide")
    emit(adviser, "board_update", board_id=board.id, settings={"blurred": True})
    page = clients["adviser"].get(f"/boards/{board.id}/present").get_data(as_text=True)
    assert 'data-presenter="true"' in page and board.code in page
    assert "Nog even geheim" not in page and "Niet voor de zaal" not in page
    assert "Adviser controls" not in page and 'data-moderator="false"' in page
    assert secret  # the blurred card is there, without its text
    outsider = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=outsider)
    assert outsider.get(f"/boards/{board.id}/present").status_code == 404


def test_advisers_board_page_has_one_promote_form_whatever_the_cards(
    setup, board_socket, db, programme, group
):
    board, columns, clients, people = setup
    for number in range(5):
        factories.thread(
            programme, group, by=people["member"], title=f"Gesprek {number}"
        )
    db.session.commit()
    member, _s = joined(board_socket, clients["member"], board)
    for number in range(8):
        add(member, board, columns[0], f"Kaartje {number}")
    page = clients["adviser"].get(f"/boards/{board.id}").get_data(as_text=True)
    assert page.count('<select id="promote-') == 1  # the template board.js clones
    assert all(f"Kaartje {number}" in page for number in range(8))


#: What a member gets for each event of the table, sent about someone else's
#: card and reply (None: allowed).
MEMBER_ANSWERS = {
    "join": None, "sync": None, "leave": None, "presence": None,
    "card_add": "forbidden",  # the table's card is added on behalf of someone
    "card_edit": "forbidden", "card_move": "forbidden", "card_delete": "forbidden",
    "card_vote": None, "card_moderate": "forbidden", "board_update": "forbidden",
    "column_add": "forbidden", "column_change": "forbidden",
    "card_group": "phase", "card_ungroup": "phase", "cluster_title": "phase",
    "comment_add": None, "comment_delete": "forbidden",
}  # fmt: skip


def test_every_event_answers_outsiders_not_found_and_members_by_role(
    app, adviser_socket, board_socket, make_user, login, add_member, group, db
):
    _socket, board, valid = adviser_socket
    outsider = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=outsider)
    outside = board_socket(outsider)
    # A third member: not the author of the table's cards, nor of its reply.
    third = make_user(Role.PARTICIPANT)
    add_member(group, third)
    member = board_socket(login(third, test_client=app.test_client()))
    assert set(MEMBER_ANSWERS) == set(EVENTS)
    for event, payload in valid.items():
        db.session.expire_all()
        version = db.session.get(Board, board.id).version
        reply = outside.emit(event, payload, namespace=NS, callback=True)
        assert reply["error"] == "not_found", (event, reply)
        reply = member.emit(event, payload, namespace=NS, callback=True)
        expected = MEMBER_ANSWERS[event]
        if expected is None:
            assert reply["ok"], (event, reply)
        else:
            assert reply.get("error") == expected, (event, reply)
            db.session.expire_all()
            assert db.session.get(Board, board.id).version == version, event
