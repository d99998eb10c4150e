"""Thread pages: lists, the conversation itself, posting, editing, files, notices."""

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from circle import audiences
from circle.cases.models import Case
from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import ReasonForm, perform
from circle.groups.models import Group
from circle.pagination import paginate
from circle.permissions import (
    can_edit_post,
    can_moderate_thread,
    can_view_attachment,
    can_view_group_members,
    can_view_post_history,
    is_enrolled,
)
from circle.programmes.models import Programme
from circle.threads import bp, files
from circle.threads import notifications as notices
from circle.threads import services as threads
from circle.threads.access import load_post, load_thread
from circle.threads.forms import (
    PROGRAMME_WIDE,
    EditPostForm,
    MoveForm,
    ReplyForm,
    ThreadForm,
)
from circle.threads.models import Attachment, Post, Thread, thread_themes

THREADS_PER_PAGE = 30


def _uploads(field_name: str = "attachments") -> list[files.Upload]:
    return [
        files.Upload(upload.filename, upload.read())
        for upload in request.files.getlist(field_name)
        if upload and upload.filename
    ]


def _threads_listing(where, page: int):
    """One page of threads, pinned first, with their reply counts."""
    query = (
        sa.select(Thread)
        .where(where)
        .options(joinedload(Thread.author), selectinload(Thread.themes))
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
    )
    pagination = paginate(query, page, THREADS_PER_PAGE)
    return pagination, threads.reply_counts([thread.id for thread in pagination])


def _theme_filter(where, programme: Programme):
    theme_id = request.args.get("theme", type=int)
    theme = next((t for t in programme.themes if t.id == theme_id), None)
    if theme is not None:
        where = sa.and_(
            where,
            Thread.id.in_(
                sa.select(thread_themes.c.thread_id).where(
                    thread_themes.c.theme_id == theme.id
                )
            ),
        )
    return where, theme


