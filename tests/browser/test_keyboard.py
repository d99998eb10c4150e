"""The live board without a mouse: add a card, vote for it and move it with the
keyboard alone, always seeing where the focus is."""

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, tab_to


def _focus_is_visible(page) -> bool:
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            return element.matches(":focus-visible")
                && getComputedStyle(element).outlineStyle !== "none";
        }"""
    )


def test_add_vote_and_move_a_card_by_keyboard_alone(open_page, live_server):
    board_id = live_server.scalar(
        "SELECT id FROM boards WHERE title = 'Tips uit de zaal'"
    )
    column_id = live_server.scalar(
        "SELECT id FROM board_columns WHERE board_id = :board"
        " AND title = 'Tips voor gemeenten'",
        board=board_id,
    )
    page = open_page("gemeente@example.org")
    page.goto(f"/boards/{board_id}")
    expect(page.locator("[data-role=status]")).to_have_text(
        "Live: wijzigingen verschijnen vanzelf."
    )

    # The skip link comes first, so keyboard users need not pass the whole menu.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()

    tab_to(page, f"#add-{column_id}", limit=200)
    assert _focus_is_visible(page)
    text = "Vraag het college om één vast aanspreekpunt."
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Kaartje toevoegen")
    page.keyboard.press("Enter")
    card = page.locator(".card").filter(has_text=text)
    expect(card).to_be_visible()
    # After adding, the focus is back in the box for the next card.
    expect(page.locator(f"#add-{column_id}")).to_be_focused()
    card_id = card.get_attribute("data-card-id")

    vote = tab_to(page, f'[data-card-id="{card_id}"] [data-action=vote]', limit=200)
    assert _focus_is_visible(page)
    page.keyboard.press("Space")
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(card.locator(".card-votes")).to_have_text("1 stem")

    tab_to(page, f'[data-card-id="{card_id}"] [data-action=right]')
    expect(page.locator(":focus")).to_have_attribute("aria-label", "Naar rechts")
    page.keyboard.press("Enter")
    moved = (
        page.locator("section.board-column")
        .nth(1)
        .locator(".card")
        .filter(has_text=text)
    )
    expect(moved).to_be_visible()
    # The moved card keeps the focus, so the next key press goes on from there.
    expect(moved).to_be_focused()
    tab_to(page, f'[data-card-id="{card_id}"] [data-action=left]')
    page.keyboard.press("Enter")
    expect(
        page.locator("section.board-column")
        .nth(0)
        .locator(".card")
        .filter(has_text=text)
    ).to_be_visible()
    check_accessibility(page, "board after a keyboard walk")
    assert (
        live_server.scalar(
            "SELECT column_id FROM cards WHERE id = :card", card=int(card_id)
        )
        == column_id
    )
