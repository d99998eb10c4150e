"""A facilitated round in two windows: the adviser switches phases, groups the
members' cards into a named cluster with the keyboard alone, members vote and
reply, and every window follows at once; axe checks each state."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, look_at, tab_to
from tests.browser.test_flows import _column, _open_session, _wait_until_live

SESSION = "Uitwisselingsbijeenkomst 2: Leerkring Limburg"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _switch_phase(adviser, name: str) -> None:
    controls = adviser.locator("details[data-role=controls]")
    if controls.get_attribute("open") is None:
        controls.locator("summary").click()
    adviser.get_by_label("Fase", exact=True).select_option(label=name)
    adviser.get_by_role("button", name="Fase wisselen").click()


def test_a_round_with_phases_clusters_and_replies(open_page, live_server):
    adviser = open_page("adviseur@example.org")
    _open_session(adviser, SESSION)
    adviser.get_by_label("Titel van het bord").fill("Ronde met fasen")
    adviser.get_by_role("button", name="Live bord toevoegen").click()
    _wait_until_live(adviser)
    member = open_page("initiatief@example.org", viewport={"width": 360, "height": 740})
    _open_session(member, SESSION)
    member.get_by_role("link", name="Ronde met fasen").click()
    _wait_until_live(member)

    _switch_phase(adviser, "Schrijven")
    expect(member.locator("[data-role=phase]")).to_contain_text("Fase: Schrijven")
    questions = _column(member, "Vragen")
    for text in ("Wie is ons vaste aanspreekpunt?", "Kan er één loket komen?"):
        questions.get_by_label("Je kaartje").fill(text)
        questions.get_by_role("button", name="Kaartje toevoegen").click()
        expect(member.locator(".card-text", has_text=text)).to_be_visible()
    # Writing phase: nobody votes yet.
    expect(member.get_by_role("button", name="Stem erop")).to_have_count(0)
    check_accessibility(member, "board in the writing phase (member, phone)")

    # The adviser groups the second card with the first, by keyboard alone.
    second = adviser.locator(".card").filter(has_text="Kan er één loket komen?")
    expect(second).to_be_visible()
    card_id = second.get_attribute("data-card-id")
    tab_to(adviser, f'[data-card-id="{card_id}"] [data-action=group]', limit=200)
    adviser.keyboard.press("Enter")
    expect(adviser.get_by_label("Zet deze kaart in een groep met")).to_be_focused()
    check_accessibility(adviser, "board with the group form open (adviser)")
    adviser.keyboard.press("Tab")
    expect(adviser.locator(":focus")).to_have_text("In de groep zetten")
    adviser.keyboard.press("Enter")
    cluster = member.locator(".cluster")
    expect(cluster.get_by_role("heading", level=3)).to_have_text("Groep van 2 kaarten")
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
    expect(cluster.locator(":scope > .card-tools .card-votes")).to_have_text(
        "1 stem in totaal"
    )
    expect(adviser.locator(".cluster > .card-tools .card-votes")).to_have_text(
        "1 stem in totaal"
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
    municipality = open_page("gemeente@example.org")
    municipality.goto("/home")
    expect(municipality.locator("#actions-heading")).to_have_text("Je acties")
    case = live_server.scalar(
        "SELECT id FROM cases WHERE title = 'Initiatievenfonds Stein'"
    )
    municipality.goto(f"/cases/{case}")
    actions = municipality.locator("section", has=municipality.get_by_role(
        "heading", name="Acties voor Gemeente Stein"))  # fmt: skip
    expect(actions).to_contain_text("Wijs een vaste contactpersoon aan")
    look_at(municipality, "case with an action from a board")

    _switch_phase(adviser, "Bespreken")
    first = cluster.locator(".card").filter(has_text="Wie is ons vaste")
    first.get_by_role("button", name="Reageren").click()
    box = member.get_by_label("Je reactie")
    expect(box).to_be_focused()
    box.fill("De gemeente Echt-Susteren heeft dat al.")
    box.press("Enter")
    reply = adviser.locator(".comment").filter(has_text="Echt-Susteren heeft dat al")
    expect(reply).to_be_visible()
    expect(reply.locator(".card-author")).to_have_text("Lies Houben")
    look_at(member, "board with a cluster and a reply (phone)")
    check_accessibility(adviser, "board with a cluster and a reply (adviser)")

    # Out of the group again, by keyboard: the cluster is gone in both windows.
    tab_to(adviser, f'[data-card-id="{card_id}"] [data-action=ungroup]', limit=300)
    adviser.keyboard.press("Enter")
    expect(member.locator(".cluster")).to_have_count(0)
    assert (
        live_server.scalar(
            "SELECT count(*) FROM cards WHERE cluster_id IS NOT NULL"
            " AND board_id = (SELECT id FROM boards WHERE title = 'Ronde met fasen')"
        )
        == 0
    )
