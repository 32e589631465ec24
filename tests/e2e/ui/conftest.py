"""Browser fixtures: Debian's Chromium driven by Playwright, and the real server (API + UI)
in a subprocess on each backend, sending through the local stand-in providers.

Without /usr/bin/chromium (or Playwright) the browser tests skip with the reason, except under
``CI=true``, where they fail like any missing service."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from omniweave.bootstrap import Container
from omniweave.channels.peers.runner import RunningPeers, start_peers
from omniweave.cli.peers import peer_settings, vapid_key
from omniweave.web.users import add_user
from tests.conftest import Tenant, service_absent
from tests.e2e.servers import Server, free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        service_absent(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_absent("Playwright is not installed (uv sync --group dev)")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@dataclass
class Ui:
    url: str
    server: Server
    peers: RunningPeers
    tenant: Tenant
    container: Container


@pytest.fixture
def ui(container: Container, tenant: Tenant, database_url: str, tmp_path: Path) -> Iterator[Ui]:
    """The server with the UI, its providers the peers, and three users (one per role)."""
    now = container.clock()
    with container.engine.begin() as conn:
        for role in ("admin", "marketer", "analyst"):
            add_user(conn, tenant.workspace_id, f"{role}@example.com", role, PASSWORD, now)
    with start_peers(tmp_path / "peers", report_delay=0.05) as peers:
        port = free_port()
        env = {
            **peer_settings(peers, vapid_key(tmp_path / "peers")),
            "OMNIWEAVE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "OMNIWEAVE_IDENTITY_SETTLE_SECONDS": "0",
            "OMNIWEAVE_RESOLVER_INTERVAL_SECONDS": "0.1",
        }
        server = Server(
            database_url, tmp_path / "server.log", port, app="omniweave.server:from_env", env=env
        )
        try:
            yield Ui(server.start().url, server, peers, tenant, container)
        finally:
            server.stop()
    assert server.errors() == [], server.log()


class Watch:
    """What went wrong in a page: console errors, uncaught exceptions, failed requests and
    answers of 400 and above."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request) -> None:
        # Leaving a page cancels its charts' fetches: that is the browser, not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.method} {request.url} {request.failure}")

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status}: {response.request.method} {response.url}")

    def take(self) -> list[str]:
        found, self.problems = self.problems, []
        return found


def login(browser, url: str, email: str) -> tuple[object, Watch]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(f"{url}/ui/")
    assert "/ui/login" in page.url  # not signed in: sent to the form
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/ui/")
    page.wait_for_load_state("networkidle")
    return page, watch
