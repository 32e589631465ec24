"""Promotions and loyalty in the UI over the real app and store (both backends): promotions as
YAML with errors in place, versions and delete; the price of a cart from the same calculation
the till asks; coupon pools and codes; the loyalty programme; customer 360's points, cart and
orders; an analyst reads but cannot save a promotion or issue coupons."""

from __future__ import annotations

import re

from sqlalchemy import select

from omniweave.pricing.requests import CalculateRequest
from omniweave.store.pricing_tables import coupons
from tests.integration.pricing.catalog import seed
from tests.integration.pricing.test_loyalty_orders import order, settle
from tests.integration.web.test_ui import csrf, sign_in, ui  # noqa: F401  (ui: a fixture)

WINTER = """key: winter
name: Winter shoes
priority: 5
when: {channels: [site, pos], starts: 2020-01-01T00:00:00, ends: 2099-01-01T00:00:00}
target: {categories: [shoes]}
effect: {type: percent, percent: 15}
"""


def hx(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token, "HX-Request": "true"}


def test_a_marketer_writes_a_promotion_with_errors_in_place_then_versions_and_deletes_it(
    ui,  # noqa: F811
    container,
    tenant,
):
    ws = tenant.workspace_id
    sign_in(ui, "marketer@example.com")
    token = csrf(ui)
    wrong = ui.post(
        "/ui/promotions",
        data={"definition": "key: bad\neffect: {type: percent, percent: 0}\n"},
        headers=hx(token),
    )
    assert wrong.status_code == 200 and "effect.percent" in wrong.text
    broken = ui.post("/ui/promotions", data={"definition": "key: [x"}, headers=hx(token))
    assert "line 1" in broken.text
    assert container.promotions.list(ws) == []

    saved = ui.post("/ui/promotions", data={"definition": WINTER}, headers=hx(token))
    assert (
        saved.status_code == 200
        and saved.headers["HX-Redirect"] == "/ui/promotions/edit?key=winter"
    )
    again = ui.post("/ui/promotions", data={"definition": WINTER}, headers=hx(token))
    assert again.headers["HX-Redirect"].endswith("key=winter")
    assert container.promotions.get(ws, "winter")["current"] == 1  # the same: no new version
    ui.post("/ui/promotions", data={"definition": WINTER.replace("15}", "20}")}, headers=hx(token))
    assert container.promotions.get(ws, "winter")["current"] == 2

    listing = ui.get("/ui/promotions").text
    row = re.search(r'<tr data-promotion="winter">.*?</tr>', listing, re.S).group(0)
    assert "running" in row and "20% off" in row and "v2" in row and "2020-01-01 00:00" in row
    page = ui.get("/ui/promotions/edit", params={"key": "winter"}).text
    assert "v1" in page and "v2" in page and 'id="delete-promotion"' in page

    deleted = ui.post("/ui/promotions/winter/delete", headers=hx(token))
    assert deleted.headers["HX-Redirect"] == "/ui/promotions"
    assert container.promotions.list(ws) == []
    assert "deleted" in ui.get("/ui/promotions/edit", params={"key": "winter"}).text
    assert ui.get("/ui/promotions/edit", params={"key": "nope"}).status_code == 404


def test_the_price_tool_gives_the_till_s_answer_with_every_verdict(ui, container, tenant):  # noqa: F811
    ws = tenant.workspace_id
    seed(container.engine, ws)
    container.promotions.put(ws, None, {"key": "winter", **_yaml(WINTER)})
    container.promotions.put(
        ws,
        None,
        {
            "key": "app-only",
            "when": {"channels": ["app"]},
            "effect": {"type": "percent", "percent": 50},
        },
    )
    sign_in(ui, "analyst@example.com")  # asking a price writes nothing: an analyst may
    page = ui.get("/ui/pricing").text
    assert 'value="pos-001"' in page and '<option value="boot">' in page
    form = {
        "channel": "pos",
        "store": "pos-001",
        "sku": ["boot", "nothing-such", "sock"],
        "quantity": ["1", "1", "2"],
        "kind": "email",
        "who": "",
    }
    answer = ui.post("/ui/pricing", data=form, headers=hx(csrf(ui)))
    assert answer.status_code == 200, answer.text
    api = container.pricing.calculate(
        ws,
        CalculateRequest(
            lines=[
                {"sku": "boot", "quantity": 1},
                {"sku": "nothing-such", "quantity": 1},
                {"sku": "sock", "quantity": 2},
            ],
            channel="pos",
            store="pos-001",
        ),
    )
    total = re.search(r'id="priced-total">([^<]+)<', answer.text).group(1)
    assert total == str(api["total"]) == "3060.00"  # 15% off the boot and the two socks
    assert "lines[1].sku" in answer.text  # the unknown line named, the rest priced
    winter = re.search(r'<tr data-verdict="winter">.*?</tr>', answer.text, re.S).group(0)
    app_only = re.search(r'<tr data-verdict="app-only">.*?</tr>', answer.text, re.S).group(0)
    assert "applied" in winter and "not applied" not in winter
    assert "not applied" in app_only and "app" in app_only
    # A till without its store: named like the API names it.
    bad = ui.post("/ui/pricing", data={**form, "store": ""}, headers=hx(csrf(ui)))
    assert "store" in bad.text and "names its store" in bad.text
    none = ui.post("/ui/pricing", data={"channel": "site"}, headers=hx(csrf(ui)))
    assert "lines" in none.text and 'class="flash error"' in none.text


def _yaml(text: str) -> dict:
    import yaml

    return yaml.safe_load(text)


