"""Every main page, for the role that uses it, checked with axe-core and
photographed at phone and at desktop width (test-artifacts/screenshots/).

A row names the page, who opens it, where, and optionally what to do first to reach
the state that matters (a form with errors, an open dialog, cards on a board).
"""

import re

import pytest
from itsdangerous import URLSafeSerializer
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, look_at, tab_to

ANONYMOUS = None
ADMIN = "admin@example.org"
ADVISER = "adviseur@example.org"
MUNICIPALITY = "gemeente@example.org"
INITIATOR = "initiatief@example.org"

#: Lookups in the demo database; a path's {placeholders} are filled from these.
IDS = {
    "programme": "SELECT id FROM programmes",
    "group": "SELECT id FROM groups WHERE name = 'Leerkring Limburg'",
    "session": "SELECT id FROM meetings"
    " WHERE title = 'Uitwisselingsbijeenkomst 2: Leerkring Limburg'",
    "board": "SELECT id FROM boards WHERE title = 'Tips uit de zaal'",
    "thread": "SELECT id FROM threads"
    " WHERE title = 'Hoe beoordelen we aanvragen voor ons initiatievenfonds?'",
    "case": "SELECT id FROM cases WHERE title = 'Initiatievenfonds Stein'",
    "experience": "SELECT id FROM cases WHERE title = 'Dorpsdagvoorziening Meers'",
    "application": "SELECT id FROM applications"
    " WHERE project_title = 'Beleidsnota maatschappelijk initiatief'",
    "own_application": "SELECT id FROM applications"
    " WHERE project_title = 'Initiatievenfonds Stein'",
    "region": "SELECT id FROM regions WHERE name = 'Limburg'",
    "municipality": "SELECT id FROM users WHERE email = 'gemeente@example.org'",
    "tip": "SELECT id FROM tips WHERE title = 'Eén loket voor initiatieven'",
    "first_exchange": "SELECT meeting_id FROM session_reports",
}


def submit_empty(page):
    page.locator("main form").last.get_by_role("button").last.click()
    expect(page.locator("#error-summary")).to_be_visible()


def open_report_dialog(page):
    page.locator("article.post details.inline-details summary").first.click()
    expect(page.locator("article.post details[open] [type=submit]")).to_be_visible()


def wait_for_board(page):
    expect(page.locator("[data-role=status][data-state=online]")).to_be_visible()
    expect(page.locator(".card").first).to_be_visible()


def open_board_controls(page):
    wait_for_board(page)
    page.locator("details[data-role=controls] summary").click()
    page.locator("details.promote summary").first.click()


def open_action_form(page):
    wait_for_board(page)
    page.locator(".cluster details.make-action summary").first.click()
    expect(page.get_by_label("Wie doet het").first).to_be_visible()


def submit_login_wrongly(page):
    page.get_by_label("E-mailadres").fill("iemand@example.org")
    page.get_by_label("Wachtwoord").fill("niet-goed")
    page.locator("main form").get_by_role("button", name="Inloggen").click()
    expect(
        page.get_by_text("Het e-mailadres of wachtwoord klopt niet.")
    ).to_be_visible()


