"""What the send decision and the template need to know about one person, read from the store:
contacts per channel for the topic, what the brand already sent them, what they bought, and
the parts of the render context (profile, computed traits, cart, viewed products)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from omniweave.identity.profile_view import traits as profile_traits
from omniweave.messaging.model import Contact, History, PastSend, Purchase, Recipient
from omniweave.profiles.consent_model import ConsentPolicy
from omniweave.profiles.consent_view import reachability_of
from omniweave.profiles.traits_repo import values_of
from omniweave.store.message_tables import messages, web_push_subscriptions
from omniweave.store.tables import event_identities, events, identities, workspaces

# Statuses of a message that reached (or is on its way to) the person: what caps and dedup count.
COUNTED = ("queued", "deferred", "sending", "sent", "delivered", "opened", "clicked")
# Identifiers that name one person across the brand's workspaces (franchisees share guests).
PERSON_TYPES = ("email", "phone", "loyalty_card", "user_id")
CART_EVENTS = ("Product Added", "Product Removed", "Order Completed", "Cart Cleared")
LOOKBACK = timedelta(days=8)  # caps count a week; dedup windows may ask for more


@dataclass(frozen=True)
class Brand:
    name: str
    workspace_ids: tuple[int, ...]


def brand_of(conn: Connection, workspace_id: int) -> Brand:
    """The brand a workspace sends for (its own name when none is set) and its siblings."""
    row = conn.execute(
        select(workspaces.c.name, workspaces.c.brand).where(workspaces.c.id == workspace_id)
    ).one()
    name = row.brand or row.name
    siblings = conn.execute(
        select(workspaces.c.id).where(
            or_(
                workspaces.c.brand == name,
                and_(workspaces.c.brand.is_(None), workspaces.c.name == name),
            )
        )
    ).scalars()
    return Brand(name, tuple(sorted(set(siblings) | {workspace_id})))


def person_identifiers(conn: Connection, profile_id: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(identities.c.type, identities.c.value).where(
            identities.c.profile_id == profile_id, identities.c.type.in_(PERSON_TYPES)
        )
    )
    return [(r.type, r.value) for r in rows]


def the_same_person(
    conn: Connection, brand: Brand, profile_id: str, known: Sequence[tuple[str, str]]
) -> list[str]:
    """The person's profiles in every workspace of the brand, found by shared identifiers."""
    found = {profile_id}
    if len(brand.workspace_ids) > 1 and known:
        rows = conn.execute(
            select(identities.c.profile_id).where(
                identities.c.workspace_id.in_(brand.workspace_ids),
                or_(*(and_(identities.c.type == t, identities.c.value == v) for t, v in known)),
            )
        )
        found |= {r.profile_id for r in rows}
    return sorted(found)


# What ``past_send`` reads from a message.
SEND_COLUMNS = (
    messages.c.id,
    messages.c.channel,
    messages.c.created_at,
    messages.c.sent_at,
    messages.c.dedup_key,
    messages.c.transactional,
    messages.c.workspace_id,
)


def past_sends(
    conn: Connection, profile_ids: Sequence[str], now: datetime, lookback: timedelta
) -> tuple[PastSend, ...]:
    rows = conn.execute(
        select(*SEND_COLUMNS).where(
            messages.c.profile_id.in_(profile_ids),
            messages.c.status.in_(COUNTED),
            messages.c.created_at > now - lookback,
        )
    )
    return tuple(past_send(r) for r in rows)


def past_send(row: Any) -> PastSend:
    """A ``messages`` row as caps and dedup count it."""
    return PastSend(
        channel=row.channel,
        at=row.sent_at or row.created_at,
        dedup_key=row.dedup_key,
        transactional=row.transactional,
        workspace_id=row.workspace_id,
        message_id=row.id,
    )


