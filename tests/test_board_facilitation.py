"""Facilitating on a board: clusters, replies under cards and phases, for each
role, under blur and anonymity (nothing leaks in any payload or export)."""

import csv
import io
import json

import sqlalchemy as sa

from circle.boards.models import Board, BoardTemplate, Card, CardComment, Phase
from tests import factories
from tests.test_boards import add, changes, emit, joined


def _card(socket, board, column, text):
    reply = add(socket, board, column, text)
    assert reply["ok"], reply
    return reply["card"]["id"]


def _setting(adviser, board, **settings):
    reply = emit(adviser, "board_update", board_id=board.id, settings=settings)
    assert reply["ok"], reply


def _everything(socket) -> str:
    """All a socket received, as one text to search for leaks."""
    return json.dumps([m["args"] for m in socket.get_received("/boards")])


# -- clusters ------


def test_adviser_groups_cards_into_a_cluster_that_moves_as_one(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    first = _card(member, board, columns[0], "Begin klein")
    second = _card(member, board, columns[1], "Klein beginnen")
    third = _card(member, board, columns[2], "Start met één straat")
    member.get_received("/boards")
    reply = emit(
        adviser, "card_group", board_id=board.id, card_id=second, onto_id=first
    )
    assert reply["ok"], reply
    seen = {c["card"]["id"]: c["card"] for c in changes(member)}
    assert seen[second]["cluster_id"] == first
    assert seen[second]["column_id"] == columns[0]  # joins the cluster's column
    # Grouping onto a card of a cluster puts it in that cluster, not a nest.
    assert emit(adviser, "card_group", board_id=board.id, card_id=third,
                onto_id=second)["ok"]  # fmt: skip
    assert emit(adviser, "cluster_title", board_id=board.id, card_id=third,
                title="Klein beginnen")["ok"]  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Card, third).cluster_id == first
    assert db.session.get(Card, first).cluster_title == "Klein beginnen"
    # The first card takes the cluster along; another card dragged out leaves it.
    emit(adviser, "card_move", board_id=board.id, card_id=first,
         column_id=columns[1], position=1.0)  # fmt: skip
    db.session.expire_all()
    assert {db.session.get(Card, i).column_id for i in (first, second, third)} == {
        columns[1]
    }
    emit(adviser, "card_move", board_id=board.id, card_id=third,
         column_id=columns[2], position=1.0)  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Card, third).cluster_id is None
    # The keyboard's way out: ungroup.
    assert emit(adviser, "card_ungroup", board_id=board.id, card_id=second)["ok"]
    db.session.expire_all()
    assert db.session.get(Card, second).cluster_id is None
    refused = emit(adviser, "card_ungroup", board_id=board.id, card_id=second)
    assert refused["error"] == "invalid"


