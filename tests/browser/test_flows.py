"""The main flows, walked as the people who use Circle would, in a real browser.

The tests read Dutch labels on purpose: Dutch is the default language and what
these users see. Each test makes its own data or uses a part of the demo programme
that no other test changes, so they can run in any order.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in, look_at, main_menu

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_register_and_apply_for_the_programme(open_page, live_server):
    page = open_page()
    page.goto("/")
    page.get_by_role("link", name="Registreren").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account aanmaken")

    # A mistake first: the form says what is wrong and keeps what was typed.
    page.get_by_label("Volledige naam").fill("Noor Willems")
    page.get_by_label("E-mailadres").fill("noor.willems@beekdaelen.example")
    page.get_by_label("Wachtwoord", exact=True).fill("een-lang-wachtwoord")
    page.get_by_label("Herhaal wachtwoord").fill("iets-anders")
    page.get_by_role("button", name="Account aanmaken").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_label("Volledige naam")).to_have_value("Noor Willems")
    look_at(page, "register with errors")

    page.get_by_label("Wachtwoord", exact=True).fill("een-lang-wachtwoord")
    page.get_by_label("Herhaal wachtwoord").fill("een-lang-wachtwoord")
    page.get_by_label("Ambtenaar, wethouder of raadslid").check()
    page.get_by_label("Je organisatie", exact=True).fill("Gemeente Beekdaelen")
    page.get_by_label("Provincie").select_option("Limburg")
    page.get_by_role("button", name="Account aanmaken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je mailbox")

    # The link in the mail asks first (mail scanners open links), then signs in.
    page.goto(live_server.mail_link("noor.willems@beekdaelen.example", "/verify/"))
    page.get_by_role("button", name="Mijn adres bevestigen").click()
    page.wait_for_url("**/home")
    expect(page.get_by_text("Je e-mailadres is bevestigd.")).to_be_visible()
    # A new municipality waits for an adviser before it can apply.
    expect(page.get_by_text("is nieuw in Circle")).to_be_visible()
    expect(page.get_by_role("link", name="Meld je gemeente aan")).to_have_count(0)

    adviser = open_page("adviseur@example.org")
    adviser.goto("/organisations/requests")
    look_at(adviser, "organisation requests")
    check_accessibility(adviser, "organisation requests")
    adviser.get_by_role("button", name="Goedkeuren Gemeente Beekdaelen").click()
    expect(adviser.get_by_text("kan zich nu aanmelden voor trajecten")).to_be_visible()

    page.reload()

    page.get_by_role("link", name="Meld je gemeente aan").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("concreet project")
    page.get_by_role("button", name="Aanmelding versturen").click()
    expect(page.get_by_text("Kies het soort project.").first).to_be_visible()
    look_at(page, "application form with errors")

    page.get_by_label("Initiatievenfonds").check()
    page.get_by_label("Naam van het project").fill("Dorpsbudget Beekdaelen")
    page.get_by_label("Wat is het project?").fill(
        "Zestien kernen krijgen elk een eigen budget voor bewonersinitiatieven."
    )
    page.get_by_label("Welke vraag breng je in").fill(
        "Hoe houden we het eenvoudig voor vrijwilligers?"
    )
    page.get_by_label("Het college van burgemeester en wethouders steunt").check()
    page.get_by_label("De gemeenteraad steunt de deelname.").check()
    page.get_by_label("De betrokken ambtenaren hebben tijd").check()
    page.get_by_role("button", name="Aanmelding versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dorpsbudget Beekdaelen")
    expect(page.get_by_text("Ingediend").first).to_be_visible()
    assert (
        live_server.scalar(
            "SELECT status FROM applications WHERE project_title = :title",
            title="Dorpsbudget Beekdaelen",
        )
        == "submitted"
    )
    look_at(page, "application submitted")


def test_a_stranger_claiming_a_municipality_sees_nothing_until_approved(
    open_page, live_server
):
    """The acceptance scenario of the trust issue, in Dutch, in a real browser."""
    application = live_server.scalar(
        "SELECT a.id FROM applications a JOIN organisations o"
        " ON o.id = a.organisation_id WHERE o.name = 'Gemeente Stein'"
    )
    stranger = open_page()
    stranger.goto("/register")
    stranger.get_by_label("Volledige naam").fill("Kees Onbekend")
    stranger.get_by_label("E-mailadres").fill("kees@onbekend.example")
    stranger.get_by_label("Wachtwoord", exact=True).fill("een-lang-wachtwoord")
    stranger.get_by_label("Herhaal wachtwoord").fill("een-lang-wachtwoord")
    stranger.get_by_label("Je organisatie", exact=True).fill("Gemeente Stein")
    stranger.get_by_role("button", name="Account aanmaken").click()
    stranger.goto(live_server.mail_link("kees@onbekend.example", "/verify/"))
    stranger.get_by_role("button", name="Mijn adres bevestigen").click()
    expect(stranger.get_by_text("Je vroeg om namens Gemeente Stein")).to_be_visible()
    # Nothing of Stein: not its application, not its case, not its programme threads.
    assert stranger.goto(f"/applications/{application}").status == 404
    assert stranger.goto(f"/applications/{application}/edit").status == 404
    look_at(stranger, "claimed municipality, not approved")

    # A colleague at Stein is asked by mail and approves.
    link = live_server.mail_link("gemeente@example.org", "/organisations/requests")
    colleague = open_page("gemeente@example.org")
    colleague.goto(link)
    colleague.get_by_role("button", name="Goedkeuren Kees Onbekend").click()
    expect(
        colleague.get_by_text("kan nu namens Gemeente Stein optreden")
    ).to_be_visible()

    assert stranger.goto(f"/applications/{application}").status == 200
    expect(stranger.get_by_role("heading", level=1)).to_be_visible()


def test_adviser_plans_intake_accepts_and_places(open_page, live_server):
    page = open_page("adviseur@example.org")
    page.get_by_role("link", name=re.compile("wacht(en)? op een intake")).click()
    look_at(page, "applications review")
    page.get_by_role("link", name="Buurtbudget Meppel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buurtbudget Meppel")

    # No date is an error on the page, not a lost form.
    page.get_by_role("button", name="Intake plannen").click()
    expect(page.get_by_text("Vul een datum en tijd in.").first).to_be_visible()
    check_accessibility(page, "intake form with errors")

    intake = (datetime.now(AMSTERDAM) + timedelta(days=7)).replace(hour=10, minute=0)
    page.get_by_label("Datum en tijd van de intake").fill(
        intake.strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Notities voor de intake").fill("Videogesprek met de wethouder")
    page.get_by_role("button", name="Intake plannen").click()
    expect(page.get_by_text("Intake gepland").first).to_be_visible()

    page.get_by_label("Accepteren").check()
    page.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_text("Geaccepteerd").first).to_be_visible()
    check_accessibility(page, "application accepted, placement form")

    # The group in the same region is suggested; the option says how full it is.
    choice = page.get_by_label("Regionale leergroep", exact=True)
    expect(choice.locator("option:checked")).to_contain_text("Leerkring Noord en Oost")
    page.get_by_role("button", name="Plaatsen in groep").click()
    expect(page.get_by_text("Leerkring Noord en Oost").first).to_be_visible()
    look_at(page, "application placed")
    assert (
        live_server.scalar(
            "SELECT g.name FROM applications a JOIN cases c ON c.application_id = a.id"
            " JOIN groups g ON g.id = c.group_id"
            " WHERE a.project_title = 'Buurtbudget Meppel'"
        )
        == "Leerkring Noord en Oost"
    )


def test_schedule_a_session_answer_and_download_the_invite(open_page, live_server):
    adviser = open_page("adviseur@example.org")
    adviser.get_by_role("link", name="Leerkring Limburg", exact=True).first.click()
    adviser.get_by_role("link", name="Bijeenkomst plannen").click()
    # The day after summer time starts: 19:30 in Amsterdam is 17:30 UTC.
    adviser.get_by_label("Titel").fill("Lenteavond: bewonersbudgetten")
    adviser.get_by_label("Begint").fill("2027-03-29T19:30")
    adviser.get_by_label("Eindigt").fill("2027-03-29T19:00")
    adviser.get_by_label("Plaats (adres)").fill("Dorpshuis Meers, Maasstraat 1, Stein")
    adviser.get_by_role("button", name="Bijeenkomst opslaan").click()
    expect(
        adviser.get_by_text("De bijeenkomst moet eindigen na het begin.").first
    ).to_be_visible()
    look_at(adviser, "session form with errors")
    adviser.get_by_label("Eindigt").fill("2027-03-29T21:30")
    adviser.get_by_role("button", name="Bijeenkomst opslaan").click()
    expect(adviser.get_by_role("heading", level=1)).to_have_text(
        "Lenteavond: bewonersbudgetten"
    )
    expect(adviser.get_by_text("maandag 29 maart 2027").first).to_be_visible()
    expect(adviser.get_by_text("19:30").first).to_be_visible()
    stored = live_server.scalar(
        "SELECT starts_at FROM meetings WHERE title = 'Lenteavond: bewonersbudgetten'"
    )
    assert str(stored).startswith("2027-03-29 17:30")

    member = open_page("gemeente@example.org")
    main_menu(member).get_by_role("link", name="Mijn bijeenkomsten").click()
    member.get_by_role("link", name="Lenteavond: bewonersbudgetten").click()
    member.get_by_label("Ik kom", exact=True).check()
    member.get_by_role("button", name="Antwoord versturen").click()
    expect(member.get_by_text("Je komt.").first).to_be_visible()
    look_at(member, "session after answering")

    with member.expect_download() as download:
        member.get_by_role("link", name=re.compile("Uitnodiging downloaden")).click()
    calendar = icalendar.Calendar.from_ical(download.value.path().read_bytes())
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Lenteavond: bewonersbudgetten"
    starts = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert (starts.hour, starts.minute) == (19, 30)
    assert starts.utcoffset() == timedelta(hours=2)
    # The personal invite names the person it was made for, with their answer.
    attendee = event["ATTENDEE"]
    assert str(attendee).lower() == "mailto:gemeente@example.org"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"


def test_open_a_thread_reply_with_a_file_and_find_it(open_page):
    page = open_page("gemeente@example.org")
    page.goto("/programmes")
    page.get_by_role(
        "link", name="Faciliteren van lokaal maatschappelijk initiatief"
    ).click()
    page.get_by_role("link", name="Gesprekken voor het hele traject").click()
    page.get_by_role(
        "link", name="De 9 uitgangspunten van de Nationale Ombudsman in de praktijk"
    ).click()

    # An empty reply is refused with a message, the page stays usable.
    page.get_by_role("button", name="Reactie plaatsen").click()
    expect(page.get_by_label("Je reactie")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reply").get_by_text("Schrijf eerst iets.")).to_be_visible()
    check_accessibility(page, "thread reply with errors")

    page.get_by_label("Je reactie").fill(
        "In Stein gebruiken we de **zwaluwstaartmethode**: eerst luisteren, dan pas "
        "een formulier."
    )
    picture = page.screenshot()
    page.get_by_label("Bestanden toevoegen").set_input_files(
        {"name": "werkwijze.png", "mimeType": "image/png", "buffer": picture}
    )
    page.get_by_role("button", name="Reactie plaatsen").click()
    expect(page.get_by_text("Je reactie is geplaatst.")).to_be_visible()
    post = page.locator("article.post").filter(has_text="zwaluwstaartmethode")
    expect(post.get_by_role("heading", name="Jeroen Smeets")).to_be_visible()
    expect(post.locator("strong", has_text="zwaluwstaartmethode")).to_be_visible()
    attachment = post.get_by_role("link", name="werkwijze.png")
    assert page.request.get(attachment.get_attribute("href")).body() == picture
    look_at(page, "thread with reply")

    search = page.get_by_role("search")
    search.get_by_label("Zoeken in gesprekken en casussen").fill("zwaluwstaartmethode")
    search.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoeken")
    results = page.locator(".search-results li")
    expect(results).to_have_count(1)
    look_at(page, "search results")
    results.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("De 9 uitgangspunten")
    expect(page.get_by_text("zwaluwstaartmethode").first).to_be_visible()


def _open_session(page, title: str) -> None:
    main_menu(page).get_by_role("link", name="Mijn bijeenkomsten").click()
    page.get_by_role("link", name=title).click()


def _wait_until_live(page) -> None:
    expect(page.locator("[data-role=status]")).to_have_text(
        "Live: wijzigingen verschijnen vanzelf."
    )


def _column(page, title: str):
    return page.locator("section.board-column").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def test_two_people_on_one_live_board_and_the_adviser_locks_it(open_page, live_server):
    session = "Uitwisselingsbijeenkomst 2: Leerkring Limburg"
    adviser = open_page("adviseur@example.org")
    _open_session(adviser, session)
    adviser.get_by_label("Titel van het bord").fill("Vragen aan de wethouder")
    adviser.get_by_role("button", name="Live bord toevoegen").click()
    expect(adviser.get_by_role("heading", level=1)).to_have_text(
        "Vragen aan de wethouder"
    )
    _wait_until_live(adviser)

    member = open_page("initiatief@example.org", viewport={"width": 360, "height": 740})
    _open_session(member, session)
    member.get_by_role("link", name="Vragen aan de wethouder").click()
    _wait_until_live(member)
    expect(member.locator("[data-role=presence]")).to_contain_text("Marleen de Vries")

    questions = _column(member, "Vragen")
    questions.get_by_label("Je kaartje").fill("Mag het dorpshuis ook op zondag open?")
    questions.get_by_role("button", name="Kaartje toevoegen").click()
    # It arrives at the adviser's screen without a reload.
    card = adviser.locator(".card").filter(has_text="Mag het dorpshuis ook op zondag")
    expect(card).to_be_visible()
    expect(card.locator(".card-author")).to_have_text("Lies Houben")

    card.get_by_role("button", name="Stem erop").click()
    expect(card.get_by_role("button", name="Stem terugnemen")).to_have_attribute(
        "aria-pressed", "true"
    )
    member_card = member.locator(".card").filter(has_text="Mag het dorpshuis")
    expect(member_card.locator(".card-votes")).to_have_text("1 stem")

    tips = _column(adviser, "Tips voor gemeenten")
    # Enter adds the card (the label says so); Shift+Enter would start a new line.
    box = tips.get_by_label("Je kaartje")
    expect(box).to_have_accessible_name(re.compile("Enter voegt het toe"))
    box.fill("Begin klein: één loket, één gezicht.")
    box.press("Enter")
    expect(
        member.locator(".card-text", has_text="Begin klein: één loket, één gezicht.")
    ).to_be_visible()
    # Screen-reader users hear new cards from others through a live region.
    expect(member.locator("[data-role=announce]")).to_have_text(
        "Nieuw kaartje in Tips voor gemeenten: Begin klein: één loket, één gezicht."
    )
    look_at(member, "live board with cards (phone)")

    # The adviser renames a column in place; the member's board follows.
    _column(adviser, "Vragen").locator("[data-action=rename-column]").click()
    title = adviser.get_by_label("Titel van de kolom")
    expect(title).to_be_focused()
    title.fill("Vragen voor de wethouder")
    title.press("Enter")
    expect(_column(member, "Vragen voor de wethouder")).to_be_visible()

    # A third person types the code shown in the room and lands on the board.
    adviser.locator("details.board-code summary").click()
    code = live_server.scalar(
        "SELECT code FROM boards WHERE title = 'Vragen aan de wethouder'"
    )
    expect(adviser.locator("details.board-code")).to_contain_text(code)
    expect(
        adviser.get_by_role("img", name="QR-code die dit bord opent")
    ).to_be_visible()
    third = open_page("gemeente@example.org")
    third.goto("/my/sessions")
    third.get_by_role("link", name="Een bord openen met de code").click()
    third.get_by_label("Code van het bord").fill(code.lower())
    third.get_by_role("button", name="Bord openen").click()
    expect(third.get_by_role("heading", level=1)).to_have_text(
        "Vragen aan de wethouder"
    )
    _wait_until_live(third)
    third.context.close()

    controls = adviser.locator("details[data-role=controls]")
    controls.locator("summary").click()
    look_at(adviser, "live board with adviser controls open")
    # Blur, reveal and anonymity change every open window at once, no reload.
    hidden_text = "Verborgen tot de adviseur de kaartjes onthult"
    advisers_card = _column(member, "Tips voor gemeenten").locator(".card-text")
    adviser.get_by_label("Kaartjes verbergen tot ze worden onthuld").check()
    expect(advisers_card).to_have_text(hidden_text)
    # Every state stays readable (WCAG AA contrast): blurred for the member, a
    # hidden card and the controls for the adviser.
    check_accessibility(member, "live board blurred (member)")
    card.get_by_role("button", name="Verbergen").click()
    expect(card).to_have_class(re.compile("is-hidden"))
    check_accessibility(adviser, "live board blurred with a hidden card (adviser)")
    card.get_by_role("button", name="Terugzetten").click()
    # The member's own card keeps its text for them.
    expect(member.locator(".card-text", has_text="Mag het dorpshuis")).to_be_visible()
    adviser.get_by_label("Kaartjes verbergen tot ze worden onthuld").uncheck()
    expect(advisers_card).to_have_text("Begin klein: één loket, één gezicht.")
    adviser.get_by_label("Anoniem (geen namen, voor iedereen)").check()
    expect(member.locator(".card-author", has_text="Marleen de Vries")).to_have_count(0)
    adviser.get_by_label("Anoniem (geen namen, voor iedereen)").uncheck()
    expect(member.locator(".card-author", has_text="Marleen de Vries")).to_be_visible()
    adviser.get_by_label("Vergrendeld (alleen lezen)").check()
    expect(
        member.locator("[data-role=locked]", has_text="Het bord is vergrendeld")
    ).to_be_visible()
    expect(member.get_by_label("Je kaartje")).to_have_count(0)
    expect(member_card.get_by_role("button")).to_have_count(0)

    # Everything was stored: a fresh page shows the same board, still locked.
    member.reload()
    _wait_until_live(member)
    expect(
        member.locator(".card-text", has_text="Mag het dorpshuis ook op zondag open?")
    ).to_be_visible()
    expect(member.get_by_label("Je kaartje")).to_have_count(0)
    assert live_server.scalar(
        "SELECT is_locked FROM boards WHERE title = 'Vragen aan de wethouder'"
    )


def test_switch_language_and_keep_it_after_logging_in_again(open_page, live_server):
    page = open_page(locale="nl-NL")
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("button", name="English")).to_have_attribute(
        "aria-pressed", "true"
    )
    check_accessibility(page, "login in English")

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name").fill("Evi de Groot")
    page.get_by_label("E-mail address").fill("evi.degroot@vaals.example")
    page.get_by_label("Password", exact=True).fill("een-lang-wachtwoord")
    page.get_by_label("Repeat password").fill("een-lang-wachtwoord")
    page.get_by_label("Your organisation", exact=True).fill("Gemeente Vaals")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    page.goto(live_server.mail_link("evi.degroot@vaals.example", "/verify/"))
    expect(page.get_by_text("Confirm that evi.degroot@vaals.example")).to_be_visible()
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()
    look_at(page, "home in English")

    # The choice is the account's now: it survives logging out and in.
    page.get_by_role("button", name="Log out").click()
    page.context.clear_cookies()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_label("E-mailadres").fill("evi.degroot@vaals.example")
    page.get_by_label("Wachtwoord").fill("een-lang-wachtwoord")
    page.locator("main form").get_by_role("button", name="Inloggen").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My sessions", exact=True)).to_be_visible()

    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(
        page.get_by_role("link", name="Mijn bijeenkomsten", exact=True)
    ).to_be_visible()


def test_logging_out_in_another_tab_ends_the_live_board(open_page, live_server):
    board_id = live_server.scalar(
        "SELECT id FROM boards WHERE title = 'Tips uit de zaal'"
    )
    # A login of its own: logging out must not end the session other tests share.
    board = open_page()
    log_in(board, "gemeente@example.org")
    board.goto(f"/boards/{board_id}")
    _wait_until_live(board)
    other_tab = board.context.new_page()
    other_tab.goto("/home")
    other_tab.get_by_role("button", name="Uitloggen").click()
    expect(board.locator("[data-role=status]")).to_have_text(
        "Je bent niet meer ingelogd. Laad de pagina opnieuw om weer in te loggen."
    )
    look_at(board, "live board after logging out in another tab")
