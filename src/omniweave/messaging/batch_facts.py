"""What the send decision and the template need to know about many people at once: the same
facts as ``facts.recipient``, ``facts.cart_and_viewed`` and ``facts.history`` give for one
person, read with a fixed number of set-based queries per chunk of profiles (a campaign decides
for a whole segment; a handful of queries per person does not scale to a million).

Only the reads are batched: the rules that pick the consent in force, the usable address, the
latest trait value, the open cart and the sends that count are the per-profile ones (the pure
functions of ``reachability`` and ``consent_model``, and the same folds over the same rows in
the same order), so a person's facts are identical either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select, true, type_coerce
from sqlalchemy.dialects import postgresql

from omniweave.messaging import facts
from omniweave.messaging.model import Contact, History, PastSend, Purchase, Recipient
from omniweave.profiles.consent_model import (
    ADDRESS_TYPES,
    CHANNELS,
    Address,
    ConsentPolicy,
    Decision,
    Delivery,
)
from omniweave.profiles.consent_repo import decision_of
from omniweave.profiles.reachability import decide_reachability
from omniweave.store.consent_tables import consents, delivery_states
from omniweave.store.dialect import one_of
from omniweave.store.message_tables import messages
from omniweave.store.tables import event_identities, events, identities, sources
from omniweave.store.trait_tables import computed_traits
from omniweave.store.types import UtcDateTime

CHUNK = 1000  # profile ids per IN list (SQLite allows 32766 variables since 3.32)
CART_WINDOW = timedelta(days=30)  # what facts.cart_and_viewed reads
TIMEZONE_EVENTS = 20  # how many of the latest events facts.latest_timezone looks at
_ADDRESS_KINDS = tuple(sorted(set(ADDRESS_TYPES.values())))
_VIEWED = "Product Viewed"
_ORDER = "Order Completed"


@dataclass(frozen=True)
class PersonFacts:
    recipient: Recipient  # contacts for the topic, timezone, preferred channel
    profile_part: dict[str, Any]  # {"traits": raw traits, "computed": {name: value}}
    shopping: dict[str, Any]  # {"cart": ..., "viewed": ...} as facts.cart_and_viewed
    history: History  # as facts.history (goal None)


def load_facts(
    conn: Connection,
    workspace_id: int,
    profile_ids: Sequence[str],
    topic: str,
    now: datetime,
    policy: ConsentPolicy,
    brand: facts.Brand,
    dedup_window: timedelta,
    just_bought: timedelta,
    channels: Sequence[str] = CHANNELS,
) -> dict[str, PersonFacts]:
    """Each profile's facts, as the per-profile functions of ``facts`` read them."""
    ids = list(dict.fromkeys(profile_ids))
    found: dict[str, PersonFacts] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update(
            _load_chunk(
                conn,
                workspace_id,
                chunk,
                topic,
                now,
                policy,
                brand,
                dedup_window,
                just_bought,
                channels,
            )  # fmt: skip
        )
    return found


def _load_chunk(
    conn: Connection,
    workspace_id: int,
    ids: list[str],
    topic: str,
    now: datetime,
    policy: ConsentPolicy,
    brand: facts.Brand,
    dedup_window: timedelta,
    just_bought: timedelta,
    channels: Sequence[str] = CHANNELS,
) -> dict[str, PersonFacts]:
    addresses, known = _identifiers(conn, ids)
    decisions = _decisions(conn, ids, topic, policy)
    reports = _deliveries(conn, ids)
    raw = _raw_traits(conn, ids)
    computed = _computed(conn, ids)
    need_zone = [pid for pid in ids if not raw[pid].get("timezone")]
    zones = _latest_timezones(conn, need_zone)
    shopping, bought = _shopping(conn, ids, now, just_bought)
    same = _same_people(conn, brand, ids, known)
    sends = _past_sends(conn, same, now, max(facts.LOOKBACK, dedup_window))

    found = {}
    for pid in ids:
        timezone = raw[pid].get("timezone") or zones.get(pid)
        preferred = computed[pid].get("preferred_channel")
        who = Recipient(
            profile_id=pid,
            workspace_id=workspace_id,
            contacts=_contacts(
                addresses[pid], decisions[pid], reports[pid], topic, now, policy, channels
            ),
            timezone=timezone if isinstance(timezone, str) else None,
            preferred_channel=preferred if isinstance(preferred, str) else None,
        )
        people = same[pid]
        found[pid] = PersonFacts(
            recipient=who,
            profile_part={"traits": raw[pid], "computed": computed[pid]},
            shopping=shopping[pid],
            history=History(
                sends=tuple(sorted((s for p in people for s in sends.get(p, ())), key=_by_id)),
                purchases=tuple(bought[pid]),
                goal=None,
            ),
        )
    return found


