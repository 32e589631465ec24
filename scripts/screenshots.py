"""Capture the web UI's main pages into docs/screenshots/*.png with Debian's Chromium.

Run against a server with the demo loaded (``omniweave demo`` prints the logins and keeps them
in ``demo-logins.json`` next to the demo keys):

    omniweave demo && omniweave serve --peers &
    python scripts/screenshots.py --url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--logins", default=".omniweave/demo-logins.json")
    parser.add_argument("--email", default="marketer@pizzalenina.demo")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument(
        "--profile",
        help="A profile id for the customer page (default: one "
        "who received a message, else the first segment member)",
    )
    args = parser.parse_args()
    password = json.loads(Path(args.logins).read_text())[args.email]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, device_scale_factor=1)
        page.goto(f"{args.url}/ui/login")
        page.fill("input[name=email]", args.email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{args.url}/ui/")
        profile = args.profile or _a_profile(page, args.url)
        journey = _first_link(page, args.url, "/ui/journeys", "/ui/journeys/")
        campaign = _first_link(page, args.url, "/ui/campaigns", "/ui/campaigns/")
        shots = {
            "dashboard": "/ui/",
            "customer-360": f"/ui/customers/{profile}",
            "segment-builder": "/ui/segments/edit?name=lapsed",
            "journeys": "/ui/journeys",
            "journey-graph": journey,
            "campaign": campaign,
            "template-editor": "/ui/templates/edit?name=win-back",
            "sources": "/ui/sources",
            "promotions": "/ui/promotions",
            "price-a-cart": "/ui/pricing",
            "coupons": _first_link(page, args.url, "/ui/coupons", "/ui/coupons?pool="),
            "loyalty": "/ui/loyalty",
            "attribution": "/ui/reports?model=markov&days=365",
            "campaign-report": campaign
            and campaign.replace("/ui/campaigns/", "/ui/reports/campaigns/"),
        }
        for name, path in shots.items():
            if not path:
                continue
            page.goto(f"{args.url}{path}")
            page.wait_for_load_state("networkidle")
            if name in ("template-editor", "campaign"):  # show a preview on a real person
                page.fill("input[name=who]", profile)
                page.click("form[hx-post='/ui/preview'] button:has-text('Preview')")
                page.wait_for_selector("#preview .decision")
            if name == "price-a-cart":  # a cart at a till, with every promotion's verdict
                _price_a_cart(page)
            page.wait_for_timeout(600)  # charts animate in
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=False)
            print(f"{target}  {target.stat().st_size // 1024} KB")
        browser.close()


def _price_a_cart(page) -> None:
    page.select_option("#pricing-store", index=1)
    lines = [("margherita-30", "1"), ("pepperoni-35", "1"), ("cola-05", "3")]
    for row, (sku, quantity) in enumerate(lines, start=1):
        page.fill(f"#lines .line-row:nth-child({row}) input[name=sku]", sku)
        page.fill(f"#lines .line-row:nth-child({row}) input[name=quantity]", quantity)
    page.click("#price-cart")
    page.wait_for_selector("#priced-total")


def _first_link(page, url: str, listing: str, prefix: str) -> str | None:
    page.goto(f"{url}{listing}")
    links = page.locator(f"main a[href^='{prefix}']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    links = [link for link in links if link.rstrip("/") != prefix.rstrip("/") and "new" not in link]
    return links[0] if links else None


def _a_profile(page, url: str) -> str:
    page.goto(f"{url}/ui/segments/edit?name=lapsed")
    page.wait_for_selector("#segment-size a")
    return page.locator("#segment-size a").first.inner_text()


if __name__ == "__main__":
    main()