def test_cluster_votes_add_up_in_the_exports(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    other, _s = joined(board_socket, clients["other"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    first = _card(member, board, columns[0], "Geef ruimte")
    second = _card(other, board, columns[0], "Laat los")
    _card(other, board, columns[0], "Los kaartje")
    for socket, card in ((member, second), (other, first), (adviser, first)):
        assert emit(socket, "card_vote", board_id=board.id, card_id=card)["ok"]
    emit(adviser, "card_group", board_id=board.id, card_id=second, onto_id=first)
    emit(adviser, "cluster_title", board_id=board.id, card_id=first, title="Ruimte")
    markdown = clients["adviser"].get(f"/boards/{board.id}/export.md").get_data(True)
    assert "- **Ruimte** (3 ★)" in markdown
    assert "  - Geef ruimte" in markdown and "  - Laat los" in markdown
    assert "\n- Los kaartje" in markdown
    rows = list(
        csv.reader(
            io.StringIO(
                clients["adviser"]
                .get(f"/boards/{board.id}/export.csv")
                .data.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    groups = {row[2]: row[1] for row in rows[1:]}
    assert groups == {"Geef ruimte": "Ruimte", "Laat los": "Ruimte", "Los kaartje": ""}
    printed = clients["adviser"].get(f"/boards/{board.id}/print").get_data(True)
    assert "<strong>Ruimte</strong> (3 ★)" in printed


def test_members_group_only_when_the_adviser_allows_it(setup, board_socket, db):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    first = _card(member, board, columns[0], "Een")
    second = _card(member, board, columns[0], "Twee")
    refused = emit(member, "card_group", board_id=board.id, card_id=second,
                   onto_id=first)  # fmt: skip
    assert refused["error"] == "phase"
    _setting(adviser, board, members_group=True)
    assert emit(member, "card_group", board_id=board.id, card_id=second,
                onto_id=first)["ok"]  # fmt: skip


def test_deleting_a_clusters_first_card_keeps_the_rest_grouped(setup, board_socket, db):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    ids = [_card(adviser, board, columns[0], text) for text in ("A1", "B2", "C3")]
    for card in ids[1:]:
        emit(adviser, "card_group", board_id=board.id, card_id=card, onto_id=ids[0])
    emit(adviser, "cluster_title", board_id=board.id, card_id=ids[0], title="ABC")
    assert emit(adviser, "card_delete", board_id=board.id, card_id=ids[0])["ok"]
    db.session.expire_all()
    lead, rest = db.session.get(Card, ids[1]), db.session.get(Card, ids[2])
    assert (lead.cluster_id, lead.cluster_title, rest.cluster_id) == (
        None,
        "ABC",
        lead.id,
    )


# -- replies ------


def test_replies_arrive_live_and_only_their_author_or_adviser_removes_them(
    setup, board_socket, db
):
    board, columns, clients, people = setup
    member, _s = joined(board_socket, clients["member"], board)
    other, _s = joined(board_socket, clients["other"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    card = _card(member, board, columns[0], "Organiseer een buurtavond")
    other.get_received("/boards")
    reply = emit(other, "comment_add", board_id=board.id, card_id=card,
                 text="Werkte bij ons ook", key="reply-key-1")  # fmt: skip
    assert reply["ok"], reply
    (mine,) = reply["card"]["comments"]
    assert mine["mine"] is True and mine["author"] == people["other"].name
    seen = changes(member)[-1]
    assert seen["card"]["comments"][0]["text"] == "Werkte bij ons ook"
    # The same write again (a retry) adds nothing.
    emit(other, "comment_add", board_id=board.id, card_id=card,
         text="Werkte bij ons ook", key="reply-key-1")  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CardComment)) == 1
    comment_id = mine["id"]
    refused = emit(member, "comment_delete", board_id=board.id, comment_id=comment_id)
    assert refused["error"] == "forbidden"
    assert emit(adviser, "comment_delete", board_id=board.id,
                comment_id=comment_id)["ok"]  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CardComment)) == 0
    too_long = emit(member, "comment_add", board_id=board.id, card_id=card,
                    text="x" * 301, key="reply-key-2")  # fmt: skip
    assert too_long["message"] == "Een reactie mag hoogstens 300 tekens lang zijn."


def test_blur_hides_replies_and_cluster_titles_from_everyone_else(
    setup, board_socket, db
):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    _setting(adviser, board, blurred=True)
    member, _s = joined(board_socket, clients["member"], board)
    other, _s = joined(board_socket, clients["other"], board)
    card = _card(member, board, columns[0], "Geheime tip")
    second = _card(member, board, columns[0], "Tweede geheim")
    # Replying to a card one cannot read is refused; the author may.
    refused = emit(other, "comment_add", board_id=board.id, card_id=card,
                   text="Wat staat er?", key="reply-key-3")  # fmt: skip
    assert refused["error"] == "forbidden"
    assert emit(member, "comment_add", board_id=board.id, card_id=card,
                text="Eigen aanvulling", key="reply-key-4")["ok"]  # fmt: skip
    assert emit(adviser, "comment_add", board_id=board.id, card_id=card,
                text="Adviseur reageert", key="reply-key-5")["ok"]  # fmt: skip
    emit(adviser, "card_group", board_id=board.id, card_id=second, onto_id=card)
    emit(adviser, "cluster_title", board_id=board.id, card_id=card, title="Kluster")
    received = _everything(other)
    for secret in ("Geheime tip", "Eigen aanvulling", "Adviseur reageert", "Kluster"):
        assert secret not in received
    state = emit(other, "sync", board_id=board.id, version=0)
    assert "Eigen aanvulling" not in json.dumps(state)
    assert "Adviseur reageert" in json.dumps(emit(member, "sync", board_id=board.id))
    _setting(adviser, board, blurred=False)
    revealed = json.dumps(emit(other, "sync", board_id=board.id))
    assert "Eigen aanvulling" in revealed and "Kluster" in revealed


def test_anonymous_boards_name_nobody_in_replies_or_exports(setup, board_socket, db):
    board, columns, clients, people = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    _setting(adviser, board, anonymous=True)
    member, _s = joined(board_socket, clients["member"], board)
    other, _s = joined(board_socket, clients["other"], board)
    card = _card(member, board, columns[0], "Anoniem idee")
    emit(other, "comment_add", board_id=board.id, card_id=card,
         text="Anonieme reactie", key="reply-key-6")  # fmt: skip
    name = people["other"].name
    for socket in (member, other, adviser):
        assert name not in _everything(socket)
        assert name not in json.dumps(emit(socket, "sync", board_id=board.id))
    for url in ("export.md", "export.csv", "print"):
        body = clients["adviser"].get(f"/boards/{board.id}/{url}").get_data(True)
        assert "Anonieme reactie" in body and name not in body


# -- phases ------


def test_phases_switch_what_members_can_do_and_everyone_sees_it(
    setup, board_socket, db
):
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    card = _card(member, board, columns[0], "Eerste kaart")
    member.get_received("/boards")
    _setting(adviser, board, phase="vote", timer_minutes=5)
    (change,) = changes(member)
    assert change["board"]["phase"] == "vote" and change["board"]["timer_ends_at"]
    refused = add(member, board, columns[0], "Te laat")
    assert refused["error"] == "phase"
    assert (
        refused["message"]
        == "Kaartjes schrijven is gesloten in deze fase van het bord."
    )
    assert emit(member, "card_vote", board_id=board.id, card_id=card)["ok"]
    assert add(adviser, board, columns[0], "Adviseur mag altijd")["ok"]
    _setting(adviser, board, phase="write")
    assert emit(member, "card_vote", board_id=board.id, card_id=card)["error"] == (
        "phase"
    )
    assert add(member, board, columns[0], "Weer open")["ok"]
    _setting(adviser, board, phase="group")
    other_card = _card(adviser, board, columns[0], "Bij elkaar")
    assert emit(member, "card_group", board_id=board.id, card_id=card,
                onto_id=other_card)["ok"]  # fmt: skip
    _setting(adviser, board, phase="discuss")
    assert emit(member, "comment_add", board_id=board.id, card_id=card,
                text="Bespreken", key="reply-key-7")["ok"]  # fmt: skip
    assert emit(member, "card_edit", board_id=board.id, card_id=card,
                text="Anders")["error"] == "phase"  # fmt: skip
    _setting(adviser, board, phase=None)
    assert add(member, board, columns[0], "Zonder fasen")["ok"]
    page = clients["member"].get(f"/boards/{board.id}").get_data(True)
    assert "Bespreken" in page


# -- templates saved for the programme ------


def test_an_adviser_saves_a_board_as_a_template_for_the_programme(
    setup, board_socket, db, admin
):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    emit(adviser, "column_change", board_id=board.id, column_id=columns[2],
         title="Wat nemen we mee?")  # fmt: skip
    _setting(adviser, board, anonymous=True, vote_budget=3, phase="vote")
    response = clients["adviser"].post_form(
        f"/boards/{board.id}/template", {"name": "Terugblik"}
    )
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(BoardTemplate))
    assert saved.columns == ["Tips voor gemeenten", "Tips voor initiatieven",
                             "Wat nemen we mee?"]  # fmt: skip
    # The session page offers it; a board made from it has its columns and
    # settings, and starts in the writing phase.
    page = clients["adviser"].get(f"/sessions/{board.meeting_id}").get_data(True)
    assert f'value="saved-{saved.id}">Terugblik<' in page
    clients["adviser"].post_form(
        f"/sessions/{board.meeting_id}/boards",
        {"title": "Ronde 2", "template": f"saved-{saved.id}"},
    )
    made = db.session.scalar(sa.select(Board).where(Board.title == "Ronde 2"))
    assert [column.title for column in made.columns] == saved.columns
    assert (made.is_anonymous, made.vote_budget, made.phase) == (True, 3, Phase.WRITE)
    # Saving under the same name replaces it.
    clients["adviser"].post_form(f"/boards/{board.id}/template", {"name": "Terugblik"})
    assert db.session.scalar(sa.select(sa.func.count(BoardTemplate.id))) == 1


def test_templates_are_the_programmes_and_only_advisers_save_them(
    setup, db, admin, make_meeting
):
    board, _columns, clients, _ = setup
    assert (
        clients["member"]
        .post_form(f"/boards/{board.id}/template", {"name": "Van mij"})
        .status_code
        == 403
    )
    too_long = clients["adviser"].post_form(
        f"/boards/{board.id}/template", {"name": "x" * 121}, follow_redirects=True
    )
    assert "hoogstens 120 tekens" in too_long.get_data(True)
    assert db.session.scalar(sa.select(sa.func.count(BoardTemplate.id))) == 0
    other_programme = factories.programme(by=admin, name="Ander traject")
    foreign = BoardTemplate(programme_id=other_programme.id, name="Elders",
                            columns=["Geheim"])  # fmt: skip
    db.session.add(foreign)
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(Board.id)))
    clients["adviser"].post_form(
        f"/sessions/{board.meeting_id}/boards",
        {"title": "Van elders", "template": f"saved-{foreign.id}"},
    )
    assert db.session.scalar(sa.select(sa.func.count(Board.id))) == before


# -- the write path ------


def test_a_card_costs_a_fixed_handful_of_statements(
    setup, board_socket, db, count_queries
):
    """Login check, board with its session, access, lock, key, column, insert,
    change, version: nothing read twice, nothing loaded again after the commit
    (bench/board_fanout.py measures what this buys)."""
    board, columns, clients, _ = setup
    member, _s = joined(board_socket, clients["member"], board)
    adviser, _s = joined(board_socket, clients["adviser"], board)
    for number in range(3):
        add(member, board, columns[0], f"Warm {number}")
    for who, socket in (("member", member), ("adviser", adviser)):
        with count_queries() as queries:
            assert add(socket, board, columns[0], f"Geteld {who}")["ok"]
        assert queries.count <= 12, (who, queries.statements)


def test_grouping_onto_a_card_whose_group_leader_is_hidden_starts_a_new_group(
    setup, board_socket, db
):
    board, columns, clients, _ = setup
    adviser, _s = joined(board_socket, clients["adviser"], board)
    lead, under, other = (
        _card(adviser, board, columns[0], text) for text in ("Leider", "Lid", "Los")
    )
    emit(adviser, "card_group", board_id=board.id, card_id=under, onto_id=lead)
    emit(adviser, "card_moderate", board_id=board.id, card_id=lead, action="hide")
    assert emit(adviser, "card_group", board_id=board.id, card_id=other,
                onto_id=under)["ok"]  # fmt: skip
    db.session.expire_all()
    # Members saw "Lid" on its own: it leads a new group with "Los", apart from
    # the hidden card.
    assert db.session.get(Card, other).cluster_id == under
    assert db.session.get(Card, under).cluster_id is None
    assert emit(adviser, "cluster_title", board_id=board.id, card_id=other,
                title="Nieuw")["ok"]  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Card, under).cluster_title == "Nieuw"
