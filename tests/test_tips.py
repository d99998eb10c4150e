"""Tips (#14): harvested from a real board with votes, merged, edited, published
with each author's consent; the library, the public bundle (HTML, PDF, Markdown,
CSV) and the session report. An unconsented author's name never appears in
public; another group's member never sees an internal tip's origin."""

import csv
import io
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from circle.accounts.models import Role
from circle.boards import services as boards
from circle.database import utcnow
from circle.extensions import db as _db
from circle.notifications.models import Notification, NotificationKind
from circle.threads.models import Post
from circle.tips import lists as tips_lists
from circle.tips import reports
from circle.tips import services as tips
from circle.tips.models import Consent, Tip, TipAudience, TipStatus
from tests import factories


@pytest.fixture
def harvested(setup, db):
    """A board with cards and votes: two tips columns and a question."""
    board, columns, clients, people = setup
    member, other, adviser = people["member"], people["other"], people["adviser"]
    municipal, initiatives, questions = board.columns
    cards = {
        "loket": factories.card(
            board, by=member, text="Eén loket voor initiatieven", column=municipal
        ),
        "klein": factories.card(
            board, by=other, text="Begin klein en vier successen", column=initiatives
        ),
        "vraag": factories.card(
            board, by=member, text="Hoe vind je een fonds?", column=questions
        ),
    }
    for voter in (member, other, adviser):
        boards.toggle_vote(board, cards["klein"].id, by=voter, now=utcnow())
    boards.toggle_vote(board, cards["loket"].id, by=other, now=utcnow())
    db.session.commit()
    return board, cards, clients, people


def test_harvest_preselects_tips_columns_by_votes_and_credits_authors(harvested):
    board, cards, clients, people = harvested
    page = clients["adviser"].get(f"/boards/{board.id}/harvest").get_data(as_text=True)
    # Most votes first, the tips columns preselected, the question not.
    assert page.index("Begin klein") < page.index("Eén loket") < page.index("Hoe vind")
    assert (
        f'value="{cards["klein"].id}" id="card-{cards["klein"].id}"\n          checked'
        in page
    )
    assert f'id="card-{cards["vraag"].id}"\n          \n' in page
    response = clients["adviser"].post_form(
        f"/boards/{board.id}/harvest",
        {"card_ids": [cards["klein"].id, cards["loket"].id]},
    )
    assert response.status_code == 302
    _db.session.expire_all()
    made = {tip.text: tip for tip in _db.session.scalars(sa.select(Tip))}
    klein = made["Begin klein en vier successen"]
    assert klein.score == 3 and klein.status == TipStatus.DRAFT
    assert klein.audience == TipAudience.INITIATIVE
    assert made["Eén loket voor initiatieven"].audience == TipAudience.MUNICIPALITY
    assert [author.user_id for author in klein.authors] == [people["other"].id]
    # Harvesting again adds nothing twice.
    again = clients["adviser"].post_form(
        f"/boards/{board.id}/harvest", {"card_ids": [cards["klein"].id]}
    )
    assert again.status_code == 200
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 2


def test_members_may_not_harvest(harvested):
    board, cards, clients, _people = harvested
    response = clients["member"].post_form(
        f"/boards/{board.id}/harvest", {"card_ids": [cards["klein"].id]}
    )
    assert response.status_code == 403
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Tip)) == 0


def test_an_anonymous_boards_cards_are_never_attributed(harvested, db):
    board, cards, clients, people = harvested
    boards.update_board(board, {"anonymous": True}, by=people["adviser"], now=utcnow())
    db.session.commit()
    (tip,) = tips.harvest(
        board, [cards["klein"].id], by=people["adviser"], now=utcnow()
    )
    assert tip.authors == []


