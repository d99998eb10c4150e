"""Live boards follow the permissions: whoever loses access leaves the board at once.

Each case with a Socket.IO client on the board: removed from the group, leaving
it, logging out, changing or resetting the password, deleting the account. The
socket is told (or disconnected), receives no further change and can write
nothing more. tests/test_multiprocess.py checks a logout across two processes.
"""

import sqlalchemy as sa

from circle.accounts import sessions
from circle.accounts.models import PasswordReset, hash_token
from circle.boards.models import Presence
from circle.database import utcnow
from circle.groups import services as groups
from circle.groups.models import Membership
from circle.privacy.services import delete_account
from tests.factories import PASSWORD

NS = "/boards"


def on_board(board_socket, client, board):
    socket = board_socket(client)
    reply = socket.emit("join", {"board_id": board.id}, namespace=NS, callback=True)
    assert reply["ok"], reply
    socket.get_received(NS)  # forget the presence updates of joining
    return socket


def add_card(socket, board, text):
    return socket.emit(
        "card_add",
        {
            "board_id": board.id,
            "column_id": board.columns[0].id,
            "text": text,
            "key": f"key-{text}".replace(" ", "-")[:60].ljust(8, "x"),
        },
        namespace=NS,
        callback=True,
    )


def events(socket, name):
    if not socket.is_connected(NS):
        return []
    return [event for event in socket.get_received(NS) if event["name"] == name]


def assert_cut_off(socket, board, writer, *, disconnected: bool):
    """The socket was told (or dropped), gets no new card, and cannot write."""
    if disconnected:
        assert not socket.is_connected(NS)
    else:
        told = events(socket, "access_revoked")
        assert [event["args"][0] for event in told] == [{"board_id": board.id}]
    assert add_card(writer, board, "Na het vertrek")["ok"]
    assert events(socket, "change") == []
    if not disconnected:
        refused = add_card(socket, board, "Mag niet meer")
        assert refused["ok"] is False and refused["error"] == "not_found"


def test_a_member_removed_from_the_group_leaves_the_board(
    setup, board_socket, db, group
):
    board, _columns, clients, people = setup
    member = on_board(board_socket, clients["member"], board)
    other = on_board(board_socket, clients["other"], board)
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == people["member"].id)
    )
    groups.remove_member(
        membership,
        reason="Verhuisd",
        by=people["adviser"],
        now=utcnow(),
    )
    db.session.commit()
    assert_cut_off(member, board, other, disconnected=False)
    # The other member is still on the board and sees the card.
    assert [e["args"][0]["card"]["text"] for e in events(other, "change")] == [
        "Na het vertrek"
    ]
    left = db.session.scalars(
        sa.select(Presence.user_id).where(Presence.board_id == board.id)
    ).all()
    assert people["member"].id not in left and people["other"].id in left


def test_a_member_who_leaves_the_group_leaves_the_board(setup, board_socket, db, group):
    board, _columns, clients, people = setup
    member = on_board(board_socket, clients["member"], board)
    other = on_board(board_socket, clients["other"], board)
    groups.leave_group(group, people["member"], now=utcnow())
    db.session.commit()
    assert_cut_off(member, board, other, disconnected=False)


def test_logging_out_disconnects_the_board(setup, board_socket, db):
    board, _columns, clients, _people = setup
    member = on_board(board_socket, clients["member"], board)
    other = on_board(board_socket, clients["other"], board)
    assert clients["member"].post_form("/logout").status_code == 302
    assert_cut_off(member, board, other, disconnected=True)
    # The same (now signed-out) browser cannot connect again.
    assert not board_socket(clients["member"]).is_connected(NS)


def test_changing_the_password_disconnects_every_board(setup, board_socket, db):
    board, _columns, clients, people = setup
    member = on_board(board_socket, clients["member"], board)
    other = on_board(board_socket, clients["other"], board)
    sessions.change_password(
        people["member"],
        current=PASSWORD,
        new="een-heel-nieuw-wachtwoord",
        now=utcnow(),
    )
    db.session.commit()
    assert_cut_off(member, board, other, disconnected=True)


def test_a_password_reset_disconnects_every_board(setup, board_socket, db):
    board, _columns, clients, people = setup
    member = on_board(board_socket, clients["member"], board)
    other = on_board(board_socket, clients["other"], board)
    token = "herstel-" + "x" * 32
    db.session.add(
        PasswordReset(
            user_id=people["member"].id,
            token_hash=hash_token(token),
            expires_at=utcnow().replace(year=2099),
        )
    )
    db.session.commit()
    sessions.reset_password(token, "nog-een-nieuw-wachtwoord", now=utcnow())
    db.session.commit()
    assert_cut_off(member, board, other, disconnected=True)


def test_deleting_the_account_disconnects_every_board(setup, board_socket, db):
    board, _columns, clients, people = setup
    member = on_board(board_socket, clients["member"], board)
    other = on_board(board_socket, clients["other"], board)
    delete_account(people["member"], password=PASSWORD, now=utcnow())
    db.session.commit()
    assert_cut_off(member, board, other, disconnected=True)


def test_a_rollback_revokes_nothing(setup, board_socket, db, group):
    board, _columns, clients, people = setup
    member = on_board(board_socket, clients["member"], board)
    groups.leave_group(group, people["member"], now=utcnow())
    db.session.rollback()
    assert events(member, "access_revoked") == []
    assert add_card(member, board, "Nog steeds welkom")["ok"]
