"""The issue's acceptance round, in real windows: an adviser and two members (one
at phone width) on a board started from a template; blurred cards revealed and
names hidden in every window at once; phases; cards grouped into a named cluster
with the keyboard alone; votes; the cluster becomes an action that shows on the
municipality's case; replies; a fourth window joins by typing the code. axe
checks each state."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, look_at, tab_to
from tests.browser.test_flows import _column, _open_session, _wait_until_live

SESSION = "Uitwisselingsbijeenkomst 2: Leerkring Limburg"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HIDDEN = "Verborgen tot de adviseur de kaartjes onthult"


def _controls(adviser):
    controls = adviser.locator("details[data-role=controls]")
    if controls.get_attribute("open") is None:
        controls.locator("summary").click()
    return controls


def _switch_phase(adviser, name: str) -> None:
    _controls(adviser)
    adviser.get_by_label("Fase", exact=True).select_option(label=name)
    adviser.get_by_role("button", name="Fase wisselen").click()


def _write(page, column: str, text: str) -> None:
    box = _column(page, column).get_by_label("Je kaartje")
    box.fill(text)
    box.press("Enter")


def test_a_facilitated_round_in_four_windows(open_page, live_server):
    adviser = open_page("adviseur@example.org")
    _open_session(adviser, SESSION)
    adviser.get_by_label("Titel van het bord").fill("Ronde met fasen")
    adviser.get_by_label("Beginnen met").select_option(
        label="Wat werkt / wat niet / vragen"
    )
    adviser.get_by_role("button", name="Live bord toevoegen").click()
    _wait_until_live(adviser)
    board_url = adviser.url
    code = adviser.locator("details.board-code summary").inner_text().split()[-1]
    blur = "Kaartjes verbergen tot ze worden onthuld"
    _controls(adviser).get_by_label(blur).check()

    member = open_page("initiatief@example.org", viewport={"width": 360, "height": 740})
    member.goto(board_url)
    municipality = open_page("gemeente@example.org")
    municipality.goto(board_url)
    for page in (member, municipality):
        _wait_until_live(page)

    _switch_phase(adviser, "Schrijven")
    expect(member.locator("[data-role=phase]")).to_contain_text("Fase: Schrijven")
    _write(member, "Wat werkt", "Wie is ons vaste aanspreekpunt?")
    _write(municipality, "Wat werkt", "Kan er één loket komen?")
    # Blurred: each sees their own text, the other's card only as hidden.
    expect(member.locator(".card-text", has_text="Wie is ons vaste")).to_be_visible()
    expect(member.locator(".card-text", has_text=HIDDEN)).to_have_count(1)
    expect(municipality.locator(".card-text", has_text=HIDDEN)).to_have_count(1)
    expect(member.get_by_role("button", name="Stem erop")).to_have_count(0)
    check_accessibility(member, "blurred board in the writing phase (member, phone)")

    # The reveal reaches every window at once; then anonymity hides every name.
    _controls(adviser).get_by_label(
        "Kaartjes verbergen tot ze worden onthuld"
    ).uncheck()
    for page in (member, municipality):
        expect(page.locator(".card-text", has_text="Kan er één loket")).to_be_visible()
        expect(page.locator(".card-author", has_text="Lies Houben")).to_have_count(1)
    _controls(adviser).get_by_label("Anoniem (geen namen, voor iedereen)").check()
    for page in (adviser, member, municipality):
        expect(page.locator(".card-author", has_text="Lies Houben")).to_have_count(0)
        expect(page.locator("[data-role=anonymous]")).to_be_visible()

    # The adviser groups the second card with the first, by keyboard alone.
    second = adviser.locator(".card").filter(has_text="Kan er één loket komen?")
    card_id = second.get_attribute("data-card-id")
    tab_to(adviser, f'[data-card-id="{card_id}"] [data-action=group]', limit=200)
    adviser.keyboard.press("Enter")
    expect(adviser.get_by_label("Zet dit kaartje in een groep met")).to_be_focused()
    check_accessibility(adviser, "board with the group form open (adviser)")
    adviser.keyboard.press("Tab")
    expect(adviser.locator(":focus")).to_have_text("In de groep zetten")
    adviser.keyboard.press("Enter")
    cluster = member.locator(".cluster")
    expect(cluster.get_by_role("heading", level=3)).to_have_text("Groep van 2 kaartjes")
    expect(cluster.locator(".card")).to_have_count(2)
    tab_to(adviser, "[data-action=name-group]", limit=200)
    adviser.keyboard.press("Enter")
    adviser.keyboard.type("Eén gezicht")
    adviser.keyboard.press("Enter")
    expect(cluster.get_by_role("heading", level=3)).to_have_text("Eén gezicht")

    _switch_phase(adviser, "Stemmen")
    expect(member.locator("[data-role=phase]")).to_contain_text("Fase: Stemmen")
    expect(member.locator("form.add-card")).to_have_count(0)
    cluster.locator(".card").first.get_by_role("button", name="Stem erop").click()
    municipality.locator(".cluster .card").last.get_by_role(
        "button", name="Stem erop"
    ).click()
    total = ":scope > .card-tools .card-votes"
    expect(cluster.locator(total)).to_have_text("2 stemmen in totaal")
    expect(adviser.locator(".cluster").locator(total)).to_have_text(
        "2 stemmen in totaal"
    )
    check_accessibility(member, "board with a cluster in the voting phase (member)")

    # The top cluster becomes an action for a municipality: it shows on its case.
    adviser_cluster = adviser.locator(".cluster")
    adviser_cluster.locator("details.make-action > summary").first.click()
    form = adviser_cluster.locator("details.make-action form").first
    expect(form.get_by_label("Wat er gaat gebeuren")).to_have_value("Eén gezicht")
    form.get_by_label("Wat er gaat gebeuren").fill("Wijs een vaste contactpersoon aan")
    form.get_by_label("Wie doet het").select_option(label="Gemeente Stein")
    due = (datetime.now(AMSTERDAM) + timedelta(days=30)).date().isoformat()
    form.get_by_label("Wanneer klaar").fill(due)
    form.get_by_role("button", name="Maak er een actie van").click()
    expect(adviser.locator("#actions")).to_contain_text(
        "Wijs een vaste contactpersoon aan"
    )
    _wait_until_live(adviser)
    case = live_server.scalar(
        "SELECT id FROM cases WHERE title = 'Initiatievenfonds Stein'"
    )
    municipality.goto(f"/cases/{case}")
    actions = municipality.locator("section", has=municipality.get_by_role(
        "heading", name="Acties voor Gemeente Stein"))  # fmt: skip
    expect(actions).to_contain_text("Wijs een vaste contactpersoon aan")
    look_at(municipality, "case with an action from a board")
    municipality.goto("/home")
    expect(municipality.locator("#actions-heading")).to_have_text("Je acties")

    _switch_phase(adviser, "Bespreken")
    first = cluster.locator(".card").filter(has_text="Wie is ons vaste")
    first.get_by_role("button", name="Reageren").click()
    box = member.get_by_label("Je reactie")
    expect(box).to_be_focused()
    box.fill("De gemeente Echt-Susteren heeft dat al.")
    box.press("Enter")
    reply = adviser.locator(".comment").filter(has_text="Echt-Susteren heeft dat al")
    expect(reply).to_be_visible()
    expect(reply.locator(".card-author")).to_have_count(0)  # anonymous board
    look_at(member, "board with a cluster and a reply (phone)")
    check_accessibility(adviser, "board with a cluster and a reply (adviser)")

    # A fourth window joins by typing the code shown in the room.
    fourth = open_page("gemeente@example.org", viewport={"width": 360, "height": 740})
    fourth.goto("/join")
    fourth.get_by_label("Code van het bord").fill(code.lower())
    fourth.get_by_role("button", name="Bord openen").click()
    _wait_until_live(fourth)
    expect(fourth.locator(".cluster h3")).to_have_text("Eén gezicht")

    # Out of the group again, by keyboard: the cluster is gone in the windows.
    tab_to(adviser, f'[data-card-id="{card_id}"] [data-action=ungroup]', limit=300)
    adviser.keyboard.press("Enter")
    for page in (member, fourth):
        expect(page.locator(".cluster")).to_have_count(0)