def test_merging_combines_authors_cards_and_scores(harvested, db):
    board, cards, clients, people = harvested
    made = tips.harvest(
        board,
        [cards["klein"].id, cards["loket"].id],
        by=people["adviser"],
        now=utcnow(),
    )
    db.session.commit()
    response = clients["adviser"].post_form(
        f"/programmes/{board.meeting.programme_id}/tips/merge",
        {"tip_ids": [tip.id for tip in made]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    (merged,) = db.session.scalars(sa.select(Tip)).all()
    assert merged.score == 4
    assert {a.user_id for a in merged.authors} == {
        people["member"].id,
        people["other"].id,
    }
    assert "Eén loket" in merged.text and "Begin klein" in merged.text


def publish_everywhere(db, board, cards, people):
    (tip,) = tips.harvest(
        board, [cards["klein"].id], by=people["adviser"], now=utcnow()
    )
    tips.publish(tip, TipStatus.PUBLIC, by=people["adviser"], now=utcnow())
    db.session.commit()
    return tip


def test_publishing_asks_the_author_and_only_consent_makes_it_public(
    app, harvested, db, outbox
):
    board, cards, clients, people = harvested
    author = people["other"]
    tip = publish_everywhere(db, board, cards, people)
    notice = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == author.id,
            Notification.kind == NotificationKind.TIP_CONSENT,
        )
    )
    assert notice is not None and notice.tip_id == tip.id
    assert any(author.email in m["To"] for m in outbox)
    public = app.test_client()
    programme_id = board.meeting.programme_id
    assert tip.title not in public.get(
        f"/public/programmes/{programme_id}/tips"
    ).get_data(as_text=True)
    assert public.get(f"/tips/{tip.id}").status_code in (302, 404)
    # The author agrees, without name.
    clients["other"].post_form(f"/tips/{tip.id}/consent", {"consent": "anonymous"})
    page = public.get(f"/public/programmes/{programme_id}/tips").get_data(as_text=True)
    assert tip.title in page and author.name not in page
    assert public.get(f"/tips/{tip.id}").status_code == 200


@pytest.mark.parametrize("choice", ["named", "anonymous", "declined"])
def test_each_consent_choice_in_html_pdf_markdown_and_csv(app, harvested, db, choice):
    board, cards, clients, people = harvested
    author = people["other"]
    tip = publish_everywhere(db, board, cards, people)
    clients["other"].post_form(f"/tips/{tip.id}/consent", {"consent": choice})
    public = app.test_client()
    base = f"/public/programmes/{board.meeting.programme_id}/tips"
    html = public.get(base).get_data(as_text=True)
    pdf = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(public.get(base + ".pdf").data)).pages
    )
    markdown = public.get(base + ".md").get_data(as_text=True)
    rows = list(
        csv.reader(io.StringIO(public.get(base + ".csv").data.decode("utf-8-sig")))
    )
    shown = choice != "declined"
    named = choice == "named"
    for text in (html, pdf, markdown, "\n".join(",".join(r) for r in rows)):
        assert ("Begin klein" in text) == shown
        assert (author.name in text) == named


def test_a_member_of_another_group_does_not_see_an_internal_tips_origin(
    app, harvested, db, programme, make_user, add_member, login, admin
):
    board, cards, clients, people = harvested
    (tip,) = tips.harvest(
        board, [cards["klein"].id], by=people["adviser"], now=utcnow()
    )
    tips.publish(tip, TipStatus.PROGRAMME, by=people["adviser"], now=utcnow())
    db.session.commit()
    other_group = factories.group(programme, by=admin, name="Leerkring Noord")
    outsider = make_user(Role.PARTICIPANT)
    add_member(other_group, outsider)
    client = app.test_client()
    login(outsider, test_client=client)
    page = client.get(f"/tips/{tip.id}").get_data(as_text=True)
    assert "Begin klein" in page  # the tip is the programme's
    assert f"/boards/{board.id}" not in page  # its origin is the group's
    member_page = clients["member"].get(f"/tips/{tip.id}").get_data(as_text=True)
    assert f"/boards/{board.id}" in member_page


def test_drafts_are_the_advisers_only(harvested, db):
    board, cards, clients, people = harvested
    (tip,) = tips.harvest(
        board, [cards["klein"].id], by=people["adviser"], now=utcnow()
    )
    db.session.commit()
    assert clients["member"].get(f"/tips/{tip.id}").status_code == 404
    assert clients["adviser"].get(f"/tips/{tip.id}").status_code == 200
    library = f"/programmes/{board.meeting.programme_id}/tips"
    assert tip.title not in clients["member"].get(library).get_data(as_text=True)
    assert tip.title in clients["adviser"].get(library).get_data(as_text=True)


def test_library_filters_and_search(harvested, db):
    board, cards, clients, people = harvested
    made = tips.harvest(
        board,
        [cards["klein"].id, cards["loket"].id],
        by=people["adviser"],
        now=utcnow(),
    )
    for tip in made:
        tips.publish(tip, TipStatus.PROGRAMME, by=people["adviser"], now=utcnow())
    db.session.commit()
    library = f"/programmes/{board.meeting.programme_id}/tips"
    page = (
        clients["member"].get(library + "?audience=municipality").get_data(as_text=True)
    )
    assert "Eén loket" in page and "Begin klein" not in page
    page = clients["member"].get(library + "?q=successen").get_data(as_text=True)
    assert "Begin klein" in page and "Eén loket" not in page
    # Published tips are found by the site's search too.
    found = clients["member"].get("/search?q=successen").get_data(as_text=True)
    assert f"/tips/{made[0].id}" in found or f"/tips/{made[1].id}" in found


