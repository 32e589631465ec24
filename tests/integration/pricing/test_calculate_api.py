"""``POST /api/pricing/calculate`` through the real app on both backends: prices from the
catalog, promotions with reasons, a site promo priced the same at the till, bad input named."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.pricing.catalog import seed


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


SITE_PROMO = {
    "name": "Winter shoes",
    "when": {"channels": ["site", "app", "pos"]},
    "target": {"categories": ["shoes"]},
    "effect": {"type": "percent", "percent": 15},
}
THREE_FOR_TWO = {"target": {"skus": ["sock"]}, "effect": {"type": "n_for_m", "buy": 3, "pay": 2}}
CART = [
    {"sku": "boot", "quantity": 1},
    {"sku": "sock", "quantity": 3},
    {"sku": "bag", "quantity": 1},
]


def test_a_site_promo_gives_the_same_total_at_the_till(client, tenant, container):
    seed(container.engine, tenant.workspace_id)
    admin = auth(tenant.admin_key)
    assert client.put("/api/promotions/winter", json=SITE_PROMO, headers=admin).status_code == 200
    assert client.put("/api/promotions/socks", json=THREE_FOR_TWO, headers=admin).status_code == 200
    site = client.post(
        "/api/pricing/calculate",
        json={"lines": CART, "channel": "site"},
        headers=auth(tenant.write_key),
    )
    # The till lists the lines in another order and adds its store.
    till = client.post(
        "/api/pricing/calculate",
        json={"lines": CART[::-1], "channel": "pos", "store": "pos-001"},
        headers=auth(tenant.pos_key),
    )
    assert site.status_code == till.status_code == 200, till.text
    s, t = site.json(), till.json()
    # Same priority: by key, so "socks" first (one sock of 300 free), then 15% off the shoes
    # left: boot 3000 - 450, socks 600 - 90; the bag 1500 is not a shoe.
    assert Decimal(s["total"]) == Decimal(t["total"]) == Decimal("4560.00")
    assert s["listTotal"] == "5400.00" and s["errors"] == []
    by_sku = {ln["sku"]: ln for ln in t["lines"]}
    assert by_sku["sock"]["promotions"] == [
        {"key": "socks", "discount": "300.00"},
        {"key": "winter", "discount": "90.00"},
    ]
    assert by_sku["boot"]["line"] == 2, "each line says which request line it is"
    reasons = {p["key"]: p for p in t["promotions"]}
    assert reasons["winter"]["applied"] and "15% off" in reasons["winter"]["reason"]


def test_a_promotion_changed_by_api_takes_effect_at_the_next_call(client, tenant, container):
    seed(container.engine, tenant.workspace_id)
    admin, till = auth(tenant.admin_key), auth(tenant.pos_key)
    body = {"lines": [{"sku": "belt", "quantity": 1}], "channel": "pos", "store": "pos-001"}
    assert (
        client.post("/api/pricing/calculate", json=body, headers=till).json()["total"] == "700.00"
    )
    promo = {"effect": {"type": "fixed", "amount": 100, "per": "line"}}
    put = client.put("/api/promotions/belt-off", json=promo, headers=admin).json()
    assert (put["version"], put["changed"]) == (1, True)
    again = client.put("/api/promotions/belt-off", json=promo, headers=admin).json()
    assert (again["version"], again["changed"]) == (1, False)
    assert (
        client.post("/api/pricing/calculate", json=body, headers=till).json()["total"] == "600.00"
    )
    promo["effect"]["amount"] = 200
    assert client.put("/api/promotions/belt-off", json=promo, headers=admin).json()["version"] == 2
    assert (
        client.post("/api/pricing/calculate", json=body, headers=till).json()["total"] == "500.00"
    )
    found = client.get("/api/promotions/belt-off", headers=auth(tenant.read_key)).json()
    assert [v["version"] for v in found["versions"]] == [1, 2] and found["current"] == 2
    assert client.delete("/api/promotions/belt-off", headers=admin).json()["changed"] is True
    assert client.delete("/api/promotions/belt-off", headers=admin).json()["changed"] is False
    assert (
        client.post("/api/pricing/calculate", json=body, headers=till).json()["total"] == "700.00"
    )
    assert client.get("/api/promotions", headers=auth(tenant.read_key)).json() == {"promotions": []}


def test_a_wrong_promotion_names_the_field(client, tenant):
    admin = auth(tenant.admin_key)
    bad = {"effect": {"type": "percent", "percent": 150}}
    answer = client.put("/api/promotions/bad", json=bad, headers=admin)
    assert answer.status_code == 400
    assert any(e["field"].startswith("effect") for e in answer.json()["errors"])
    clash = client.put("/api/promotions/a", json={"key": "b", **bad}, headers=admin)
    assert clash.status_code == 400 and clash.json()["errors"][0]["field"] == "key"
    assert client.get("/api/promotions/nothing", headers=admin).status_code == 404
    assert (
        client.put("/api/promotions/x", json={}, headers=auth(tenant.read_key)).status_code == 403
    )


def test_unknown_products_are_named_and_the_rest_is_priced(client, tenant, container):
    seed(container.engine, tenant.workspace_id)
    till = auth(tenant.pos_key)
    body = {
        "lines": [{"sku": "boot", "quantity": 1}, {"sku": "ghost", "quantity": 2}],
        "channel": "pos",
        "store": "pos-001",
    }
    answer = client.post("/api/pricing/calculate", json=body, headers=till)
    assert answer.status_code == 200
    found = answer.json()
    assert found["total"] == "3000.00" and [ln["line"] for ln in found["lines"]] == [0]
    assert found["errors"] == [{"field": "lines[1].sku", "message": "ghost: unknown product"}]
    only_ghost = {**body, "lines": [{"sku": "ghost", "quantity": 1}]}
    nothing = client.post("/api/pricing/calculate", json=only_ghost, headers=till)
    assert nothing.status_code == 400 and nothing.json()["errors"][0]["field"] == "lines[0].sku"


def test_malformed_lines_are_400_naming_the_line(client, tenant, container):
    seed(container.engine, tenant.workspace_id)
    till = auth(tenant.pos_key)
    negative = {"lines": [{"sku": "boot", "quantity": -1}], "channel": "pos", "store": "pos-001"}
    answer = client.post("/api/pricing/calculate", json=negative, headers=till)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "body.lines[0].quantity"
    priced = {"lines": [{"sku": "boot", "quantity": 1, "price": 1}], "channel": "site"}
    answer = client.post("/api/pricing/calculate", json=priced, headers=till)
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "lines[0].price"
    no_store = {"lines": [{"sku": "boot", "quantity": 1}], "channel": "pos"}
    assert client.post("/api/pricing/calculate", json=no_store, headers=till).status_code == 400
    assert client.post("/api/pricing/calculate", json=no_store).status_code == 401


def test_a_line_in_another_currency_is_named(client, tenant, container):
    seed(container.engine, tenant.workspace_id)
    body = {
        "lines": [{"sku": "boot", "quantity": 1}, {"sku": "euro", "quantity": 1}],
        "channel": "marketplace",
        "currency": "RUB",
    }
    found = client.post("/api/pricing/calculate", json=body, headers=auth(tenant.write_key)).json()
    assert found["total"] == "3000.00"
    assert found["errors"] == [
        {"field": "lines[1].sku", "message": "euro is priced in EUR, the cart is in RUB"}
    ]
    del body["currency"]
    answer = client.post("/api/pricing/calculate", json=body, headers=auth(tenant.write_key))
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "currency"
