"""Case threads: posting, quoting, mentions, notices, files, search, moderation."""

import io
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circle.accounts.models import Role
from circle.cases.models import Case, CaseKind
from circle.database import utcnow
from circle.extensions import db as database
from circle.groups.models import MembershipStatus
from circle.markdown import render_markdown
from circle.moderation.models import AuditEntry
from circle.threads import services as threads
from circle.threads.models import (
    Attachment,
    Notification,
    NotificationKind,
    Post,
    Report,
    Thread,
)
from tests.conftest import form_errors
from tests.factories import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 30


@pytest.fixture
def people(group, make_user, add_member):
    """Two members of the group and an outsider in another group."""
    first = make_user(Role.PARTICIPANT, name="Jeroen Smeets")
    second = make_user(Role.INITIATOR, name="Lies Houben")
    for person in (first, second):
        add_member(group, person)
    return first, second


def start(client, group, **overrides):
    data = {
        "title": "Hoe richten we ons initiatievenfonds in?",
        "where": str(group.id),
        "body": "We starten een **initiatievenfonds**. Wie heeft ervaring?",
    }
    data.update(overrides)
    return client.post_form(f"/programmes/{group.programme_id}/threads/new", data)


def test_member_starts_a_thread_in_the_group(client, db, group, people, login):
    login(people[0])
    theme = group.programme.themes[0]
    response = start(client, group, theme_ids=str(theme.id))
    assert response.status_code == 302
    thread = db.session.scalar(sa.select(Thread))
    assert thread.group == group and thread.themes == [theme]
    assert threads.is_following(thread, people[0])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>initiatievenfonds</strong>" in page


def test_reply_with_quote_and_mention_notifies(app, client, db, group, people, login):
    first, second = people
    login(first)
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    opening = thread.posts[0]
    other = app.test_client()
    login(second, test_client=other)
    page = other.get(f"/threads/{thread.id}?quote={opening.id}").get_data(as_text=True)
    assert "&gt; **Jeroen Smeets:**" in page
    response = other.post_form(
        f"/threads/{thread.id}/reply",
        {
            "body": threads.quote(opening)
            + "Wij hebben een fonds! @Jeroen Smeets, bel me.",
            "reply_to": str(opening.id),
        },
    )
    assert response.status_code == 302
    reply = db.session.scalar(sa.select(Post).where(Post.id != opening.id))
    assert reply.reply_to_id == opening.id
    kinds = {
        n.kind
        for n in db.session.scalars(sa.select(Notification).filter_by(user_id=first.id))
    }
    # A mention and a reply to the same person: told once, as the mention.
    assert kinds == {NotificationKind.MENTION}
    home = client.get("/home").get_data(as_text=True)
    assert re.search(r'class="count">1<', home)
    listing = client.get("/notifications").get_data(as_text=True)
    assert thread.title in listing
    client.post_form("/notifications/read")
    assert 'class="count"' not in client.get("/home").get_data(as_text=True)


def test_followers_get_reply_notifications_but_not_their_own(
    app, client, db, group, people, login
):
    first, second = people
    login(first)
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    other = app.test_client()
    login(second, test_client=other)
    other.post_form(f"/threads/{thread.id}/reply", {"body": "Goed idee."})
    other.post_form(f"/threads/{thread.id}/reply", {"body": "Nog een gedachte."})
    to_first = list(
        db.session.scalars(sa.select(Notification).filter_by(user_id=first.id))
    )
    assert [n.kind for n in to_first] == [
        NotificationKind.REPLY,
        NotificationKind.REPLY,
    ]
    # The second member heard of the new conversation, not of their own replies.
    to_second = db.session.scalars(sa.select(Notification).filter_by(user_id=second.id))
    assert [n.kind for n in to_second] == [NotificationKind.NEW_THREAD]


