"""Board pages: the live board (readable without JavaScript), exports, promotion."""

import io

import segno
import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from circle.boards import actions, bp, promotion, templates
from circle.boards import services as boards
from circle.boards.action_views import action_form
from circle.boards.broadcast import publish
from circle.boards.forms import JoinForm, PromoteForm, TemplateForm, board_form
from circle.boards.models import Board, Card, Phase
from circle.boards.outline import outline
from circle.boards.state import MEMBERS, Viewer, board_state
from circle.database import utcnow
from circle.exports import csv_response
from circle.extensions import db
from circle.forms_util import flash_form_errors, perform
from circle.meetings.models import Meeting
from circle.permissions import (
    can_create_board,
    can_moderate_board,
    can_view_board,
    can_view_meeting,
)
from circle.threads.models import Thread
from circle.urls import external_url


def phase_names() -> dict[str, str]:
    return {
        Phase.WRITE.value: _("Writing"),
        Phase.GROUP.value: _("Grouping"),
        Phase.VOTE.value: _("Voting"),
        Phase.DISCUSS.value: _("Discussing"),
    }


def _load_board(board_id: int) -> Board:
    board = db.get_or_404(Board, board_id)
    if not can_view_board(current_user, board):
        abort(404)
    return board


@bp.route("/join", methods=["GET", "POST"])
def join():
    """Type the code shown in the room and land on the board."""
    form = JoinForm()
    if form.validate_on_submit():
        done = perform(
            lambda: boards.board_for_code(form.code.data, by=current_user), form=form
        )
        if done:
            return redirect(url_for("boards.detail", board_id=done.result.id))
    return render_template("boards/join.html", form=form)


@bp.route("/b/<code>")
def join_by_link(code: str):
    """Where the board's QR code points: the code in the address."""
    try:
        board = boards.board_for_code(code, by=current_user)
    except boards.BoardError:
        abort(404)
    return redirect(url_for("boards.detail", board_id=board.id))


