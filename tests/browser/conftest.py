"""Real-browser tests: the real server (`python wsgi.py`, as `make run` starts it) on
a free loopback port with a fresh database holding the demo programme, driven by
Debian's Chromium through Playwright.

Without /usr/bin/chromium these tests are skipped with a message saying how to get
it; with CIRCLE_REQUIRE_SERVICES=1 or CIRCLE_REQUIRE_BROWSER=1 (CI) they fail
instead. On the PostgreSQL run (TEST_DATABASE_URL set) the server gets its own fresh
PostgreSQL database next to the suite's, and Redis as its Socket.IO message queue,
like a production server.
"""

import json
import os
import re
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bench.servers import Server
from circle.demo import DEMO_PASSWORD
from config import normalise_database_url
from tests.conftest import CHROMIUM, REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parent.parent.parent
ARTEFACTS = ROOT / "test-artifacts"
AXE_SOURCE = (Path(__file__).parent / "vendor/axe-core-4.14.1/axe.min.js").read_text()
# Headless, and nothing that talks to the internet or waits for a person.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
]
PHONE = {"width": 360, "height": 740}
#: WCAG 1.4.10 (reflow): usable at 320 CSS px without scrolling sideways.
NARROWEST = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
#: The WCAG 2.1 A/AA rules and axe's best practices; serious or critical ones fail.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}


#: CI sets one of these: then a missing browser fails the run instead of skipping.
REQUIRE_BROWSER = REQUIRE_SERVICES or os.environ.get("CIRCLE_REQUIRE_BROWSER") == "1"
MISSING_CHROMIUM = (
    f"Browser tests need Chromium at {CHROMIUM}: "
    "install it with `apt-get install -y chromium` (as root)"
)


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or REQUIRE_BROWSER:
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=MISSING_CHROMIUM))