def _attributed_events(profile_id: str, names: Sequence[str], since: datetime | None = None):
    query = (
        select(events.c.event, events.c.properties, events.c.timestamp, events.c.id)
        .join(event_identities, event_identities.c.event_id == events.c.id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(identities.c.profile_id == profile_id, events.c.event.in_(names))
    )
    if since is not None:
        query = query.where(events.c.timestamp > since)
    return query.order_by(events.c.timestamp, events.c.id)


def purchases(
    conn: Connection, profile_id: str, now: datetime, window: timedelta
) -> tuple[Purchase, ...]:
    """Products bought (in any channel) within the window: orders enter the log as events."""
    rows = conn.execute(_attributed_events(profile_id, ("Order Completed",), now - window))
    return tuple(purchases_of(rows))


def cart_and_viewed(conn: Connection, profile_id: str, now: datetime) -> dict[str, Any]:
    """The open cart (products added since the last order, minus removals) and the products
    viewed lately, from the person's e-commerce events in every channel."""
    since = now - timedelta(days=30)
    cart = conn.execute(_attributed_events(profile_id, CART_EVENTS, since)).all()
    viewed = conn.execute(_attributed_events(profile_id, ("Product Viewed",), since)).all()
    return cart_and_viewed_of(cart, viewed)


def cart_and_viewed_of(cart_rows: Iterable[Any], viewed_rows: Iterable[Any]) -> dict[str, Any]:
    """The cart-and-viewed fold over a person's cart events and product views (each in
    time order, rows with ``event`` and ``properties``)."""
    items: dict[str, dict[str, Any]] = {}
    for row in cart_rows:
        props = row.properties or {}
        product = str(props.get("product_id") or props.get("sku") or "")
        if row.event in ("Order Completed", "Cart Cleared"):
            items.clear()
        elif row.event == "Product Added" and product:
            item = items.setdefault(product, {**_product(props), "quantity": 0})
            item["quantity"] += int(props.get("quantity") or 1)
        elif row.event == "Product Removed" and product:
            items.pop(product, None)
    viewed: dict[str, dict[str, Any]] = {}
    for row in viewed_rows:
        props = row.properties or {}
        product = str(props.get("product_id") or props.get("sku") or "")
        if product:
            viewed.pop(product, None)
            viewed[product] = _product(props)
    total = sum(float(i.get("price") or 0) * i["quantity"] for i in items.values())
    return {
        "cart": {"items": list(items.values()), "total": round(total, 2), "currency": "RUB"},
        "viewed": list(reversed(list(viewed.values())))[:10],
    }


def purchases_of(order_rows: Iterable[Any]) -> list[Purchase]:
    """The purchases fold over a person's ``Order Completed`` events (rows with
    ``properties`` and ``timestamp``)."""
    found = []
    for row in order_rows:
        props = row.properties or {}
        for line in props.get("products") or []:
            product = line.get("product_id") or line.get("sku") if isinstance(line, dict) else None
            if product:
                found.append(
                    Purchase(
                        str(product), row.timestamp, props.get("channel"), props.get("order_id")
                    )
                )
    return found


def _product(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "product_id": str(props.get("product_id") or props.get("sku") or ""),
        "name": props.get("name") or "",
        "price": props.get("price") or 0,
        "url": props.get("url") or "",
        "image": props.get("image_url") or props.get("image") or "",
    }


def contacts(
    conn: Connection, profile_id: str, topic: str, now: datetime, policy: ConsentPolicy
) -> dict[str, Contact]:
    reach = reachability_of(conn, profile_id, now, policy)
    found = {}
    for channel, by_topic in reach.items():
        r = by_topic.get(topic)
        if r is None:
            found[channel] = Contact(channel, False, None, (f"{channel}: unknown topic {topic}",))
        else:
            found[channel] = Contact(channel, r.reachable, r.address, tuple(r.reasons))
    return found


def recipient(
    conn: Connection,
    workspace_id: int,
    profile_id: str,
    topic: str,
    now: datetime,
    policy: ConsentPolicy,
) -> tuple[Recipient, dict[str, Any]]:
    """The recipient for the decision, and the profile part of the render context."""
    raw = {k: v["value"] for k, v in profile_traits(conn, profile_id).items()}
    computed = {row.name: row.value for row in values_of(conn, profile_id)}
    timezone = raw.get("timezone") or latest_timezone(conn, profile_id)
    preferred = computed.get("preferred_channel")
    who = Recipient(
        profile_id=profile_id,
        workspace_id=workspace_id,
        contacts=contacts(conn, profile_id, topic, now, policy),
        timezone=timezone if isinstance(timezone, str) else None,
        preferred_channel=preferred if isinstance(preferred, str) else None,
    )
    return who, {"traits": raw, "computed": computed}


def timezone_of(conn: Connection, profile_id: str) -> str | None:
    """The person's IANA zone: the ``timezone`` trait, else the device's latest."""
    raw = profile_traits(conn, profile_id).get("timezone")
    if raw is not None and isinstance(raw["value"], str):
        return raw["value"]
    return latest_timezone(conn, profile_id)


def latest_timezone(conn: Connection, profile_id: str) -> str | None:
    """Segment SDKs put the device's zone in ``context.timezone``."""
    row = conn.execute(
        select(events.c.context)
        .join(event_identities, event_identities.c.event_id == events.c.id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
        .where(identities.c.profile_id == profile_id, events.c.context.is_not(None))
        .order_by(events.c.id.desc())
        .limit(20)
    )
    for (context,) in row:
        if isinstance(context, dict) and isinstance(context.get("timezone"), str):
            return context["timezone"]
    return None


def history(
    conn: Connection,
    brand: Brand,
    profile_id: str,
    now: datetime,
    dedup_window: timedelta,
    just_bought: timedelta,
    goal: str | None = None,
) -> History:
    same = the_same_person(conn, brand, profile_id, person_identifiers(conn, profile_id))
    return History(
        sends=past_sends(conn, same, now, max(LOOKBACK, dedup_window)),
        purchases=purchases(conn, profile_id, now, just_bought),
        goal=goal,
    )


def subscription_of(conn: Connection, endpoint: str) -> dict[str, Any] | None:
    """A web push address is its endpoint; the keys to encrypt for it live beside it."""
    row = conn.execute(
        select(web_push_subscriptions).where(web_push_subscriptions.c.endpoint == endpoint)
    ).first()
    if row is None:
        return None
    return {"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}}
