"""A live server on a SQLite file with the demo ward, and Debian's Chromium driven by Playwright.

The server runs in this process, so the tests can move the app's clock (the 10-day public notice).
Chromium must be installed (`make test` installs it); a missing browser is an error, never a skip.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from workflow import clock, create_app
from workflow.extensions import db

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


# The browser tests meet the demo ward as it stands on 25/11/2026 at 10:00 in Vietnam (notices running, one
# group still to meet), whatever the day they run; time then flows from there.
START = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@dataclass
class MovableClock:
    offset: timedelta = timedelta()
    began: datetime = field(default_factory=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return START + (datetime.now(UTC) - self.began) + self.offset


@pytest.fixture(scope="session")
def e2e_clock():
    moved = MovableClock()
    original = clock.now
    clock.now = moved.now
    yield moved
    clock.now = original


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, e2e_clock):
    folder = tmp_path_factory.mktemp("e2e")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/e2e.sqlite"
        UPLOAD_FOLDER = str(folder / "uploads")

    app = create_app(Config)
    with app.app_context():
        from flask_migrate import upgrade

        from workflow.services.demo import load_demo

        upgrade()
        load_demo(app.config["CRITERIA_DIR"])
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update", "--lang=vi"])
        yield chromium
        chromium.close()


class Session:
    """One person at their own browser: sign in, click, take screenshots."""

    def __init__(self, browser, base: str, username: str, width: int = 1280):
        self.base, self.username = base, username
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN",
                                           timezone_id="Asia/Ho_Chi_Minh")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", "demo12345")
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(f"{base}/")

    def open(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def person(browser, live_server):
    opened: list[Session] = []

    def sign_in(username: str, width: int = 1280) -> Session:
        session = Session(browser, live_server, username, width)
        opened.append(session)
        return session

    yield sign_in
    for session in opened:
        session.close()


@pytest.fixture
def visitor(browser, live_server):
    """A signed-out visitor's page at a width (`visitor(360)`), starting at the public notice boards."""
    opened = []

    def open_page(width: int):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN",
                                      timezone_id="Asia/Ho_Chi_Minh")
        opened.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/public/notices")
        return page

    yield open_page
    for context in opened:
        context.close()


def choose_campaign(page, label: str, button: str) -> None:
    """Pick a campaign in a public page's chooser: the newest comes first, and other browser tests may have opened
    next year's."""
    from playwright.sync_api import expect

    page.get_by_label("Đợt thi đua", exact=True).select_option(label=label)
    page.get_by_role("button", name=button).click()
    expect(page.locator("hgroup p")).to_contain_text(label)