def test_coupon_pools_codes_and_an_issued_code_for_a_person(ui, container, tenant):  # noqa: F811
    ws = tenant.workspace_id
    container.ingest.batch(
        ws,
        tenant.site_id,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": "u1",
                    "messageId": "m1",
                    "traits": {"email": "anna@example.com"},
                }
            ]
        },
    )
    while container.catch_up():
        pass
    sign_in(ui, "marketer@example.com")
    token = csrf(ui)
    wrong = ui.post("/ui/coupons", data={"key": "welcome", "max_uses": "0"}, headers=hx(token))
    assert "max_uses" in wrong.text
    saved = ui.post(
        "/ui/coupons",
        data={"key": "welcome", "max_uses": "1", "personal": "true"},
        headers=hx(token),
    )
    assert saved.headers["HX-Redirect"] == "/ui/coupons?pool=welcome"
    for _ in range(2):  # the same batch twice: the same ten codes
        made = ui.post(
            "/ui/coupons/welcome/codes", data={"batch": "b1", "count": "10"}, headers=hx(token)
        )
        assert made.headers["HX-Redirect"] == "/ui/coupons?pool=welcome"
    page = ui.get("/ui/coupons", params={"pool": "welcome"}).text
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    issue = {"who": "ANNA@example.com", "nonce": nonce}
    first = ui.post("/ui/coupons/welcome/issue", data=issue, headers=hx(token))
    second = ui.post("/ui/coupons/welcome/issue", data=issue, headers=hx(token))
    code = re.search(r'id="issued-code">([^<]+)<', first.text).group(1)
    assert code == re.search(r'id="issued-code">([^<]+)<', second.text).group(1)
    with container.engine.connect() as conn:
        rows = conn.execute(select(coupons.c.code, coupons.c.issued_to)).all()
    assert len(rows) == 11 and sum(1 for r in rows if r.issued_to) == 1
    row = re.search(r'<tr data-pool="welcome".*?</tr>', ui.get("/ui/coupons").text, re.S).group(0)
    assert ">11<" in row and ">1<" in row
    nobody = ui.post(
        "/ui/coupons/welcome/issue",
        data={"who": "x@example.com", "nonce": nonce + "x"},
        headers=hx(token),
    )
    assert "no profile holds" in nobody.text
    missing = ui.post(
        "/ui/coupons/nope/codes", data={"batch": "b", "count": "1"}, headers=hx(token)
    )
    assert "no coupon pool" in missing.text


def test_an_analyst_cannot_save_a_promotion_or_issue_coupons(ui, container, tenant):  # noqa: F811
    ws = tenant.workspace_id
    container.promotions.put(ws, None, _yaml(WINTER))
    sign_in(ui, "analyst@example.com")
    headers = hx(csrf(ui))
    page = ui.get("/ui/promotions/edit", params={"key": "winter"}).text
    assert "Winter shoes" in page
    assert 'id="save-promotion"' not in page and 'id="delete-promotion"' not in page
    assert 'id="new-promotion"' not in ui.get("/ui/promotions").text
    refusals = [
        ui.post(
            "/ui/promotions", data={"definition": WINTER.replace("15}", "90}")}, headers=headers
        ),
        ui.post("/ui/promotions/winter/delete", headers=headers),
        ui.post("/ui/coupons", data={"key": "p"}, headers=headers),
        ui.post("/ui/coupons/p/codes", data={"batch": "b", "count": "1"}, headers=headers),
        ui.post("/ui/coupons/p/issue", data={"who": "x", "nonce": "12345678"}, headers=headers),
    ]
    for answer in refusals:
        assert answer.status_code == 403, answer.text
        assert "analyst can read everything but cannot change" in answer.text
    assert container.promotions.get(ws, "winter")["current"] == 1
    assert container.promotions.list(ws)[0]["definition"]["effect"]["percent"] == "15"
    coupon_page = ui.get("/ui/coupons").text
    assert 'id="pool-form"' not in coupon_page and 'id="issue-code"' not in coupon_page


def test_the_programme_and_a_person_s_points_cart_and_orders(ui, container, tenant):  # noqa: F811
    ws = tenant.workspace_id
    seed(container.engine, ws)
    till = {"Authorization": f"Bearer {tenant.pos_key}"}
    assert ui.post("/api/orders", json=order("o-1"), headers=till).status_code == 200
    assert ui.post("/api/orders", json=order("o-1", "delivered"), headers=till).status_code == 200
    container.ingest.batch(
        ws,
        tenant.site_id,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": "u7",
                    "messageId": "i1",
                    "traits": {"email": "anna@example.ru"},
                },
                {
                    "type": "track",
                    "event": "Product Added",
                    "userId": "u7",
                    "messageId": "c1",
                    "properties": {"sku": "sock", "name": "Warm sock", "quantity": 2, "price": 300},
                },
            ]
        },
    )
    settle(container)
    while container.catch_up():
        pass
    profile = container.identity.lookup(ws, "card", "CARD-7")["id"]
    sign_in(ui, "analyst@example.com")
    person = ui.get(f"/ui/customers/{profile}").text
    assert re.search(r'id="loyalty-balance">100<', person)
    assert "5.0% of 2000" in person  # the earning's reason
    orders = re.search(r'<section class="card" id="orders">.*?</section>', person, re.S).group(0)
    assert "o-1" in orders and "delivered" in orders and "paid" in orders
    cart = re.search(r'<section class="card" id="cart">.*?</section>', person, re.S).group(0)
    assert "Warm sock" in cart and "open" in cart

    programme = ui.get("/ui/loyalty").text
    assert "Loyalty programme" in programme and "365 days of spend" in programme
    assert f"/ui/customers/{profile}" in programme and ">100<" in programme
