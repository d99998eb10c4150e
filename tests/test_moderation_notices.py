"""Closing the moderation loop: advisers hear of reports (also on their home
page), reporters of what became of their report, authors of their post being
hidden or restored, with the reason."""

import pytest
import sqlalchemy as sa

from circle.accounts.models import Role
from circle.database import utcnow
from circle.moderation import services as moderation
from circle.notifications.models import Notification, NotificationKind
from circle.threads import services as threads
from circle.threads.models import Report
from circle.threads.services import PostData
from tests import factories

IN_ENGLISH = {"headers": {"Accept-Language": "en"}}


@pytest.fixture
def scene(db, group, adviser, make_user, add_member):
    author = make_user(Role.PARTICIPANT, name="Anna Auteur")
    reporter = make_user(Role.PARTICIPANT, name="Rik Melder")
    for person in (author, reporter):
        add_member(group, person)
    thread = factories.thread(group.programme, group, by=reporter)
    post = threads.reply(
        thread, PostData("Bel Jan op 06-12345678"), by=author, now=utcnow()
    )
    db.session.commit()
    return author, reporter, post


def kinds_for(db, person) -> set:
    db.session.expire_all()
    return {
        notice.kind
        for notice in db.session.scalars(
            sa.select(Notification).filter_by(user_id=person.id)
        )
    }


def test_a_report_reaches_the_advisers_home_and_notifications(
    app, db, scene, adviser, login
):
    author, reporter, post = scene
    moderation.report_post(post, "Een telefoonnummer", by=reporter, now=utcnow())
    db.session.commit()
    assert NotificationKind.REPORT in kinds_for(db, adviser)
    staff = login(adviser, test_client=app.test_client())
    home = staff.get("/home", **IN_ENGLISH).get_data(as_text=True)
    assert "1 report to handle" in home
    listing = staff.get("/notifications", **IN_ENGLISH).get_data(as_text=True)
    assert "Post reported" in listing and "Een telefoonnummer" in listing


def test_hiding_tells_the_author_and_the_reporter(app, db, scene, adviser, login):
    author, reporter, post = scene
    moderation.report_post(post, "Een telefoonnummer", by=reporter, now=utcnow())
    db.session.commit()
    moderation.set_post_hidden(
        post, True, reason="Geen privégegevens delen", by=adviser, now=utcnow()
    )
    db.session.commit()
    assert NotificationKind.REPORT_UPHELD in kinds_for(db, reporter)
    assert NotificationKind.POST_HIDDEN in kinds_for(db, author)
    assert db.session.scalar(sa.select(Report)).resolved_at is not None
    # The author sees why, although the post itself is hidden now.
    page = login(author, test_client=app.test_client()).get(
        "/notifications", **IN_ENGLISH
    )
    text = page.get_data(as_text=True)
    assert "Your post was hidden" in text and "Geen privégegevens delen" in text

    moderation.set_post_hidden(
        post, False, reason="Nummer weggehaald", by=adviser, now=utcnow()
    )
    db.session.commit()
    assert NotificationKind.POST_RESTORED in kinds_for(db, author)


def test_hiding_twice_is_one_unread_notice(db, scene, adviser):
    author, reporter, post = scene
    for hidden in (True, False, True):
        moderation.set_post_hidden(
            post, hidden, reason="Reden", by=adviser, now=utcnow()
        )
        db.session.commit()
    hidden_notices = db.session.scalars(
        sa.select(Notification).filter_by(
            user_id=author.id, kind=NotificationKind.POST_HIDDEN
        )
    ).all()
    assert len(hidden_notices) == 1 and hidden_notices[0].read_at is None


def test_dismissing_tells_the_reporter_why(app, db, scene, adviser, login):
    author, reporter, post = scene
    report = moderation.report_post(post, "Vervelend", by=reporter, now=utcnow())
    db.session.commit()
    moderation.dismiss_report(
        report, reason="Dit is een openbaar nummer", by=adviser, now=utcnow()
    )
    db.session.commit()
    assert kinds_for(db, reporter) >= {NotificationKind.REPORT_DISMISSED}
    assert NotificationKind.POST_HIDDEN not in kinds_for(db, author)
    page = login(reporter, test_client=app.test_client()).get(
        "/notifications", **IN_ENGLISH
    )
    text = page.get_data(as_text=True)
    assert "the post stays visible" in text and "Dit is een openbaar nummer" in text