def statements_with(db, programme, status, count_queries, fetch) -> list[int]:
    """The SQL statements `fetch()` issues with 2, then 14 tips (two themes each)."""
    counts = []
    for extra in (2, 12):
        for number in range(extra):
            tip = Tip(
                programme_id=programme.id,
                title=f"Tip {number}",
                text="x",
                status=status,
            )
            tip.themes = list(programme.themes[:2])
            db.session.add(tip)
        db.session.commit()
        with count_queries() as counter:
            assert fetch().status_code == 200
        counts.append(counter.count)
    return counts


def test_library_statements_do_not_grow_with_the_tips(harvested, db, count_queries):
    board, cards, clients, people = harvested
    library = f"/programmes/{board.meeting.programme_id}/tips"
    counts = statements_with(
        db,
        board.meeting.programme,
        TipStatus.PROGRAMME,
        count_queries,
        lambda: clients["adviser"].get(library),
    )
    assert counts[0] == counts[1]


def test_the_session_report_is_published_to_the_attendees(
    harvested, db, outbox, adviser
):
    board, cards, clients, people = harvested
    meeting = board.meeting
    from circle.meetings import answers
    from circle.meetings.models import Answer

    answers.respond(meeting, people["member"], Answer.GOING, now=utcnow())
    meeting.starts_at = utcnow() - timedelta(hours=2)
    meeting.ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    response = clients["adviser"].post_form(
        f"/sessions/{meeting.id}/report", {"body": "Een **mooie** avond met 80 tips."}
    )
    assert response.status_code == 302
    assert "mooie" not in clients["member"].get(f"/sessions/{meeting.id}").get_data(
        as_text=True
    )  # a draft is the advisers'
    outbox.clear()
    clients["adviser"].post_form(f"/sessions/{meeting.id}/report/publish")
    page = clients["member"].get(f"/sessions/{meeting.id}").get_data(as_text=True)
    assert "<strong>mooie</strong>" in page
    mailed = [m for m in outbox if people["member"].email in m["To"]]
    assert mailed and mailed[0]["Subject"] == f"Verslag: {meeting.title}"
    assert "80 tips" in mailed[0].get_body(("plain",)).get_content()
    # Members may not write or publish it.
    assert (
        clients["member"]
        .post_form(f"/sessions/{meeting.id}/report", {"body": "x"})
        .status_code
        == 403
    )
    db.session.expire_all()
    report = reports.report_of(meeting)
    assert report.body.startswith("Een **mooie**")