def _postgres_database(url: str, *, create: bool) -> str:
    """(Re)create, or drop, a database of its own next to the suite's; its URL."""
    suite = sa.make_url(normalise_database_url(url))
    name = f"{suite.database}_browser"
    admin = sa.create_engine(
        suite.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return suite.set(database=name).render_as_string(hide_password=False)


class LiveServer:
    """The running server, its database, and what the tests need to find in it."""

    def __init__(self, server: Server, database_url: str):
        self.server = server
        self.url = server.url
        self.engine = sa.create_engine(normalise_database_url(database_url))

    def scalar(self, sql: str, **parameters):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), parameters).scalar_one()

    def mail_link(self, to: str, path: str, timeout: float = 20) -> str:
        """The newest link to `path` in a mail to `to`, from the server's mail log
        (development servers write every mail there); waits for it to arrive."""
        pattern = re.compile(
            r"^To: [^\n]*" + re.escape(to) + r"[^\n]*$(.*?)(?=^To: |\Z)", re.M | re.S
        )
        link = re.compile(re.escape(self.url + path) + r"\S*")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.server.log_path.read_text(errors="replace")
            found = [m for mail in pattern.findall(log) for m in link.findall(mail)]
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no mail to {to} with a link to {path}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    ARTEFACTS.mkdir(exist_ok=True)
    suite_database = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if suite_database:
        database_url = _postgres_database(suite_database, create=True)
    else:
        database_url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'circle.db'}"
    log = ARTEFACTS / "browser-server.log"
    log.unlink(missing_ok=True)
    server = Server(
        database_url,
        redis_url=redis_url,
        log_path=log,
        # Many logins from one address in a few seconds are the tests, not an attack.
        RATELIMIT_ENABLED="0",
    )
    # What `make run` does: migrate, load the demo programme, serve.
    server.flask("db", "upgrade")
    server.flask("circle", "seed-demo", "--if-empty")
    server.start()
    health = requests.get(server.url + "/healthz", timeout=5).json()
    assert health["message_queue"] == ("ok" if redis_url else "not configured")
    live = LiveServer(server, database_url)
    yield live
    server.stop()
    live.engine.dispose()
    if suite_database:
        _postgres_database(suite_database, create=False)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{MISSING_CHROMIUM}; this run requires it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class PageProblems:
    """What a page does wrong on its own: script errors, blocked resources, 5xx."""

    def __init__(self, page):
        self.found = []
        page.on("pageerror", lambda error: self.found.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.found.append(f"blocked by the CSP: {message.text}")

    def _response(self, response):
        if response.status >= 500:
            self.found.append(f"{response.status} from {response.url}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Lets `open_page` photograph the pages of a failed test.
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def _sessions():
    """Cookies of the demo people once logged in, so each test need not log in."""
    return {}


@pytest.fixture
def open_page(request, browser, live_server, _sessions):
    """Open a page in a new browser context, logged in as `email` when given."""
    contexts, watchers, pages = [], [], []
    sessions = _sessions

    def open_page(email=None, *, viewport=DESKTOP, locale="nl-NL"):
        storage = sessions.get(email)
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            locale=locale,
            timezone_id="Europe/Amsterdam",
            storage_state=storage,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        watchers.append(PageProblems(page))
        if email and storage is None:
            log_in(page, email)
            sessions[email] = context.storage_state()
        elif email:
            page.goto("/home")
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = ARTEFACTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(pages):
            page.screenshot(path=folder / f"{request.node.name}-{number}.png")
    for context in contexts:
        context.close()
    problems = [problem for watcher in watchers for problem in watcher.found]
    assert not problems, "\n".join(problems)


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    # By field name, not label: the page may be in either language.
    form = page.locator("main form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("[type=submit]").click()
    page.wait_for_url("**/home")


def _describe(violation) -> str:
    nodes = "\n".join(
        f"    {' '.join(node['target'])}: {node['failureSummary']}"
        for node in violation["nodes"][:5]
    )
    return f"  {violation['impact']} {violation['id']}: {violation['help']}\n{nodes}"


def check_accessibility(page, name: str) -> list[dict]:
    """Run axe-core on the page as it is now; fail on serious or critical findings.

    Every finding (all impacts) is written to test-artifacts/axe/<name>.json.
    axe is evaluated through the DevTools protocol, which the page's CSP does not
    block, so the page is tested with its real policy.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
            .then(result => result.violations)""",
        AXE_TAGS,
    )
    folder = ARTEFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{_slug(name)}.json").write_text(json.dumps(violations, indent=2))
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe on {name} ({page.url}):\n" + "\n".join(
        _describe(v) for v in failing
    )
    return violations


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def look_at(page, name: str) -> None:
    """Check the page with axe and photograph it, at phone and at desktop width.

    At 360 px (and at the 320 px of WCAG's reflow rule) nothing may stick out to
    the right: only tables and code blocks may scroll, inside their own box. At
    desktop width the first stops of the Tab key must show where the focus is.
    """
    folder = ARTEFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    page.set_viewport_size(NARROWEST)
    _assert_fits(page, name, NARROWEST["width"])
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        check_accessibility(page, f"{name}-{size['width']}")
        page.screenshot(
            path=folder / f"{_slug(name)}-{size['width']}.png", full_page=True
        )
        if size is PHONE:
            _assert_fits(page, name, size["width"])
    _assert_focus_visible(page, name)
    page.set_viewport_size(original)


def _assert_fits(page, name: str, width: int) -> None:
    overflow = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                      && !e.closest(".table-scroll, pre"))
            .map(e => `${e.tagName} "${e.textContent.trim().slice(0, 40)}"`)
            .slice(0, 5)"""
    )
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width and not overflow, (
        f"{name} is wider than {width} px ({scroll_width}): {overflow}"
    )


def _assert_focus_visible(page, name: str, stops: int = 12) -> None:
    """WCAG 2.4.7, which axe cannot see: every focused element is marked."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    unmarked = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        described = page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e || e === document.body) return null;
                const style = getComputedStyle(e);
                const outlined = style.outlineStyle !== "none"
                    && parseFloat(style.outlineWidth) >= 2;
                return outlined || style.boxShadow !== "none"
                    ? "" : e.outerHTML.slice(0, 120);
            }"""
        )
        if described:
            unmarked.append(described)
    assert not unmarked, f"{name}: focus not visible on {unmarked}"


def main_menu(page):
    """The main navigation, after opening the phone menu when the page has one."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.get_by_role("navigation", name="Hoofdmenu")


def tab_to(page, selector: str, limit: int = 80):
    """Press Tab until the focused element matches `selector`, as a keyboard user."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return page.locator(":focus")
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")
