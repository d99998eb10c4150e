"""Thread pages: lists, the conversation itself, posting, editing, files, search."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from circle import audiences
from circle.cases.models import Case
from circle.database import utcnow
from circle.errors import ServiceError
from circle.extensions import db
from circle.forms_util import flash_form_errors, perform, show_service_error
from circle.groups.models import Group
from circle.permissions import (
    can_edit_post,
    can_moderate_thread,
    can_view_attachment,
    can_view_group_members,
    can_view_post_history,
    can_view_thread,
    is_enrolled,
)
from circle.programmes.models import Programme
from circle.search.services import search as run_search
from circle.threads import bp, files
from circle.threads import services as threads
from circle.threads.forms import (
    EditPostForm,
    MoveForm,
    ReasonForm,
    ReplyForm,
    ThreadForm,
)
from circle.threads.models import Attachment, Post, Thread, thread_themes

THREADS_PER_PAGE = 30
PROGRAMME = "programme"


def _uploads(field_name: str = "attachments") -> list[files.Upload]:
    return [
        files.Upload(upload.filename, upload.read())
        for upload in request.files.getlist(field_name)
        if upload and upload.filename
    ]


def _load_thread(thread_id: int) -> Thread:
    thread = db.first_or_404(
        sa.select(Thread)
        .where(Thread.id == thread_id)
        .options(
            joinedload(Thread.group),
            joinedload(Thread.programme),
            joinedload(Thread.case),
            selectinload(Thread.themes),
        )
    )
    if not can_view_thread(current_user, thread):
        abort(404)  # another group's conversation is not even known to exist
    return thread


def _load_post(post_id: int) -> Post:
    post = db.get_or_404(Post, post_id)
    _load_thread(post.thread_id)
    return post


def _threads_listing(where, page: int):
    replies = (
        sa.select(Post.thread_id, (sa.func.count() - 1).label("replies"))
        .group_by(Post.thread_id)
        .subquery()
    )
    query = (
        sa.select(Thread, sa.func.coalesce(replies.c.replies, 0))
        .outerjoin(replies, replies.c.thread_id == Thread.id)
        .where(where)
        .options(joinedload(Thread.author), selectinload(Thread.themes))
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
    )
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Thread).where(where)
    )
    pages = max(1, -(-total // THREADS_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        query.offset((page - 1) * THREADS_PER_PAGE).limit(THREADS_PER_PAGE)
    )
    return list(rows), page, pages


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
    rows, page, pages = _threads_listing(where, request.args.get("page", 1, type=int))
    return render_template(
        "threads/list.html",
        rows=rows,
        page=page,
        pages=pages,
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
    rows, page, pages = _threads_listing(where, request.args.get("page", 1, type=int))
    return render_template(
        "threads/list.html",
        rows=rows,
        page=page,
        pages=pages,
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
        choices.append(SelectChoice(PROGRAMME, _("Everyone in the programme")))
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
        try:
            thread = threads.start_thread(
                programme,
                threads.ThreadData(
                    title=form.title.data,
                    group_id=None
                    if form.where.data == PROGRAMME
                    else int(form.where.data),
                    theme_ids=form.theme_ids.data or [],
                    case_id=form.case_id.data or None,
                    post=threads.PostData(form.body.data, _uploads()),
                ),
                by=current_user,
                now=utcnow(),
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Your conversation has started. You will hear about replies."),
                "success",
            )
            return redirect(url_for("threads.detail", thread_id=thread.id))
    return render_template("threads/new.html", form=form, programme=programme)


@bp.route("/threads/<int:thread_id>")
def detail(thread_id: int):
    thread = _load_thread(thread_id)
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
    posts, page, pages = threads.thread_page(thread, page)
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
            SelectChoice(PROGRAMME, _("Everyone in the programme"))
        ] + [SelectChoice(str(group.id), group.name) for group in groups]
        move_form.where.data = str(thread.group_id) if thread.group_id else PROGRAMME
    return (
        render_template(
            "threads/detail.html",
            thread=thread,
            posts=posts,
            page=page,
            pages=pages,
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
    thread = _load_thread(thread_id)
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
    try:
        post = threads.reply(
            thread,
            threads.PostData(form.body.data, _uploads()),
            by=current_user,
            now=utcnow(),
            reply_to=reply_to,
        )
    except ServiceError as error:
        db.session.rollback()
        show_service_error(form, error)
        return _thread_page(thread, form, None, status=400)
    db.session.commit()
    flash(_("Your reply has been posted."), "success")
    return redirect(url_for("threads.post", post_id=post.id))


@bp.route("/posts/<int:post_id>")
def post(post_id: int):
    post = _load_post(post_id)
    page = threads.page_of(post)
    return redirect(
        url_for("threads.detail", thread_id=post.thread_id, page=page)
        + f"#post-{post.id}"
    )


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def edit(post_id: int):
    post = _load_post(post_id)
    if not can_edit_post(current_user, post):
        abort(403)
    form = EditPostForm(obj=post)
    if form.validate_on_submit():
        try:
            threads.edit_post(post, form.body.data, by=current_user, now=utcnow())
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            db.session.commit()
            flash(_("Your post has been saved."), "success")
            return redirect(url_for("threads.post", post_id=post.id))
    return render_template("threads/edit.html", form=form, post=post)


@bp.route("/posts/<int:post_id>/history")
def history(post_id: int):
    post = _load_post(post_id)
    if not can_view_post_history(current_user, post):
        abort(403)
    return render_template("threads/history.html", post=post)


@bp.route("/posts/<int:post_id>/report", methods=["POST"])
def report(post_id: int):
    post = _load_post(post_id)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(
            lambda: threads.report_post(
                post, form.reason.data, by=current_user, now=utcnow()
            ),
            _("Thank you. The advisers will look at this post."),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("threads.post", post_id=post.id))


@bp.route("/posts/<int:post_id>/<any(hide, restore):action>", methods=["POST"])
def hide(post_id: int, action: str):
    post = _load_post(post_id)
    if not can_moderate_thread(current_user, post.thread):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        hidden = action == "hide"
        perform(
            lambda: threads.set_post_hidden(
                post,
                hidden,
                reason=form.reason.data or "",
                by=current_user,
                now=utcnow(),
            ),
            _("The post is hidden.") if hidden else _("The post is visible again."),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("threads.post", post_id=post.id))


@bp.route(
    "/threads/<int:thread_id>/<any(lock, unlock, pin, unpin):action>", methods=["POST"]
)
def flag(thread_id: int, action: str):
    thread = _load_thread(thread_id)
    if not can_moderate_thread(current_user, thread):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        value = not action.startswith("un")
        messages = {
            "lock": _("The conversation is closed for new replies."),
            "unlock": _("The conversation is open again."),
            "pin": _("The conversation is pinned to the top."),
            "unpin": _("The conversation is no longer pinned."),
        }
        perform(
            lambda: threads.set_thread_flag(
                thread,
                action.removeprefix("un"),
                value,
                reason=form.reason.data or "",
                by=current_user,
                now=utcnow(),
            ),
            messages[action],
        )
    return redirect(url_for("threads.detail", thread_id=thread.id))


@bp.route("/threads/<int:thread_id>/move", methods=["POST"])
def move(thread_id: int):
    thread = _load_thread(thread_id)
    if not can_moderate_thread(current_user, thread):
        abort(403)
    where = request.form.get("where", "")
    if where != PROGRAMME and not where.isdigit():
        abort(400)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(
            lambda: threads.move_thread(
                thread,
                None if where == PROGRAMME else int(where),
                reason=form.reason.data or "",
                by=current_user,
                now=utcnow(),
            ),
            _("The conversation has been moved."),
        )
    if not can_view_thread(current_user, thread):
        return redirect(url_for("main.home"))
    return redirect(url_for("threads.detail", thread_id=thread.id))


@bp.route("/threads/<int:thread_id>/<any(follow, unfollow):action>", methods=["POST"])
def follow(thread_id: int, action: str):
    thread = _load_thread(thread_id)
    if action == "follow":
        threads.follow(thread, current_user, now=utcnow())
        message = _(
            "You follow this conversation: replies appear in your notifications."
        )
    else:
        threads.unfollow(thread, current_user)
        message = _("You no longer follow this conversation.")
    db.session.commit()
    flash(message, "success")
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
        "threads/notifications.html", items=threads.notifications_for(current_user)
    )


@bp.route("/notifications/read", methods=["POST"])
def read_notifications():
    threads.mark_read(current_user, now=utcnow())
    db.session.commit()
    return redirect(url_for("threads.notifications"))


@bp.route("/search")
def search():
    query = (request.args.get("q") or "").strip()[:200]
    hits = run_search(current_user, query) if query else []
    return render_template("search/results.html", query=query, hits=hits)