def test_digest_mails_each_item_once(
    app, client, db, group, people, login, runner, outbox
):
    first, second = people
    login(first)
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    other = app.test_client()
    login(second, test_client=other)
    other.post_form(f"/threads/{thread.id}/reply", {"body": "Reactie één"})
    outbox.clear()
    # The author hears of the reply; the other member and the group's adviser of
    # the new conversation.
    assert "3 digests" in runner.invoke(args=["circle", "send-digests"]).output
    to_first = [message for message in outbox if first.email in message["To"]]
    assert len(outbox) == 3 and len(to_first) == 1
    text = to_first[0].get_body(("plain",)).get_content()
    assert thread.title in text and "Nieuwe reactie" in text
    assert "0 digests" in runner.invoke(args=["circle", "send-digests"]).output
    assert len(outbox) == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"body": ""},
        {"body": "x" * 20_001},
        {"title": ""},
        {"title": "t" * 201},
        {"theme_ids": "999999"},
        {"where": "999999"},
    ],
)
def test_bad_thread_input_stores_nothing(client, db, group, people, login, bad):
    login(people[0])
    response = start(client, group, **bad)
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_a_refused_reply_keeps_what_was_written(client, db, group, people, login):
    login(people[0])
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    text = "Een lang verhaal over ons fonds. " * 700
    response = client.post_form(
        f"/threads/{thread.id}/reply",
        {"body": text},
        headers={"Accept-Language": "nl"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert text.strip() in page and 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1


def test_script_injection_is_shown_as_text(client, db, group, people, login):
    login(people[0])
    start(
        client,
        group,
        body='<script>alert("x")</script> <img src=x onerror=alert(1)> '
        "[klik](javascript:alert(1))",
    )
    thread = db.session.scalar(sa.select(Thread))
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert '<script>alert("x")' not in page
    assert "<img src=x onerror" not in page and 'href="javascript:' not in page


def test_links_get_nofollow_and_only_local_images(client, db, group, people, login):
    html = render_markdown(
        "[site](https://example.org) ![a](/x.png) ![b](https://tracker.example/p.gif)"
    )
    assert 'rel="nofollow noopener noreferrer"' in html
    assert 'src="/x.png"' in html and "tracker.example" not in html


def test_headings_start_at_h3_without_skipping_levels():
    html = str(render_markdown("## Programma\n\n#### Ochtend\n\n## Na afloop"))
    assert re.findall(r"<(h\d)>", html) == ["h3", "h4", "h3"]
    assert "<h1" not in str(render_markdown("# Titel")).replace("<h3", "")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_renderer_never_outputs_script_or_event_handlers(text):
    html = str(render_markdown(text)).lower()
    assert "<script" not in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<script>",
                "</script>",
                "<img src=x onerror=alert(1)>",
                "[a](javascript:x)",
                "<a href='javascript:x' onclick='y'>",
                "**",
                "`",
                "> ",
                "\n",
                "<svg onload=x>",
                "<iframe src=//x>",
                "&lt;script&gt;",
                "<b onmouseover=x>",
                "![i](x onerror=y)",
            ]
        ),
        max_size=20,
    ).map("".join)
)
def test_renderer_survives_hostile_fragments(text):
    html = str(render_markdown(text)).lower()
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)
    assert 'href="javascript' not in html


def test_edit_keeps_history_for_advisers_only(
    app, client, db, group, adviser, people, login
):
    first, second = people
    login(first)
    start(client, group, body="Eerste versie")
    post = db.session.scalar(sa.select(Post))
    client.post_form(f"/posts/{post.id}/edit", {"body": "Tweede versie"})
    db.session.refresh(post)
    assert post.body == "Tweede versie" and [r.body for r in post.revisions] == [
        "Eerste versie"
    ]
    assert client.get(f"/posts/{post.id}/history").status_code == 403
    other = app.test_client()
    login(second, test_client=other)
    assert other.get(f"/posts/{post.id}/edit").status_code == 403
    assert (
        other.post_form(f"/posts/{post.id}/edit", {"body": "Gekaapt"}).status_code
        == 403
    )
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    history = moderator.get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "Eerste versie" in history and "Tweede versie" in history