PAGES = [
    ("start", ANONYMOUS, "/", None),
    ("login", ANONYMOUS, "/login", None),
    ("login-failed", ANONYMOUS, "/login", submit_login_wrongly),
    ("register", ANONYMOUS, "/register", None),
    ("register-errors", ANONYMOUS, "/register", submit_empty),
    ("forgot-password", ANONYMOUS, "/password/forgot", None),
    ("not-found", MUNICIPALITY, "/groups/999999", None),
    ("home-municipality", MUNICIPALITY, "/home", None),
    ("programmes", MUNICIPALITY, "/programmes", None),
    ("programme", MUNICIPALITY, "/programmes/{programme}", None),
    ("own-application", MUNICIPALITY, "/applications/{own_application}", None),
    ("group", MUNICIPALITY, "/groups/{group}", None),
    ("group-sessions", MUNICIPALITY, "/groups/{group}/sessions", None),
    ("group-actions", MUNICIPALITY, "/groups/{group}/actions", None),
    ("my-sessions", MUNICIPALITY, "/my/sessions", None),
    ("session", MUNICIPALITY, "/sessions/{session}", None),
    ("case", MUNICIPALITY, "/cases/{case}", None),
    ("conversations", MUNICIPALITY, "/programmes/{programme}/threads", None),
    ("thread", MUNICIPALITY, "/threads/{thread}", None),
    ("thread-report-dialog", MUNICIPALITY, "/threads/{thread}", open_report_dialog),
    (
        "new-thread-errors",
        MUNICIPALITY,
        "/programmes/{programme}/threads/new",
        submit_empty,
    ),
    ("search", MUNICIPALITY, "/search?q=initiatievenfonds", None),
    ("notifications", MUNICIPALITY, "/notifications", None),
    ("profile", MUNICIPALITY, "/profile", None),
    ("notification-settings", MUNICIPALITY, "/profile/notifications", None),
    ("unsubscribe", ANONYMOUS, "/unsubscribe/{unsubscribe}", None),
    ("change-password", MUNICIPALITY, "/profile/password", None),
    ("delete-account", MUNICIPALITY, "/profile/delete", None),
    ("home-initiator", INITIATOR, "/home", None),
    ("experience-case", INITIATOR, "/cases/{experience}", None),
    ("board-initiator", INITIATOR, "/boards/{board}", wait_for_board),
    ("join-board", INITIATOR, "/join", submit_empty),
    ("principles", INITIATOR, "/principles", None),
    ("home-adviser", ADVISER, "/home", None),
    ("session-adviser", ADVISER, "/sessions/{session}", None),
    ("group-adviser", ADVISER, "/groups/{group}", None),
    ("applications", ADVISER, "/programmes/{programme}/applications", None),
    ("application-intake", ADVISER, "/applications/{application}", None),
    ("join-requests", ADVISER, "/groups/{group}/requests", None),
    ("edit-group", ADVISER, "/groups/{group}/edit", None),
    ("edit-session", ADVISER, "/sessions/{session}/edit", None),
    ("moderation", ADVISER, "/programmes/{programme}/moderation", None),
    ("board-adviser-controls", ADVISER, "/boards/{board}", open_board_controls),
    ("board-adviser-action", ADVISER, "/boards/{board}", open_action_form),
    ("board-print", ADVISER, "/boards/{board}/print", None),
    ("board-presenter", ADVISER, "/boards/{board}/present", wait_for_board),
    ("invitations", ADMIN, "/invitations", None),
    ("outbox", ADMIN, "/admin/outbox", None),
    ("outbox-sent", ADMIN, "/admin/outbox?view=sent", None),
    ("new-programme-errors", ADMIN, "/programmes/new", submit_empty),
    ("edit-programme", ADMIN, "/programmes/{programme}/edit", None),
    ("regions", ADMIN, "/regions", None),
    ("edit-region", ADMIN, "/regions/{region}/edit", None),
    ("new-group", ADMIN, "/programmes/{programme}/groups/new", None),
    (
        "new-programme-session-errors",
        ADMIN,
        "/programmes/{programme}/sessions/new",
        submit_empty,
    ),
    ("new-experience-case", INITIATOR, "/programmes/{programme}/cases/new", None),
    # Tips and lessons (#14): inside the programme and in public.
    ("tips-library", MUNICIPALITY, "/programmes/{programme}/tips", None),
    ("tips-library-adviser", ADVISER, "/programmes/{programme}/tips", None),
    ("tip", MUNICIPALITY, "/tips/{tip}", None),
    ("tip-adviser", ADVISER, "/tips/{tip}", None),
    ("tip-consent", MUNICIPALITY, "/tips/{tip}/consent", None),
    ("edit-tip", ADVISER, "/tips/{tip}/edit", None),
    ("harvest", ADVISER, "/boards/{board}/harvest", None),
    ("session-report", MUNICIPALITY, "/sessions/{first_exchange}", None),
    ("write-report", ADVISER, "/sessions/{first_exchange}/report", None),
    ("public-programme", ANONYMOUS, "/public/programmes/{programme}", None),
    ("public-bundle", ANONYMOUS, "/public/programmes/{programme}/tips", None),
    ("public-tip", ANONYMOUS, "/tips/{tip}", None),
]


@pytest.fixture(scope="module")
def ids(live_server):
    found = {name: live_server.scalar(sql) for name, sql in IDS.items()}
    # The link in an optional e-mail, signed with the live server's secret.
    found["unsubscribe"] = URLSafeSerializer(
        live_server.server.env["SECRET_KEY"], salt="unsubscribe"
    ).dumps([found["municipality"], "mentions"])
    return found


@pytest.mark.parametrize(
    ("name", "email", "path", "prepare"), PAGES, ids=[row[0] for row in PAGES]
)
def test_page_is_accessible_and_fits_a_phone(
    open_page, ids, name, email, path, prepare
):
    page = open_page(email)
    response = page.goto(path.format(**ids))
    assert response.status == (404 if name == "not-found" else 200)
    if prepare:
        prepare(page)
    look_at(page, name)


#: The same checks in English (Dutch is the default; English must be as good).
IN_ENGLISH = [
    "register-errors",
    "public-bundle",
    "home-municipality",
    "session",
    "thread-report-dialog",
    "board-initiator",
    "application-intake",
    "invitations",
    "notification-settings",
    "outbox",
]


ENGLISH_ROWS = [row for row in PAGES if row[0] in IN_ENGLISH]


@pytest.mark.parametrize("row", ENGLISH_ROWS, ids=[row[0] for row in ENGLISH_ROWS])
def test_page_in_english_is_accessible(open_page, ids, row):
    name, email, path, prepare = row
    page = open_page(email, locale="en-GB")
    page.goto(path.format(**ids))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if prepare:
        prepare(page)
    look_at(page, f"{name}-en")


def test_phone_menu_folds_and_unfolds_by_keyboard(open_page):
    page = open_page(MUNICIPALITY, viewport=PHONE)
    toggle = page.get_by_role("button", name=re.compile("^Menu"))
    navigation = page.get_by_role("navigation", name="Hoofdmenu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()
    # The unread count stays in sight on the closed menu.
    expect(toggle.locator(".count")).to_be_visible()

    tab_to(page, ".menu-toggle")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(navigation).to_be_visible()
    page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Mijn traject")).to_be_focused()
    page.keyboard.press("Escape")
    expect(navigation).to_be_hidden()
    expect(toggle).to_be_focused()
    toggle.click()
    look_at(page, "phone menu open")

    # A wide screen has no menu button: everything is in sight.
    page.set_viewport_size(DESKTOP)
    expect(toggle).to_be_hidden()
    expect(navigation).to_be_visible()