@bp.route("/boards/<int:board_id>/qr.svg")
def qr_code(board_id: int):
    board = _load_board(board_id)
    link = external_url("boards.join_by_link", code=board.code)
    # A whole SVG file (with its namespace), not the inline form: browsers
    # draw an <img> of it only then.
    buffer = io.BytesIO()
    segno.make(link, error="m").save(
        buffer, kind="svg", scale=8, title=_("QR code that opens this board")
    )
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.route("/sessions/<int:meeting_id>/boards", methods=["POST"])
def create(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_view_meeting(current_user, meeting):
        abort(404)
    if not can_create_board(current_user, meeting):
        abort(403)
    form = board_form(meeting.programme_id)
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif done := perform(
        lambda: boards.create_board(
            meeting,
            form.title.data,
            by=current_user,
            now=utcnow(),
            template=form.template.data,
        )
    ):
        return redirect(url_for("boards.detail", board_id=done.result.id))
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


def _columns_with_cards(board: Board, viewer: Viewer):
    state = board_state(board, viewer)
    by_column = {column["id"]: [] for column in state["columns"]}
    for card in state["cards"]:
        by_column.setdefault(card["column_id"], []).append(card)
    return state, [(column, by_column[column["id"]]) for column in state["columns"]]


@bp.route("/boards/<int:board_id>")
def detail(board_id: int):
    board = _load_board(board_id)
    viewer = Viewer.of(current_user, board)
    state, columns = _columns_with_cards(board, viewer)
    promote_form = new_action_form = template_form = None
    if viewer.is_moderator:
        promote_form = _promote_form(board)
        new_action_form = action_form(board)
        template_form = TemplateForm(formdata=None)
    return render_template(
        "boards/detail.html",
        phase_names=phase_names(),
        board=board,
        state=state,
        columns=columns,
        moderator=viewer.is_moderator,
        closed=board.is_closed(utcnow()),
        promote_form=promote_form,
        action_form=new_action_form,
        template_form=template_form,
        board_actions=actions.board_actions(board),
        presenter=False,
    )


@bp.route("/boards/<int:board_id>/present")
def present(board_id: int):
    """For the room's screen: large type, no controls, the code and QR code.

    Shown as members see the board (blurred cards stay blurred, hidden ones are
    left out, whoever opens it), so an adviser can put it on the projector.
    """
    board = _load_board(board_id)
    state, columns = _columns_with_cards(board, MEMBERS)
    return render_template(
        "boards/detail.html",
        phase_names=phase_names(),
        board=board,
        state=state,
        columns=columns,
        moderator=False,
        closed=board.is_closed(utcnow()),
        promote_form=None,
        action_form=None,
        board_actions=[],
        presenter=True,
    )


def _line(text: str) -> str:
    return " ".join(text.splitlines())


def _credit(thing: dict) -> str:
    return f" — {thing['author']}" if thing.get("author") else ""


def _markdown_card(card: dict, indent: str) -> list[str]:
    votes = f" ({card['votes']} ★)" if card["votes"] else ""
    lines = [f"{indent}- {_line(card['text'])}{_credit(card)}{votes}"]
    for comment in card.get("comments", []):
        lines.append(f"{indent}  - ↳ {_line(comment['text'])}{_credit(comment)}")
    return lines


def _export_rows(board: Board):
    """(column, group, text, author, votes, replies) per visible card."""
    for column, items in outline(board):
        for item in items:
            for card in item.cards:
                replies = " | ".join(
                    _line(c["text"]) + _credit(c) for c in card.get("comments", [])
                )
                yield (column["title"], item.title, card["text"],
                       card.get("author", ""), card["votes"], replies)  # fmt: skip


def _moderator_board(board_id: int) -> Board:
    board = _load_board(board_id)
    if not can_moderate_board(current_user, board):
        abort(403)
    return board


@bp.route("/boards/<int:board_id>/export.md")
def export_markdown(board_id: int):
    board = _moderator_board(board_id)
    lines = [f"# {board.title}", "", f"_{board.meeting.title}_", ""]
    for column, items in outline(board):
        lines += ["", f"## {column['title']}", ""]
        for item in items:
            if not item.is_cluster:
                lines += _markdown_card(item.card, "")
                continue
            lines.append(f"- **{_line(item.title)}** ({item.votes} ★)")
            for card in item.cards:
                lines += _markdown_card(card, "  ")
    body = "\n".join(lines).strip() + "\n"
    return Response(
        body,
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="board-{board.id}.md"'},
    )


@bp.route("/boards/<int:board_id>/export.csv")
def export_csv(board_id: int):
    board = _moderator_board(board_id)
    header = [_("Column"), _("Group"), _("Card"), _("Author"), _("Votes"), _("Replies")]
    return csv_response(header, _export_rows(board), f"board-{board.id}.csv")


@bp.route("/boards/<int:board_id>/template", methods=["POST"])
def save_template(board_id: int):
    """Keep the board's columns and settings as a template for the programme."""
    board = _moderator_board(board_id)
    form = TemplateForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        perform(
            lambda: templates.save_template(
                board, form.name.data, by=current_user, now=utcnow()
            ),
            lambda saved: _(
                "Saved: new boards in this programme can start from “%(name)s”.",
                name=saved.name,
            ),
        )
    return redirect(url_for("boards.detail", board_id=board.id))


@bp.route("/boards/<int:board_id>/print")
def export_print(board_id: int):
    board = _moderator_board(board_id)
    columns = outline(board)
    return render_template("boards/print.html", board=board, columns=columns)


def _promote_form(board: Board) -> PromoteForm:
    form = PromoteForm()
    meeting = board.meeting
    threads_here = db.session.scalars(
        sa.select(Thread)
        .where(
            Thread.programme_id == meeting.programme_id,
            Thread.group_id == meeting.group_id,
        )
        .order_by(Thread.last_post_at.desc())
        .limit(50)
    )
    form.thread_id.choices = [SelectChoice(0, _("A new conversation"))] + [
        SelectChoice(thread.id, thread.title) for thread in threads_here
    ]
    return form


@bp.route("/cards/<int:card_id>/promote", methods=["POST"])
def promote(card_id: int):
    card = db.get_or_404(Card, card_id)
    board = _moderator_board(card.board_id)
    form = _promote_form(board)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("boards.detail", board_id=board.id))
    done = perform(
        lambda: promotion.promote_card(
            card,
            form.thread_id.data or None,
            origin_url=url_for("boards.detail", board_id=board.id, _external=True),
            by=current_user,
            now=utcnow(),
        ),
        _("The card is now part of the conversation."),
    )
    if done:
        publish(board, [board.version])
    return redirect(url_for("boards.detail", board_id=board.id))