@bp.route("/groups/<int:group_id>/threads")
def group_threads(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_view_group_members(current_user, group):
        abort(404)
    where, theme = _theme_filter(Thread.group_id == group.id, group.programme)
    pagination, replies = _threads_listing(where, request.args.get("page", 1, type=int))
    return render_template(
        "threads/list.html",
        pagination=pagination,
        replies=replies,
        programme=group.programme,
        group=group,
        theme=theme,
    )


@bp.route("/programmes/<int:programme_id>/threads")
def programme_threads(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not is_enrolled(current_user, programme):
        abort(404)
    where, theme = _theme_filter(
        sa.and_(Thread.programme_id == programme.id, Thread.group_id.is_(None)),
        programme,
    )
    pagination, replies = _threads_listing(where, request.args.get("page", 1, type=int))
    return render_template(
        "threads/list.html",
        pagination=pagination,
        replies=replies,
        programme=programme,
        group=None,
        theme=theme,
    )


def _where_choices(programme: Programme) -> list[SelectChoice]:
    groups = db.session.scalars(
        sa.select(Group)
        .where(
            Group.programme_id == programme.id,
            Group.id.in_(audiences.group_ids_of(current_user)),
        )
        .order_by(Group.name)
    )
    choices = [SelectChoice(str(group.id), group.name) for group in groups]
    if is_enrolled(current_user, programme):
        choices.append(SelectChoice(PROGRAMME_WIDE, _("Everyone in the programme")))
    return choices


@bp.route("/programmes/<int:programme_id>/threads/new", methods=["GET", "POST"])
def create(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = ThreadForm()
    form.where.choices = _where_choices(programme)
    if not form.where.choices:
        abort(403)
    form.theme_ids.choices = [
        SelectChoice(theme.id, theme.label) for theme in programme.themes
    ]
    cases = db.session.scalars(
        sa.select(Case).where(Case.programme_id == programme.id).order_by(Case.title)
    )
    form.case_id.choices = [SelectChoice(0, _("No case"))] + [
        SelectChoice(case.id, case.title) for case in cases
    ]
    if request.method == "GET":
        form.where.data = request.args.get("group") or form.where.choices[0].value
        form.case_id.data = request.args.get("case", 0, type=int)
    if form.validate_on_submit():
        data = threads.ThreadData(
            title=form.title.data,
            group_id=None
            if form.where.data == PROGRAMME_WIDE
            else int(form.where.data),
            theme_ids=form.theme_ids.data or [],
            case_id=form.case_id.data or None,
            post=threads.PostData(
                form.body.data, _uploads(), key=form.submission_key.data or None
            ),
        )
        done = perform(
            lambda: threads.start_thread(
                programme, data, by=current_user, now=utcnow()
            ),
            _("Your conversation has started. You will hear about replies."),
            form=form,
        )
        if done:
            return redirect(url_for("threads.detail", thread_id=done.result.id))
    return render_template("threads/new.html", form=form, programme=programme)


@bp.route("/threads/<int:thread_id>")
def detail(thread_id: int):
    thread = load_thread(thread_id)
    reply_form = ReplyForm()
    quote_id = request.args.get("quote", type=int)
    if quote_id:
        quoted = db.session.get(Post, quote_id)
        if (
            quoted is not None
            and quoted.thread_id == thread.id
            and not quoted.is_hidden
        ):
            reply_form.body.data = threads.quote(quoted)
            reply_form.reply_to.data = str(quoted.id)
    return _thread_page(thread, reply_form, request.args.get("page", 1, type=int))


def _thread_page(
    thread: Thread, reply_form: ReplyForm, page: int | None, status: int = 200
):
    pagination = threads.thread_page(thread, page)
    moderator = can_moderate_thread(current_user, thread)
    move_form = None
    if moderator:
        move_form = MoveForm()
        groups = db.session.scalars(
            sa.select(Group)
            .where(Group.programme_id == thread.programme_id)
            .order_by(Group.name)
        )
        move_form.where.choices = [
            SelectChoice(PROGRAMME_WIDE, _("Everyone in the programme"))
        ] + [SelectChoice(str(group.id), group.name) for group in groups]
        move_form.where.data = (
            str(thread.group_id) if thread.group_id else PROGRAMME_WIDE
        )
    return (
        render_template(
            "threads/detail.html",
            thread=thread,
            pagination=pagination,
            moderator=moderator,
            following=threads.is_following(thread, current_user),
            reply_form=reply_form,
            reason_form=ReasonForm(),
            move_form=move_form,
        ),
        status,
    )


@bp.route("/threads/<int:thread_id>/reply", methods=["POST"])
def reply(thread_id: int):
    thread = load_thread(thread_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        # The page again with the errors beside the form and the text kept in it.
        return _thread_page(thread, form, None, status=400)
    reply_to = None
    if form.reply_to.data:
        try:
            reply_to = db.session.get(Post, int(form.reply_to.data))
        except ValueError:
            abort(400)
    done = perform(
        lambda: threads.reply(
            thread,
            threads.PostData(
                form.body.data, _uploads(), key=form.submission_key.data or None
            ),
            by=current_user,
            now=utcnow(),
            reply_to=reply_to,
        ),
        _("Your reply has been posted."),
        form=form,
    )
    if not done:
        return _thread_page(thread, form, None, status=400)
    return redirect(url_for("threads.post", post_id=done.result.id))


@bp.route("/posts/<int:post_id>")
def post(post_id: int):
    post = load_post(post_id)
    page = threads.page_of(post)
    return redirect(
        url_for("threads.detail", thread_id=post.thread_id, page=page)
        + f"#post-{post.id}"
    )


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def edit(post_id: int):
    post = load_post(post_id)
    if not can_edit_post(current_user, post):
        abort(403)
    form = EditPostForm(obj=post)
    if form.validate_on_submit() and perform(
        lambda: threads.edit_post(post, form.body.data, by=current_user, now=utcnow()),
        _("Your post has been saved."),
        form=form,
    ):
        return redirect(url_for("threads.post", post_id=post.id))
    return render_template("threads/edit.html", form=form, post=post)


@bp.route("/posts/<int:post_id>/history")
def history(post_id: int):
    post = load_post(post_id)
    if not can_view_post_history(current_user, post):
        abort(403)
    return render_template("threads/history.html", post=post)


@bp.route("/threads/<int:thread_id>/<any(follow, unfollow):action>", methods=["POST"])
def follow(thread_id: int, action: str):
    thread = load_thread(thread_id)
    if action == "follow":
        perform(
            lambda: threads.follow(thread, current_user, now=utcnow()),
            _("You follow this conversation: replies appear in your notifications."),
        )
    else:
        perform(
            lambda: threads.unfollow(thread, current_user),
            _("You no longer follow this conversation."),
        )
    return redirect(url_for("threads.detail", thread_id=thread.id))


@bp.route("/attachments/<int:attachment_id>/<path:filename>")
def attachment(attachment_id: int, filename: str):
    item = db.get_or_404(Attachment, attachment_id)
    if not can_view_attachment(current_user, item):
        abort(404)
    path = files.path_for(item.storage_key)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=item.content_type,
        as_attachment=not item.is_image,
        download_name=item.filename,
        max_age=0,
    )


@bp.route("/notifications")
def notifications():
    return render_template(
        "threads/notifications.html",
        items=notices.notifications_for(current_user),
    )


@bp.route("/notifications/read", methods=["POST"])
def read_notifications():
    perform(lambda: notices.mark_read(current_user, now=utcnow()))
    return redirect(url_for("threads.notifications"))
