"""Everything Circle holds about a person, to download; deleting an account;
anonymising people whose programmes ended long ago.

The download is driven by the schema: every row of every table with a column
that points at the person is in it, so a new table with a user column is in the
download without anyone remembering to add it. Secrets (password and token
digests, the 2FA secret) are left out: they are not information about the
person, and the download may travel by e-mail.
"""

import io
import json
import zipfile
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from circle.accounts.models import Role, User
from circle.accounts.sessions import end_sessions
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups.models import OPEN_MEMBERSHIP, Group, Membership, MembershipStatus
from circle.intake.models import Application
from circle.meetings.answers import promote_waitlist
from circle.meetings.following import invited_ahead, uninvite
from circle.meetings.models import Meeting, MeetingStatus, Rsvp
from circle.moderation.models import AuditEntry
from circle.programmes.models import Programme
from circle.threads import files
from circle.threads.models import Attachment, Post, Subscription

#: Columns that hold secrets, not facts about the person.
SECRET_COLUMNS = {"password_hash", "token_hash", "code_hash", "totp_secret", "nonce"}
#: Tables whose rows are the person's own or about them, by their user columns.
USERS = "users"


def user_columns() -> dict[str, list[sa.Column]]:
    """table name -> the columns of it that point at a person."""
    found: dict[str, list[sa.Column]] = {}
    for table in db.metadata.sorted_tables:
        columns = [
            column
            for column in table.columns
            if any(key.column.table.name == USERS for key in column.foreign_keys)
        ]
        if columns:
            found[table.name] = columns
    return found


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _rows(table: sa.Table, where) -> list[dict]:
    result = db.session.execute(sa.select(table).where(where)).mappings()
    return [
        {key: _plain(value) for key, value in row.items() if key not in SECRET_COLUMNS}
        for row in result
    ]


def personal_data(user: User) -> dict:
    """The JSON part of the download."""
    users = db.metadata.tables[USERS]
    tables = {
        name: _rows(
            db.metadata.tables[name], sa.or_(*(column == user.id for column in columns))
        )
        for name, columns in user_columns().items()
    }
    # Decisions recorded about the person name them in the subject, not a column.
    about = sa.or_(
        AuditEntry.actor_id == user.id, AuditEntry.subject == f"user:{user.id}"
    )
    tables["audit_entries"] = _rows(AuditEntry.__table__, about)
    return {
        "about": str(
            _l(
                "Everything Circle holds about you, table by table. Files you "
                "attached are in the files/ folder of this download."
            )
        ),
        "account": _rows(users, users.c.id == user.id)[0],
        "tables": {name: rows for name, rows in tables.items() if rows},
    }


def export_archive(user: User) -> bytes:
    """A ZIP: circle-my-data.json, and the files the person attached to posts."""
    data = personal_data(user)
    attachments = db.session.scalars(
        sa.select(Attachment)
        .join(Post, Post.id == Attachment.post_id)
        .where(Post.author_id == user.id)
        .order_by(Attachment.id)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        index = []
        for attachment in attachments:
            path = files.path_for(attachment.storage_key)
            name = f"files/{attachment.id}-{attachment.filename}"
            if path.exists():
                archive.write(path, name)
                index.append({"attachment_id": attachment.id, "file": name})
        data["files"] = index
        archive.writestr(
            "circle-my-data.json", json.dumps(data, ensure_ascii=False, indent=2)
        )
    return buffer.getvalue()


def _only_admin(user: User) -> bool:
    if not user.is_admin:
        return False
    admins = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.deleted_at.is_(None))
    )
    return admins <= 1


def delete_account(user: User, *, password: str, now: datetime) -> None:
    """The person asks: remove what identifies them (see `anonymise`)."""
    if not user.check_password(password):
        raise ServiceError(_l("Your password is not correct."), "password")
    if _only_admin(user):
        raise ServiceError(
            _l("You are the only admin. Make someone else admin before you leave.")
        )
    anonymise(user, now=now)


def anonymise(user: User, *, now: datetime) -> None:
    """Remove the person's personal data; what they wrote stays, without a name.

    The row is kept (anonymised) so threads and boards others took part in stay
    whole, as Discourse does. Their places in sessions ahead go to the waitlist,
    they leave their groups, and every signed-in browser is signed out.
    """
    # Their calendar first, while their address is still known.
    uninvite(user, invited_ahead(user, now=now), now=now)
    ahead = db.session.scalars(
        sa.select(Rsvp)
        .join(Meeting)
        .where(
            Rsvp.user_id == user.id,
            Meeting.starts_at > now,
            Meeting.status == MeetingStatus.SCHEDULED,
        )
    )
    freed = []
    for rsvp in ahead:
        if rsvp.has_place:
            freed.append(rsvp.meeting)
        db.session.delete(rsvp)
    db.session.flush()
    for meeting in freed:
        promote_waitlist(meeting, now=now)
    for membership in db.session.scalars(
        sa.select(Membership).where(
            Membership.user_id == user.id, Membership.status.in_(OPEN_MEMBERSHIP)
        )
    ):
        membership.status = MembershipStatus.LEFT
        membership.decided_at = now
    db.session.execute(sa.delete(Subscription).where(Subscription.user_id == user.id))
    end_sessions(user, now=now)
    for table_name in ("password_resets", "recovery_codes", "calendar_tokens"):
        table = db.metadata.tables[table_name]
        db.session.execute(sa.delete(table).where(table.c.user_id == user.id))
    user.name = ""
    user.email = f"deleted-{user.id}@invalid"
    user.password_hash = None
    user.language = None
    user.organisation = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.is_active_account = False
    user.deleted_at = now


def expired_people(*, now: datetime, months: int) -> list[User]:
    """People who took part only in programmes that ended more than `months` ago.

    Taking part: a group membership (of any status), or being a member of an
    organisation that applied. Staff accounts are never included: the programme
    office decides about those.
    """
    cutoff = (now - timedelta(days=round(months * 30.44))).date()
    via_groups = sa.select(
        Membership.user_id.label("user_id"), Group.programme_id
    ).join(Group, Group.id == Membership.group_id)
    via_applications = sa.select(
        User.id.label("user_id"), Application.programme_id
    ).join(Application, Application.organisation_id == User.organisation_id)
    taking_part = sa.union(via_groups, via_applications).subquery()
    recent = (
        sa.select(taking_part.c.user_id)
        .join(Programme, Programme.id == taking_part.c.programme_id)
        .where(Programme.ends_on >= cutoff)
    )
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.id.in_(sa.select(taking_part.c.user_id)),
                User.id.not_in(recent),
                User.role.in_((Role.PARTICIPANT, Role.INITIATOR)),
                User.deleted_at.is_(None),
            )
        )
    )


def apply_retention(*, now: datetime, months: int) -> int:
    """Anonymise everyone `expired_people` finds; returns how many."""
    people = expired_people(now=now, months=months)
    for person in people:
        anonymise(person, now=now)
    return len(people)


def retention_job(*, now: datetime) -> int:
    """The daily job: apply_retention with RETENTION_MONTHS_AFTER_PROGRAMME."""
    months = current_app.config["RETENTION_MONTHS_AFTER_PROGRAMME"]
    return apply_retention(now=now, months=months)
