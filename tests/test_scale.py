"""What keeps pages flat as the data grows (see bench/pages.py for the timings)."""

import sqlalchemy as sa

from circle.accounts.models import Role
from circle.notifications.models import Notification, NotificationKind
from circle.threads.notifications import UNREAD_CAP, unread_count
from tests import factories


def test_the_header_counts_unread_notices_up_to_99_plus(
    app, client, db, programme, group, adviser, make_user, add_member, login
):
    member = make_user(Role.PARTICIPANT)
    add_member(group, member)
    thread = factories.thread(programme, group, by=member)
    db.session.add_all(
        Notification(
            user_id=adviser.id,
            kind=NotificationKind.REPLY,
            post_id=thread.posts[0].id if n == 0 else None,
            person_id=None if n == 0 else member.id,
        )
        for n in range(UNREAD_CAP + 20)
    )
    db.session.commit()
    assert unread_count(adviser) == UNREAD_CAP + 1
    login(adviser)
    page = client.get("/home").get_data(as_text=True)
    assert "99+" in page
    ids = db.session.scalars(
        sa.select(Notification.id)
        .where(Notification.user_id == adviser.id)
        .order_by(Notification.id)
    ).all()
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids[5:]))
        .values(read_at=sa.func.current_timestamp())
    )
    db.session.commit()
    assert unread_count(adviser) == 5
    assert "99+" not in client.get("/home").get_data(as_text=True)
