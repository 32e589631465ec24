"""The marketer's window in a real browser (Debian's Chromium, headless) against the real server
on each backend: sign in, build a segment with its live size, write a template and a journey in
YAML, trigger the journey through the tracking API and find the email in the local mailbox;
every page loads without a console error; an analyst sees no send button and is refused."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.ui.conftest import Ui, login
from tests.integration.pricing.catalog import seed

pytestmark = pytest.mark.e2e

EMAIL = "nadia@example.com"

TEMPLATE = """name: ui-thanks
topic: marketing
channels:
  email:
    subject: "Thank you, {{ profile | first_name_or('friend') }}"
    html: |
      <p>Your table is booked.</p>
      <p><a href="{{ message.unsubscribe_url }}">Unsubscribe</a></p>
"""

JOURNEY = """name: ui-booking
description: Thanks for a booking, by email.
trigger:
  event: {name: Table Booked}
steps:
  - id: thanks
    send: {template: ui-thanks}
"""


def track(ui: Ui, body: dict) -> None:
    answer = httpx.post(
        f"{ui.url}/v1/{body['type']}", json=body, auth=(ui.tenant.write_key, ""), timeout=10
    )
    assert answer.status_code == 200, answer.text


def wait_until(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_a_marketer_builds_a_journey_and_the_email_arrives(browser, ui: Ui):
    track(
        ui,
        {
            "type": "identify",
            "userId": "u-nadia",
            "messageId": "ui-identify-nadia",
            "traits": {"email": EMAIL, "firstName": "Nadia", "city": "Kazan", "emailOptIn": True},
        },
    )
    page, watch = login(browser, ui.url, "marketer@example.com")

    # A segment, its size live as the definition is typed.
    page.goto(f"{ui.url}/ui/segments")
    page.click("#new-segment")
    page.fill("input[name=name]", "kazan")
    page.fill("textarea[name=definition]", "")
    page.select_option("select[name=b_kind]", "trait")  # the form builder writes the YAML
    page.fill("input[name=b_name]", "city")
    page.fill("input[name=b_value]", "Kazan")
    page.click("[data-add-condition]")
    page.wait_for_function("document.querySelector('#size-value')?.textContent === '1'")
    page.select_option("select[name=b_kind]", "identifier")
    page.fill("input[name=b_name]", "email")
    page.click("[data-add-condition]")
    assert page.input_value("textarea[name=definition]") == (
        'all:\n  - trait: {name: "city", op: eq, value: "Kazan"}\n  - identifier: {type: "email"}\n'
    )
    page.wait_for_function("document.querySelector('#size-value')?.textContent === '1'")
    page.fill("textarea[name=definition]", "trait: {name: city, op: eq, value: Omsk}")
    page.wait_for_function("document.querySelector('#size-value')?.textContent === '0'")
    page.fill("textarea[name=definition]", "trait: {name: city, op: oops, value: Kazan}")
    page.wait_for_selector("#segment-size .flash.error")  # the wrong node, named
    assert "op" in page.inner_text("#segment-size")
    page.fill("textarea[name=definition]", "trait: {name: city, op: eq, value: Kazan}")
    page.wait_for_function("document.querySelector('#size-value')?.textContent === '1'")
    page.click("#save-segment")
    page.wait_for_url(f"{ui.url}/ui/segments")
    page.wait_for_function(
        "[...document.querySelectorAll('td.num')].some(td => td.textContent.trim() === '1')"
    )

    # A template, then a journey that sends it; a wrong journey shows its errors in place.
    page.goto(f"{ui.url}/ui/templates/edit")
    page.fill("textarea[name=definition]", TEMPLATE)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{ui.url}/ui/templates/edit?name=ui-thanks")
    page.fill("input[name=who]", EMAIL)
    page.click("form[hx-post='/ui/preview'] button")
    page.wait_for_selector("#preview > *")
    assert page.locator("#preview .decision").count() == 1, page.inner_text("#preview")
    assert "email" in page.inner_text("#preview")

    page.goto(f"{ui.url}/ui/journeys/new")
    page.fill("#journey-yaml", JOURNEY.replace("ui-thanks}", "no-such-template}"))
    page.click("#save-journey")
    page.wait_for_selector("#journey-errors .flash.error")
    assert "steps[0].send.template" in page.inner_text("#journey-errors")
    page.fill("#journey-yaml", JOURNEY)
    page.click("#save-journey")
    page.wait_for_url(f"{ui.url}/ui/journeys/ui-booking")
    assert page.locator("svg.graph g[data-step=thanks]").count() == 1

    # The event through the API; the journey sends, the mailbox receives.
    track(
        ui,
        {
            "type": "track",
            "event": "Table Booked",
            "userId": "u-nadia",
            "messageId": "ui-booking-1",
            "properties": {"guests": 2},
        },
    )
    mails = wait_until(lambda: ui.peers.mailbox.messages(to=EMAIL), "the email in the mailbox")
    assert mails[0]["subject"] == "Thank you, Nadia"

    # The journey's numbers and the person's messages, with the reason, in the UI.
    def counted() -> bool:
        page.goto(f"{ui.url}/ui/journeys/ui-booking")
        return "no runs yet" not in page.text_content("svg.graph g[data-step=thanks]")

    wait_until(counted, "the journey's step numbers")
    page.goto(f"{ui.url}/ui/customers?q={EMAIL}")
    page.wait_for_selector("h1:has-text('Nadia')")
    assert "ui-thanks" in page.inner_text("main")
    assert "email" in page.inner_text("main")
    assert watch.take() == []

    # Every page, once more, for console errors and failed requests.
    pages = [
        "/ui/",
        "/ui/customers",
        page.url.replace(ui.url, ""),
        "/ui/segments",
        "/ui/segments/edit?name=kazan",
        "/ui/journeys",
        "/ui/journeys/ui-booking",
        "/ui/journeys/new",
        "/ui/campaigns",
        "/ui/templates",
        "/ui/templates/edit?name=ui-thanks",
        "/ui/channels",
        "/ui/sources",
        "/ui/identity/reviews",
        "/ui/promotions",
        "/ui/promotions/edit",
        "/ui/pricing",
        "/ui/coupons",
        "/ui/loyalty",
        "/ui/reports",
        "/ui/reports?model=shapley&by=campaign",
    ]
    for path in pages:
        page.goto(f"{ui.url}{path}")
        page.wait_for_load_state("networkidle")
        assert watch.take() == [], path
        assert page.locator("main h1").count() >= 1, path
    page.close()


def test_an_analyst_reads_but_cannot_send(browser, ui: Ui):
    c, ws = ui.container, ui.tenant.workspace_id
    c.messaging.save_template(
        ws, {"name": "promo", "topic": "marketing", "channels": {"sms": {"text": "Hi"}}}
    )
    c.segments.save(ws, "all", {"identifier": {"type": "user_id"}}, None)
    c.campaigns.save(ws, {"name": "spring", "segment": "all", "template": "promo"})

    page, watch = login(browser, ui.url, "analyst@example.com")
    page.goto(f"{ui.url}/ui/campaigns/spring")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Campaign spring"
    assert page.locator("#test-send").count() == 0
    assert page.locator("#start-campaign").count() == 0
    assert page.locator("#campaign-form").count() == 0
    page.goto(f"{ui.url}/ui/campaigns")
    assert page.locator("#campaign-form").count() == 0
    page.goto(f"{ui.url}/ui/journeys")
    assert page.locator("#new-journey").count() == 0
    page.goto(f"{ui.url}/ui/promotions/edit")
    assert page.locator("#save-promotion").count() == 0
    page.goto(f"{ui.url}/ui/coupons")
    assert page.locator("#pool-form").count() == 0
    # Reports are for reading: the model is chosen in a select, the chart drawn.
    page.goto(f"{ui.url}/ui/reports")
    page.select_option("#attribution-model", "linear")
    page.wait_for_url("**/ui/reports?model=linear*")
    page.wait_for_load_state("networkidle")
    assert page.locator("#attribution-chart > *").count() >= 1
    page.goto(f"{ui.url}/ui/reports/campaigns/spring")
    page.wait_for_load_state("networkidle")
    assert "Holdout uplift" in page.inner_text("#uplift")
    assert watch.take() == []

    # Asking anyway, with a valid session and CSRF token: 403 and why.
    answer = page.evaluate(
        """async () => {
            const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
            const r = await fetch('/ui/campaigns/spring/start', {method: 'POST',
                headers: {'X-CSRF-Token': csrf, 'HX-Request': 'true'}, body: new FormData()});
            return {status: r.status, text: await r.text()};
        }"""
    )
    assert answer["status"] == 403
    assert "analyst can read everything but cannot send" in answer["text"]
    assert c.campaigns.get(ws, "spring")["status"] == "draft"
    promotion = page.evaluate(
        """async () => {
            const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
            const body = new FormData();
            body.append('definition', 'key: x\\neffect: {type: percent, percent: 99}');
            const r = await fetch('/ui/promotions', {method: 'POST',
                headers: {'X-CSRF-Token': csrf, 'HX-Request': 'true'}, body});
            return {status: r.status, text: await r.text()};
        }"""
    )
    assert promotion["status"] == 403 and "cannot change" in promotion["text"]
    assert c.promotions.list(ws) == []

    # Without the CSRF token even a marketer's POST is refused.
    marketer, _ = login(browser, ui.url, "marketer@example.com")
    marketer.goto(f"{ui.url}/ui/campaigns/spring")
    refused = marketer.evaluate(
        """async () => {
            const r = await fetch('/ui/campaigns/spring/start', {method: 'POST',
                body: new FormData()});
            return {status: r.status, text: await r.text()};
        }"""
    )
    assert refused["status"] == 403 and "CSRF" in refused["text"]
    assert c.campaigns.get(ws, "spring")["status"] == "draft"
    page.close()
    marketer.close()


PROMOTION = """key: ui-socks
name: Three socks for two
target: {skus: [sock]}
effect: {type: n_for_m, buy: 3, pay: 2}
"""


def test_a_marketer_writes_a_promotion_and_prices_a_cart_as_the_till_would(browser, ui: Ui):
    seed(ui.container.engine, ui.tenant.workspace_id)
    page, watch = login(browser, ui.url, "marketer@example.com")
    page.click("nav a[data-nav=promotions]")
    page.wait_for_url(f"{ui.url}/ui/promotions")
    page.click("#new-promotion")
    page.fill("#promotion-yaml", PROMOTION.replace("pay: 2", "pay: 3"))
    page.click("#save-promotion")
    page.wait_for_selector("#promotion-errors .flash.error")  # named in place
    assert "pay" in page.inner_text("#promotion-errors")
    page.fill("#promotion-yaml", PROMOTION)
    page.click("#save-promotion")
    page.wait_for_url(f"{ui.url}/ui/promotions/edit?key=ui-socks")
    assert "running" in page.inner_text(".head")

    page.click("[data-tab=pricing]")
    page.wait_for_url(f"{ui.url}/ui/pricing")
    page.select_option("#pricing-channel", "site")
    page.fill("#lines .line-row:nth-child(1) input[name=sku]", "sock")
    page.fill("#lines .line-row:nth-child(1) input[name=quantity]", "3")
    page.fill("#lines .line-row:nth-child(2) input[name=sku]", "boot")
    page.click("[data-add-line]")
    assert page.locator("#lines .line-row").count() == 4
    page.fill("#lines .line-row:nth-child(4) input[name=sku]", "no-such-sku")
    page.click("#price-cart")
    page.wait_for_selector("#priced-total")
    # Three socks at 300, one free; the boot 3000; the unknown sku named, the rest priced.
    assert page.inner_text("#priced-total") == "3600.00"
    assert "applied" in page.inner_text("tr[data-verdict=ui-socks]")
    assert "lines[3].sku" in page.inner_text("#priced")
    for path in ("/ui/promotions", "/ui/coupons", "/ui/loyalty"):
        page.goto(f"{ui.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.locator("main h1").count() == 1, path
    assert watch.take() == []
    page.close()