def test_locked_thread_refuses_replies_except_from_moderators(
    app, client, db, group, adviser, people, login
):
    login(people[0])
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    moderator.post_form(f"/threads/{thread.id}/lock", {"reason": "Afgerond"})
    db.session.refresh(thread)
    assert thread.is_locked
    response = client.post_form(
        f"/threads/{thread.id}/reply",
        {"body": "Nog iets"},
        headers={"Accept-Language": "nl"},
        follow_redirects=True,
    )
    assert "Dit gesprek is gesloten" in response.get_data(as_text=True)
    moderator.post_form(
        f"/threads/{thread.id}/reply", {"body": "Samenvatting van de adviseur"}
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 2
    actions = [e.action for e in db.session.scalars(sa.select(AuditEntry))]
    assert actions == ["thread.lock"]


def test_report_hide_and_audit_log(app, client, db, group, adviser, people, login):
    first, second = people
    login(first)
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    other = app.test_client()
    login(second, test_client=other)
    other.post_form(f"/threads/{thread.id}/reply", {"body": "Onaardige opmerking"})
    reply = db.session.scalar(sa.select(Post).where(Post.author_id == second.id))
    assert (
        client.post_form(f"/posts/{reply.id}/report", {"reason": ""}).status_code == 302
    )
    assert db.session.scalar(sa.select(Report)) is None  # a report needs a reason
    client.post_form(f"/posts/{reply.id}/report", {"reason": "Niet respectvol"})
    assert db.session.scalar(sa.select(Report)).reason == "Niet respectvol"
    # Members cannot moderate.
    assert (
        client.post_form(f"/posts/{reply.id}/hide", {"reason": "x"}).status_code == 403
    )
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    queue = moderator.get(f"/groups/{group.id}/moderation").get_data(as_text=True)
    assert "Niet respectvol" in queue
    moderator.post_form(f"/posts/{reply.id}/hide", {"reason": "Persoonlijke aanval"})
    db.session.refresh(reply)
    assert reply.is_hidden
    member_view = client.get(f"/threads/{thread.id}", headers={"Accept-Language": "nl"})
    text = member_view.get_data(as_text=True)
    assert "Dit bericht is verborgen door een moderator." in text
    assert "Onaardige opmerking" not in text
    assert "Onaardige opmerking" in moderator.get(f"/threads/{thread.id}").get_data(
        as_text=True
    )
    log = moderator.get(
        f"/groups/{group.id}/moderation", headers={"Accept-Language": "nl"}
    )
    log_text = log.get_data(as_text=True)
    assert "Bericht verborgen" in log_text and "Persoonlijke aanval" in log_text
    assert "Niet respectvol" not in log_text.split("Logboek")[0]  # report resolved
    assert client.get(f"/groups/{group.id}/moderation").status_code == 403


def test_move_thread_to_programme_and_back(
    app, client, db, group, adviser, people, login
):
    login(people[0])
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    moderator.post_form(
        f"/threads/{thread.id}/move", {"where": "programme", "reason": "Voor iedereen"}
    )
    db.session.refresh(thread)
    assert thread.group_id is None
    moderator.post_form(f"/threads/{thread.id}/move", {"where": str(group.id)})
    db.session.refresh(thread)
    assert thread.group_id == group.id
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry))] == [
        "thread.move"
    ] * 2
    assert (
        moderator.post_form(
            f"/threads/{thread.id}/move", {"where": "../etc"}
        ).status_code
        == 400
    )


def test_pin_puts_a_thread_first(app, client, db, group, adviser, people, login):
    login(people[0])
    start(client, group, title="Oud gesprek")
    start(client, group, title="Nieuw gesprek")
    old = db.session.scalar(sa.select(Thread).filter_by(title="Oud gesprek"))
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    moderator.post_form(f"/threads/{old.id}/pin", {})
    listing = client.get(f"/groups/{group.id}/threads").get_data(as_text=True)
    assert listing.index("Oud gesprek") < listing.index("Nieuw gesprek")


def fetch(client, url):
    """GET a file and close the response (send_file keeps the file open until then)."""
    response = client.get(url)
    status, data, headers = response.status_code, response.get_data(), response.headers
    response.close()
    return status, data, headers


def upload(client, group, filename, content):
    return start(client, group, attachments=(io.BytesIO(content), filename))


