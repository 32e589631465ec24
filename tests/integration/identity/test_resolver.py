"""The incremental resolver on a real store (SQLite and PostgreSQL): the seed's pizzeria case."""

from __future__ import annotations

from sqlalchemy import select

from omniweave.store.tables import event_identities, identities, identity_refusals, profiles


def send(container, tenant, *messages, source="site"):
    source_id = tenant.site_id if source == "site" else tenant.pos_id
    return container.ingest.batch(tenant.workspace_id, source_id, {"batch": list(messages)})


def graph(engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        return {(r.type, r.value): r.profile_id for r in conn.execute(select(identities))}


def kolya_everywhere(container, tenant):
    """Kolya browses the site, identifies by email, installs the app, buys in a store."""
    send(
        container,
        tenant,
        {"type": "page", "anonymousId": "web-1", "name": "Menu", "messageId": "1"},
        {
            "type": "identify",
            "anonymousId": "web-1",
            "traits": {"email": " Kolya@Mail.ru"},
            "messageId": "2",
        },
        {
            "type": "identify",
            "anonymousId": "app-1",
            "messageId": "3",
            "traits": {"phone": "+7 916 123 4567"},
            "context": {"device": {"token": "fcm-1"}},
        },
    )
    container.ingest.order(
        tenant.workspace_id,
        tenant.pos_id,
        {
            "orderId": "o-1",
            "channel": "pos",
            "store": "pos-001",
            "customer": {
                "phone": "8 (916) 123-45-67",
                "loyaltyCard": "7700 123",
                "email": "kolya@mail.ru",
            },
            "lines": [{"sku": "pepperoni-30", "quantity": 1, "price": "549"}],
        },
    )


def test_site_app_and_store_become_one_profile(container, tenant, engine):
    kolya_everywhere(container, tenant)
    assert container.resolver.catch_up() == 4
    found = graph(engine)
    assert len(set(found.values())) == 1, found
    assert found[("phone", "+79161234567")] == found[("email", "kolya@mail.ru")]
    assert ("loyalty_card", "7700123") in found
    with engine.connect() as conn:
        live = conn.execute(select(profiles.c.id).where(profiles.c.merged_into.is_(None))).all()
        attributed = conn.execute(select(event_identities)).all()
    assert len(live) == 1
    assert len(attributed) == 4 and all(a.identity_id for a in attributed)


def test_catch_up_is_incremental_and_idempotent(container, tenant, engine):
    kolya_everywhere(container, tenant)
    container.resolver.catch_up()
    before = graph(engine)
    assert container.resolver.catch_up() == 0
    send(
        container,
        tenant,
        {"type": "track", "anonymousId": "web-1", "event": "Cart Viewed", "messageId": "4"},
    )
    assert container.resolver.catch_up() == 1
    assert graph(engine) == before


def test_a_shared_family_phone_does_not_merge_two_accounts(container, tenant, engine):
    send(
        container,
        tenant,
        {"type": "identify", "userId": "dad", "traits": {"phone": "89161112233"}, "messageId": "a"},
        {
            "type": "identify",
            "userId": "son",
            "traits": {"phone": "+79161112233"},
            "messageId": "b",
        },
    )
    container.resolver.catch_up()
    found = graph(engine)
    assert found[("user_id", "dad")] != found[("user_id", "son")]
    with engine.connect() as conn:
        refusal = conn.execute(select(identity_refusals)).one()
    assert refusal.identifier["type"] == "phone"
    assert "user_id" in refusal.reason and refusal.profile_id == found[("user_id", "son")]


def test_rebuild_gives_the_same_graph(container, tenant, engine):
    kolya_everywhere(container, tenant)
    send(
        container,
        tenant,
        {"type": "identify", "userId": "dad", "traits": {"phone": "89161112233"}, "messageId": "a"},
        {
            "type": "identify",
            "userId": "son",
            "traits": {"phone": "+79161112233"},
            "messageId": "b",
        },
        {"type": "alias", "userId": "son", "previousId": "web-1", "messageId": "c"},
    )
    container.resolver.catch_up()
    incremental = graph(engine)
    assert container.resolver.rebuild() == 7
    assert graph(engine) == incremental


def test_a_source_s_own_customer_id_is_scoped_to_the_source(container, tenant, engine):
    for source_id in (tenant.site_id, tenant.pos_id):
        container.ingest.customer(tenant.workspace_id, source_id, {"customerId": "c-7"})
    container.resolver.catch_up()
    found = graph(engine)
    site, till = (
        found[("customer_id", f"{tenant.site_id}:c-7")],
        found[("customer_id", f"{tenant.pos_id}:c-7")],
    )
    assert site != till  # record 7 of the site and record 7 of the till are two people
    profile = container.identity.profile(tenant.workspace_id, site)
    (ident,) = profile["identifiers"]
    assert ident["seenAs"] == [{"source": "site", "raw": "c-7"}]