def _ids(conn: Connection, column: Any, ids: Sequence[str]) -> Any:
    return one_of(conn.dialect.name, column, ids)


def _by_id(send: PastSend) -> int:
    return send.message_id or 0


# --- consents and addresses ----------------------------------------------------------------


def _contacts(
    addresses: list[Address],
    decisions: list[Decision],
    reports: list[Delivery],
    topic: str,
    now: datetime,
    policy: ConsentPolicy,
    channels: Sequence[str] = CHANNELS,
) -> dict[str, Contact]:
    """As ``facts.contacts``: the topic's reachability on the channels asked for (a
    template's; every channel by default). Each rule of
    ``decide_reachability`` looks only at the channel's addresses, the channel's (and topic's)
    decisions and the channel's reports, so it is handed just those: the same verdicts
    without sifting every channel's rows seven times."""
    if topic not in policy.topics:
        return {
            channel: Contact(channel, False, None, (f"{channel}: unknown topic {topic}",))
            for channel in CHANNELS
        }
    by_channel: dict[str, tuple[list[Address], list[Decision], list[Delivery]]] = {
        channel: ([], [], []) for channel in CHANNELS if channel in channels
    }
    for a in addresses:
        if a.channel in by_channel:
            by_channel[a.channel][0].append(a)
    for d in decisions:
        if d.channel in by_channel and d.topic == topic:
            by_channel[d.channel][1].append(d)
    for r in reports:
        if r.channel in by_channel:
            by_channel[r.channel][2].append(r)
    found = {}
    for channel, (own, given, reported) in by_channel.items():
        r = decide_reachability(own, given, reported, channel, topic, now, policy)
        found[channel] = Contact(channel, r.reachable, r.address, tuple(r.reasons))
    return found


def _identifiers(
    conn: Connection, ids: list[str]
) -> tuple[dict[str, list[Address]], dict[str, list[tuple[str, str]]]]:
    """Each profile's channel addresses (``addresses_of_profile``) and the identifiers that
    name the person across the brand (``person_identifiers``), in one read."""
    kinds = sorted(set(_ADDRESS_KINDS) | set(facts.PERSON_TYPES))
    rows = conn.execute(
        select(
            identities.c.profile_id,
            identities.c.type,
            identities.c.value,
            identities.c.first_seen_at,
        ).where(_ids(conn, identities.c.profile_id, ids), identities.c.type.in_(kinds))
    )
    addresses: dict[str, list[Address]] = defaultdict(list)
    known: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        for channel, kind in ADDRESS_TYPES.items():
            if kind == row.type:
                addresses[row.profile_id].append(Address(channel, row.value, row.first_seen_at))
        if row.type in facts.PERSON_TYPES:
            known[row.profile_id].append((row.type, row.value))
    return addresses, known


def _decisions(
    conn: Connection, ids: list[str], topic: str, policy: ConsentPolicy
) -> dict[str, list[Decision]]:
    """As ``decisions_of_profile``: every decision given for any identifier a profile holds,
    on the topic (no rule looks at another topic's decisions)."""
    found: dict[str, list[Decision]] = defaultdict(list)
    if topic not in policy.topics:
        return found
    rows = conn.execute(
        select(
            identities.c.profile_id.label("owner"),
            consents.c.id,
            consents.c.subject_type,
            consents.c.subject_value,
            consents.c.channel,
            consents.c.topic,
            consents.c.state,
            consents.c.source,
            consents.c.via,
            consents.c.proof,
            consents.c.at,
            consents.c.event_id,
        )
        .select_from(consents)
        .join(
            identities,
            and_(
                identities.c.workspace_id == consents.c.workspace_id,
                identities.c.type == consents.c.subject_type,
                identities.c.value == consents.c.subject_value,
            ),
        )
        .where(_ids(conn, identities.c.profile_id, ids), consents.c.topic == topic)
        .order_by(consents.c.at, consents.c.id)
    )
    for row in rows:
        found[row.owner].append(decision_of(row))
    return found