def test_attachments_checked_by_content_and_served_only_to_readers(
    app, client, db, group, people, make_user, login, adviser
):
    login(people[0])
    assert upload(client, group, "beleidsnota.pdf", PDF).status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.content_type == "application/pdf"
    url = f"/attachments/{attachment.id}/beleidsnota.pdf"
    status, data, headers = fetch(client, url)
    assert status == 200 and data == PDF
    assert "attachment" in headers["Content-Disposition"]
    outsider = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=outsider)
    assert fetch(outsider, url)[0] == 404
    assert fetch(app.test_client(), url)[0] == 302  # anonymous: log in first
    # Hidden post: its files are gone for members too.
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    moderator.post_form(f"/posts/{attachment.post_id}/hide", {"reason": "Privacy"})
    assert fetch(client, url)[0] == 404
    assert fetch(moderator, url)[0] == 200


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 60),  # a Windows program named .pdf
        ("foto.png", PDF),  # a PDF pretending to be an image
        ("script.html", b"<html><script>alert(1)</script></html>"),
        ("leeg.pdf", b""),
    ],
)
def test_refused_attachments_store_nothing(
    client, db, group, people, login, filename, content
):
    login(people[0])
    response = upload(client, group, filename, content)
    assert response.status_code == 200
    assert set(form_errors(response)) == {"attachments"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_too_large_attachment_is_refused_through_the_form(tmp_path):
    from tests import factories
    from tests.conftest import make_test_app, running

    small = make_test_app(
        MAX_ATTACHMENT_BYTES=1024, UPLOAD_FOLDER=str(tmp_path / "uploads")
    )
    with running(small):
        admin = factories.user(Role.ADMIN)
        member = factories.user(Role.PARTICIPANT)
        programme = factories.programme(by=admin)
        group = factories.group(programme, by=admin)
        factories.membership(group, member)
        database.session.commit()
        client = small.test_client()
        client.post_form("/login", {"email": member.email, "password": PASSWORD})
        too_large = upload(client, group, "groot.pdf", PDF + b"0" * 2048)
        page = too_large.get_data(as_text=True)
        assert too_large.status_code == 200
        assert "too large" in page or "te groot" in page
        assert database.session.scalar(sa.select(sa.func.count(Thread.id))) == 0
        assert not any((tmp_path / "uploads").rglob("*.*"))
        assert upload(client, group, "foto.png", PNG).status_code == 302
        stored = database.session.scalar(sa.select(Attachment))
        assert stored.content_type == "image/png" and stored.size == len(PNG)


def test_other_groups_cannot_read_by_url_search_attachment_or_notification(
    app, client, db, group, people, make_group, make_user, add_member, login
):
    login(people[0])
    upload(client, group, "nota.pdf", PDF)
    thread = db.session.scalar(sa.select(Thread))
    client.post_form(
        f"/threads/{thread.id}/reply", {"body": "Woord: dorpsdagvoorziening"}
    )
    other_group = make_group(group.programme, name="Leerkring Brabant")
    outsider = make_user(Role.PARTICIPANT)
    add_member(other_group, outsider)
    stranger = app.test_client()
    login(outsider, test_client=stranger)
    post = thread.posts[0]
    attachment = db.session.scalar(sa.select(Attachment))
    assert stranger.get(f"/threads/{thread.id}").status_code == 404
    assert stranger.get(f"/posts/{post.id}").status_code == 404
    assert (
        stranger.post_form(f"/threads/{thread.id}/reply", {"body": "x"}).status_code
        == 404
    )
    assert fetch(stranger, f"/attachments/{attachment.id}/nota.pdf")[0] == 404
    assert stranger.get(f"/groups/{group.id}/threads").status_code == 404
    results = stranger.get("/search?q=dorpsdagvoorziening").get_data(as_text=True)
    assert thread.title not in results
    # A former member keeps no window on the group through old notifications.
    membership = people[1]
    threads.follow(thread, membership, now=utcnow())
    db.session.commit()
    client.post_form(f"/threads/{thread.id}/reply", {"body": "Nog een reactie"})
    from circle.groups.models import Membership

    row = db.session.scalar(sa.select(Membership).filter_by(user_id=membership.id))
    row.set_status(MembershipStatus.LEFT)
    db.session.commit()
    leaver = app.test_client()
    login(membership, test_client=leaver)
    assert thread.title not in leaver.get("/notifications").get_data(as_text=True)


def test_search_finds_a_thread_by_a_word_from_a_reply(
    app, client, db, group, people, login
):
    first, second = people
    login(first)
    start(client, group, title="Ons initiatievenfonds")
    thread = db.session.scalar(sa.select(Thread))
    other = app.test_client()
    login(second, test_client=other)
    other.post_form(
        f"/threads/{thread.id}/reply",
        {"body": "De dorpsdagvoorzieningen in Meers hielpen ons."},
    )
    page = client.get("/search?q=dorpsdagvoorzieningen").get_data(as_text=True)
    assert "Ons initiatievenfonds" in page
    assert "<mark>" in page
    assert client.get("/search?q=").status_code == 200
    assert client.get('/search?q="*)(OR NEAR').status_code == 200  # no syntax errors
    assert client.get("/search?q=" + "woord " * 100).status_code == 200


def test_search_snippets_are_escaped_and_hidden_posts_are_not_found(
    app, client, db, group, adviser, people, login
):
    login(people[0])
    start(client, group, body="<b>vet</b> zoekwoordje <script>alert(1)</script>")
    page = client.get("/search?q=zoekwoordje").get_data(as_text=True)
    assert "<mark>zoekwoordje</mark>" in page and "<script>alert(1)" not in page
    post = db.session.scalar(sa.select(Post))
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    moderator.post_form(f"/posts/{post.id}/hide", {"reason": "Test"})
    assert "<mark>zoekwoordje" not in client.get("/search?q=zoekwoordje").get_data(
        as_text=True
    )


def test_search_finds_cases_for_the_programme(
    client, db, programme, group, people, login
):
    case = Case(
        programme=programme,
        organisation=people[0].organisation,
        kind=CaseKind.PROJECT,
        project_type="initiatives_fund",
        title="Initiatievenfonds Stein",
        description="Pilots voor eigen kracht",
    )
    db.session.add(case)
    db.session.flush()
    from circle.cases.services import index_case

    index_case(case)
    db.session.commit()
    login(people[1])
    assert "Initiatievenfonds Stein" in client.get("/search?q=pilots").get_data(
        as_text=True
    )


def test_initiator_shares_an_experience_case(app, client, db, group, people, login):
    login(people[1])
    response = client.post_form(
        f"/programmes/{group.programme_id}/cases/new",
        {
            "title": "Dorpsdagvoorziening Meers",
            "description": "Twintig vrijwilligers knapten een pand op.",
            "question": "Hoe blijven we financieel gezond?",
        },
    )
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.kind == CaseKind.EXPERIENCE and case.opened_by == people[1]
    participant = app.test_client()  # participants share projects by applying
    login(people[0], test_client=participant)
    assert (
        participant.get(f"/programmes/{group.programme_id}/cases/new").status_code
        == 403
    )


def test_thread_page_queries_do_not_grow_with_replies(
    client, db, group, people, login, count_queries
):
    login(people[0])
    start(client, group)
    thread = db.session.scalar(sa.select(Thread))
    url = f"/threads/{thread.id}"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for number in range(200):
        db.session.add(
            Post(thread=thread, author=people[number % 2], body=f"Reactie {number}")
        )
    db.session.commit()
    with count_queries() as many:
        page = client.get(url + "?page=5").get_data(as_text=True)
    assert "Reactie 79" in page
    assert many.count == few.count


def test_group_threads_page_queries_do_not_grow_with_threads(
    client, db, group, people, login, count_queries
):
    login(people[0])
    start(client, group)
    url = f"/groups/{group.id}/threads"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    theme = group.programme.themes[0]
    for number in range(100):
        thread = Thread(
            programme=group.programme,
            group=group,
            author=people[1],
            title=f"Gesprek {number}",
            themes=[theme],
        )
        db.session.add_all(
            [thread, Post(thread=thread, author=people[1], body="Tekst")]
        )
    db.session.commit()
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count