def test_the_public_programme_page_without_login(app, db, programme, admin):
    programme.contact_name = "Programmabureau"
    programme.contact_email = "bureau@example.org"
    db.session.commit()
    client = app.test_client()
    response = client.get(f"/public/programmes/{programme.id}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert programme.name in text and "bureau@example.org" in text
    assert "/register" in text
    assert "public" in response.headers["Cache-Control"]
    again = client.get(
        f"/public/programmes/{programme.id}",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_an_adviser_makes_a_tip_of_a_post_crediting_its_author(
    app, db, programme, group, adviser, make_user, add_member, login
):
    member = make_user(Role.PARTICIPANT)
    add_member(group, member)
    thread = factories.thread(programme, group, by=member, now=utcnow())
    post = thread.posts[0]
    db.session.commit()
    member_client = app.test_client()
    login(member, test_client=member_client)
    assert member_client.post_form(f"/posts/{post.id}/tip").status_code == 403
    adviser_client = app.test_client()
    login(adviser, test_client=adviser_client)
    page = adviser_client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert f"/posts/{post.id}/tip" in page
    response = adviser_client.post_form(f"/posts/{post.id}/tip")
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    db.session.expire_all()
    (tip,) = db.session.scalars(sa.select(Tip)).all()
    assert tip.thread_id == thread.id and tip.status == TipStatus.DRAFT
    assert [author.user_id for author in tip.authors] == [member.id]
    detail = adviser_client.get(f"/tips/{tip.id}").get_data(as_text=True)
    assert f"/threads/{thread.id}" in detail


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe"
    b"\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_report_carries_its_slides_and_refuses_a_false_file(harvested, db):
    board, cards, clients, people = harvested
    meeting = board.meeting
    meeting.starts_at = utcnow() - timedelta(hours=2)
    meeting.ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    bad = clients["adviser"].post_form(
        f"/sessions/{meeting.id}/report",
        {"body": "Verslag", "attachments": (io.BytesIO(b"MZ\x90\x00"), "dia.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and "dia.png" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert reports.report_of(meeting) is None  # nothing half-written
    good = clients["adviser"].post_form(
        f"/sessions/{meeting.id}/report",
        {"body": "Verslag", "attachments": (io.BytesIO(PNG), "flap-over.png")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    db.session.expire_all()
    (item,) = reports.report_of(meeting).attachments
    url = f"/report-files/{item.id}/flap-over.png"
    assert downloaded(clients["adviser"], url) == PNG
    # A draft's files are the advisers' until it is published.
    assert clients["member"].get(url).status_code == 404
    clients["adviser"].post_form(f"/sessions/{meeting.id}/report/publish")
    assert downloaded(clients["member"], url) == PNG


def downloaded(client, url: str) -> bytes:
    with client.get(url) as response:  # a streamed file: close it
        return response.data


def test_public_bundle_statements_do_not_grow_with_the_tips(
    app, db, programme, count_queries
):
    client = app.test_client()
    counts = statements_with(
        db,
        programme,
        TipStatus.PUBLIC,
        count_queries,
        lambda: client.get(f"/public/programmes/{programme.id}/tips"),
    )
    assert counts[0] == counts[1]


def test_a_tip_from_a_promoted_card_credits_the_card_author_only_with_consent(
    app, harvested, db
):
    board, cards, clients, people = harvested
    author = people["other"]
    clients["adviser"].post_form(
        f"/cards/{cards['klein'].id}/promote", {"thread_id": "0"}
    )
    db.session.expire_all()
    post = db.session.scalar(sa.select(Post))
    assert author.name in post.body  # the conversation credits the card's author
    response = clients["adviser"].post_form(f"/posts/{post.id}/tip")
    assert response.status_code == 302
    db.session.expire_all()
    (tip,) = db.session.scalars(sa.select(Tip)).all()
    assert tip.text == "Begin klein en vier successen"  # no origin line with a name
    assert [a.user_id for a in tip.authors] == [author.id]
    tips.publish(tip, TipStatus.PUBLIC, by=people["adviser"], now=utcnow())
    db.session.commit()
    clients["other"].post_form(f"/tips/{tip.id}/consent", {"consent": "anonymous"})
    page = (
        app.test_client()
        .get(f"/public/programmes/{board.meeting.programme_id}/tips")
        .get_data(as_text=True)
    )
    assert "Begin klein" in page and author.name not in page


def test_new_words_need_new_consent(harvested, db):
    board, cards, clients, people = harvested
    tip = publish_everywhere(db, board, cards, people)
    clients["other"].post_form(f"/tips/{tip.id}/consent", {"consent": "named"})
    db.session.expire_all()
    tip = db.session.get(Tip, tip.id)
    assert tip.is_public
    data = tips.TipData(
        title=tip.title,
        text="Begin klein en vier álle successen",
        audience="together",
        score=tip.score,
    )
    tips.update_tip(tip, data, by=people["adviser"], now=utcnow())
    db.session.commit()
    assert not tip.is_public
    assert tip.authors[0].consent == Consent.ASKED


def test_a_deleted_author_holds_nothing_back(harvested, db):
    board, cards, clients, people = harvested
    tip = publish_everywhere(db, board, cards, people)
    from circle.privacy.services import anonymise

    anonymise(people["other"], now=utcnow())
    db.session.commit()
    assert tip.is_public and tip.public_names == []
    assert tip in tips_lists.public_tips(board.meeting.programme)


@pytest.mark.parametrize(
    "query", ["theme=%C2%B2", "group=99999999999999999", "order=x"]
)
def test_bad_filters_change_nothing(harvested, query):
    board, cards, clients, people = harvested
    response = clients["member"].get(
        f"/programmes/{board.meeting.programme_id}/tips?{query}"
    )
    assert response.status_code == 200


def test_the_pdf_is_rendered_once_per_version(app, harvested, db, monkeypatch):
    board, cards, clients, people = harvested
    from circle.tips import public_views

    rendered = []
    real = public_views.html_to_pdf
    monkeypatch.setattr(
        public_views, "html_to_pdf", lambda html: rendered.append(1) or real(html)
    )
    public_views._PDF_CACHE.clear()
    client = app.test_client()
    url = f"/public/programmes/{board.meeting.programme_id}/tips.pdf"
    first = client.get(url)
    time.sleep(1.1)  # the page's form token changes with the second; the PDF not
    again = client.get(url)
    assert first.data == again.data and len(rendered) == 1
    assert (
        client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    publish_everywhere(db, board, cards, people)
    clients["other"].post_form(
        f"/tips/{db.session.scalar(sa.select(Tip.id))}/consent", {"consent": "named"}
    )
    assert client.get(url).data != first.data and len(rendered) == 2