def _deliveries(conn: Connection, ids: list[str]) -> dict[str, list[Delivery]]:
    """As ``deliveries_for``: the reports about any of a profile's address values in the
    profile's workspace (which is its identities' workspace: the resolver links identifiers
    within one workspace). Reports on a channel none of ``CHANNELS`` never decide anything,
    so they are not read, and every column of the (workspace, channel, address) index is
    bound: the lookups stay index searches however many reports the workspace holds."""
    rows = conn.execute(
        select(
            identities.c.profile_id.label("owner"),
            delivery_states.c.id,
            delivery_states.c.channel,
            delivery_states.c.address,
            delivery_states.c.state,
            delivery_states.c.at,
            delivery_states.c.reason,
        )
        .select_from(identities)
        .join(
            delivery_states,
            and_(
                delivery_states.c.workspace_id == identities.c.workspace_id,
                delivery_states.c.channel.in_(CHANNELS),
                delivery_states.c.address == identities.c.value,
            ),
        )
        .where(_ids(conn, identities.c.profile_id, ids), identities.c.type.in_(_ADDRESS_KINDS))
    )
    found: dict[str, list[Delivery]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    for r in rows:
        if (r.owner, r.id) in seen:  # one value held as two kinds of identifier
            continue
        seen.add((r.owner, r.id))
        found[r.owner].append(Delivery(r.channel, r.address, r.state, r.at, r.reason, seq=r.id))
    return found


# --- traits ---------------------------------------------------------------------------------


def _attributed(*columns: Any):
    """Events attributed to profiles through their identities, with the owner's id."""
    return (
        select(identities.c.profile_id.label("owner"), *columns)
        .select_from(events)
        .join(event_identities, event_identities.c.event_id == events.c.id)
        .join(identities, identities.c.id == event_identities.c.identity_id)
    )


def _raw_traits(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """As ``profile_view.traits`` with no source priority: each trait's latest value."""
    rows = conn.execute(
        _attributed(events.c.traits)
        .join(sources, sources.c.id == events.c.source_id)
        .where(_ids(conn, identities.c.profile_id, ids), events.c.type == "identify")
        .order_by(events.c.timestamp, events.c.id)
    )
    chosen: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        chosen[row.owner].update(row.traits or {})
    return {pid: dict(sorted(chosen[pid].items())) for pid in ids}


def _computed(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        select(computed_traits.c.profile_id, computed_traits.c.name, computed_traits.c.value)
        .where(_ids(conn, computed_traits.c.profile_id, ids))
        .order_by(computed_traits.c.profile_id, computed_traits.c.name)
    )
    found: dict[str, dict[str, Any]] = {pid: {} for pid in ids}
    for row in rows:
        found[row.profile_id][row.name] = row.value
    return found


def _latest_timezones(conn: Connection, ids: list[str]) -> dict[str, str]:
    """As ``facts.latest_timezone``: the first string ``context.timezone`` among each
    profile's latest 20 events with a context."""
    if not ids:
        return {}
    latest = (
        _attributed(
            events.c.context,
            func.row_number()
            .over(partition_by=identities.c.profile_id, order_by=events.c.id.desc())
            .label("recency"),
        )
        .where(_ids(conn, identities.c.profile_id, ids), events.c.context.is_not(None))
        .subquery()
    )
    rows = conn.execute(
        select(latest.c.owner, latest.c.context)
        .where(latest.c.recency <= TIMEZONE_EVENTS)
        .order_by(latest.c.owner, latest.c.recency)
    )
    found: dict[str, str] = {}
    for row in rows:
        context = row.context
        if row.owner in found or not isinstance(context, dict):
            continue
        if isinstance(context.get("timezone"), str):
            found[row.owner] = context["timezone"]
    return found


# --- cart, viewed products, purchases -------------------------------------------------------


def _shopping(
    conn: Connection, ids: list[str], now: datetime, just_bought: timedelta
) -> tuple[dict[str, dict[str, Any]], dict[str, list[Purchase]]]:
    """The open cart and viewed products (``facts.cart_and_viewed``) and the products bought
    within ``just_bought`` (``facts.purchases``), from one read of the e-commerce events."""
    cart_since, bought_since = now - CART_WINDOW, now - just_bought
    names = tuple(dict.fromkeys((*facts.CART_EVENTS, _VIEWED)))
    rows = conn.execute(
        _attributed(
            events.c.event,
            events.c.properties,
            # only an order's time is read: decoding every event's costs a tenth of the read
            type_coerce(case((events.c.event == _ORDER, events.c.timestamp)), UtcDateTime).label(
                "timestamp"
            ),
            (events.c.timestamp > cart_since).label("recent"),
            (events.c.timestamp > bought_since).label("just_bought"),
        )
        .where(
            _ids(conn, identities.c.profile_id, ids),
            or_(
                and_(events.c.event.in_(names), events.c.timestamp > cart_since),
                and_(events.c.event == _ORDER, events.c.timestamp > bought_since),
            ),
        )
        .order_by(events.c.timestamp, events.c.id)
    )
    carts: dict[str, list[Any]] = defaultdict(list)
    views: dict[str, list[Any]] = defaultdict(list)
    orders: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.recent and row.event in facts.CART_EVENTS:
            carts[row.owner].append(row)
        if row.recent and row.event == _VIEWED:
            views[row.owner].append(row)
        if row.just_bought and row.event == _ORDER:
            orders[row.owner].append(row)
    shopping = {pid: facts.cart_and_viewed_of(carts[pid], views[pid]) for pid in ids}
    bought = {pid: facts.purchases_of(orders[pid]) for pid in ids}
    return shopping, bought


# --- history across the brand ---------------------------------------------------------------


def _same_people(
    conn: Connection,
    brand: facts.Brand,
    ids: list[str],
    known: dict[str, list[tuple[str, str]]],
) -> dict[str, list[str]]:
    """As ``facts.the_same_person``: each profile's profiles in every workspace of the brand,
    found by shared person identifiers."""
    found: dict[str, set[str]] = {pid: {pid} for pid in ids}
    if len(brand.workspace_ids) > 1 and any(known.get(pid) for pid in ids):
        mine = identities.alias("mine")
        theirs = identities.alias("theirs")
        rows = conn.execute(
            select(mine.c.profile_id.label("owner"), theirs.c.profile_id)
            .select_from(mine)
            .join(
                theirs,
                and_(theirs.c.type == mine.c.type, theirs.c.value == mine.c.value),
            )
            .where(
                _ids(conn, mine.c.profile_id, ids),
                mine.c.type.in_(facts.PERSON_TYPES),
                theirs.c.workspace_id.in_(brand.workspace_ids),
            )
        )
        for row in rows:
            found[row.owner].add(row.profile_id)
    return {pid: sorted(people) for pid, people in found.items()}


def _past_sends(
    conn: Connection, same: dict[str, list[str]], now: datetime, lookback: timedelta
) -> dict[str, list[PastSend]]:
    """As ``facts.past_sends``, by the profile the message went to (one read unless the
    brand's other profiles push the list past ``CHUNK``). The status is checked here, not in
    SQL: a filter on it lures SQLite onto the status index, which a large outbox makes a scan,
    where (profile_id, created_at) finds exactly the rows.

    On PostgreSQL each profile is a lookup of its own (a LATERAL subquery kept apart by
    ``OFFSET 0``): while a campaign writes its outbox faster than ANALYZE runs, the planner
    believes few messages are recent and scans every recent one per chunk, which makes a
    million-person campaign quadratic."""
    wanted = sorted({p for people in same.values() for p in people})
    found: dict[str, list[PastSend]] = defaultdict(list)
    since = now - lookback
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        if conn.dialect.name == "postgresql":
            person = (
                func.unnest(
                    bindparam(None, chunk, type_=postgresql.ARRAY(messages.c.profile_id.type))
                )
                .table_valued("id")
                .render_derived(name="person")
            )
            recent = (
                select(messages.c.profile_id, messages.c.status, *facts.SEND_COLUMNS)
                .where(messages.c.profile_id == person.c.id, messages.c.created_at > since)
                .offset(0)
                .lateral("recent")
            )
            query = select(recent).select_from(person).join(recent, true())
        else:
            query = select(messages.c.profile_id, messages.c.status, *facts.SEND_COLUMNS).where(
                messages.c.profile_id.in_(chunk), messages.c.created_at > since
            )
        for r in conn.execute(query):
            if r.status not in facts.COUNTED:
                continue
            found[r.profile_id].append(facts.past_send(r))
    return found
