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


def test_programme_page_stays_the_same_size_with_more_group_sessions(
    app,
    client,
    db,
    programme,
    group,
    adviser,
    admin,
    make_meeting,
    login,
    count_queries,
):
    from datetime import timedelta

    from circle.programmes.pages import NEXT_SESSIONS
    from tests.factories import SESSION_START

    make_meeting(programme, None, title="Startbijeenkomst")
    login(admin)
    with count_queries() as few:
        small = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    for number in range(NEXT_SESSIONS + 5):
        make_meeting(
            programme,
            group,
            title=f"Groepssessie {number:02d}",
            starts_at=SESSION_START + timedelta(days=number + 1),
        )
    with count_queries() as many:
        page = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert many.count == few.count
    assert "Startbijeenkomst" in small and "Startbijeenkomst" in page
    assert page.count("Groepssessie") == NEXT_SESSIONS - 1  # after the kick-off


def test_search_looks_only_at_what_the_person_may_read_first(
    app, db, programme, group, make_user, add_member, adviser
):
    """Thousands of newer matches elsewhere do not push the person's own out."""
    from circle.search.models import SearchDocument, SearchKind
    from circle.search.services import CANDIDATES, search

    member = make_user(Role.PARTICIPANT)
    add_member(group, member)
    thread = factories.thread(
        programme, group, by=member, title="Ons initiatievenfonds", body="Eerste"
    )
    elsewhere = factories.group(programme, by=adviser, name="Leerkring Elders")
    db.session.execute(
        sa.insert(SearchDocument),
        [
            {
                "kind": SearchKind.POST,
                "object_id": 10_000_000 + n,
                "programme_id": programme.id,
                "group_id": elsewhere.id,
                "title": "Elders",
                "body": "Een ander initiatievenfonds",
            }
            for n in range(CANDIDATES + 100)
        ],
    )
    db.session.commit()
    with app.test_request_context():
        hits = search(member, "initiatievenfonds")
    # The thread and its first post, nothing from the other group.
    assert {hit.title for hit in hits} == {"Ons initiatievenfonds"}
    assert f"/threads/{thread.id}" in {hit.url for hit in hits}
