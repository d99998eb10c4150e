"""The live board without a mouse: add a card, vote for it, move it and edit it
with the keyboard alone, always seeing where the focus is."""

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


def _card_in_column(page, index: int, text: str):
    column = page.locator("section.board-column").nth(index)
    return column.locator(".card").filter(has_text=text)


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
    moved = _card_in_column(page, 1, text)
    expect(moved).to_be_visible()
    # The focus moves along with the card: Enter again would move it further.
    expect(moved.locator("[data-action=right]")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator(":focus")).to_have_attribute("aria-label", "Naar links")
    page.keyboard.press("Enter")
    back = _card_in_column(page, 0, text)
    expect(back).to_be_visible()
    # In the first column there is no way further left: the card itself has focus.
    expect(back).to_be_focused()

    # Edit in place: Enter opens the box with the focus in it, Escape closes it
    # unchanged, Enter in the box saves.
    tab_to(page, f'[data-card-id="{card_id}"] [data-action=edit]')
    page.keyboard.press("Enter")
    box = page.get_by_label("Kaartje bewerken")
    expect(box).to_be_focused()
    expect(box).to_have_value(text)
    check_accessibility(page, "board with a card being edited")
    page.keyboard.press("Escape")
    expect(box).to_have_count(0)
    expect(
        page.locator(f'[data-card-id="{card_id}"] [data-action=edit]')
    ).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    page.keyboard.type(" Liefst in het dorpshuis.")
    page.keyboard.press("Enter")
    edited = f"{text} Liefst in het dorpshuis."
    expect(card.locator(".card-text")).to_have_text(edited)
    expect(
        page.locator(f'[data-card-id="{card_id}"] [data-action=edit]')
    ).to_be_focused()
    check_accessibility(page, "board after a keyboard walk")
    assert (
        live_server.scalar(
            "SELECT column_id FROM cards WHERE id = :card", card=int(card_id)
        )
        == column_id
    )
    assert (
        live_server.scalar("SELECT text FROM cards WHERE id = :card", card=int(card_id))
        == edited
    )
