"""Every table, classified once: how an erase treats the personal data in it, or why it has
none. ``tests/unit/privacy/test_registry.py`` fails when a table is in neither list, so a new
table (carts, loyalty accounts, issued coupons) cannot be forgotten.

To add a table: write ``def _carts(conn, person) -> int`` (delete or scrub its rows, return
how many) and add ``Scrub(carts, "how, in one line", _carts)`` to ``PERSONAL``; or add its
name with the reason to ``NO_PERSONAL_DATA``. ``docs/privacy.md`` lists both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, or_, select, tuple_, update

from omniweave.privacy.model import Person, scrubbed_decision
from omniweave.store.commerce_tables import carts
from omniweave.store.consent_tables import consents, delivery_states
from omniweave.store.journey_tables import journey_runs, journey_steps
from omniweave.store.message_tables import messages, web_push_subscriptions
from omniweave.store.pricing_tables import (
    coupon_redemptions,
    coupons,
    loyalty_accounts,
    loyalty_transactions,
)
from omniweave.store.segment_tables import segment_memberships
from omniweave.store.tables import (
    customer_records,
    event_identities,
    events,
    identities,
    identity_refusals,
    identity_reviews,
    identity_sightings,
    orders,
    profile_merges,
    profile_separations,
    profiles,
)
from omniweave.store.trait_tables import computed_traits

_CHUNK = 500


@dataclass(frozen=True)
class Scrub:
    table: Table
    how: str  # for docs/privacy.md and the erase's answer
    erase: Callable[[Connection, Person], int]


def chunks(values: Sequence[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _each(conn: Connection, values: Sequence[Any], statement: Callable[[list], Any]) -> int:
    return sum(conn.execute(statement(chunk)).rowcount for chunk in chunks(values))


def _events(conn: Connection, person: Person) -> int:
    done = 0
    for chunk in chunks(person.event_ids):
        rows = conn.execute(
            select(
                events.c.id, events.c.user_id, events.c.anonymous_id, events.c.previous_id
            ).where(events.c.id.in_(chunk))
        ).all()
        for row in rows:
            conn.execute(
                update(events)
                .where(events.c.id == row.id)
                .values(person.scrub_event(row.user_id, row.anonymous_id, row.previous_id))
            )
        done += len(rows)
    return done


def _event_identities(conn: Connection, person: Person) -> int:
    return _each(
        conn,
        person.event_ids,
        lambda c: (
            update(event_identities)
            .where(event_identities.c.event_id.in_(c))
            .values(identity_id=None, rejected=None)
        ),
    )


def _records_of(table: Table) -> Callable[[Connection, Person], list[int]]:
    """Rows whose latest version came from one of the person's events."""

    def found(conn: Connection, person: Person) -> list[int]:
        ids: list[int] = []
        for chunk in chunks(person.event_ids):
            attributed = select(events.c.source_id, events.c.message_id).where(
                events.c.id.in_(chunk)
            )
            ids += conn.execute(
                select(table.c.id).where(
                    tuple_(table.c.source_id, table.c.message_id).in_(attributed)
                )
            ).scalars()
        return ids

    return found


def _customer_records(conn: Connection, person: Person) -> int:
    done = 0
    for rid, external in conn.execute(
        select(customer_records.c.id, customer_records.c.external_id).where(
            customer_records.c.id.in_(_records_of(customer_records)(conn, person) or [-1])
        )
    ).all():
        conn.execute(
            update(customer_records)
            .where(customer_records.c.id == rid)
            .values(external_id=person.token(external), identifiers={}, traits={})
        )
        done += 1
    return done


def _orders(conn: Connection, person: Person) -> int:
    return _each(
        conn,
        _records_of(orders)(conn, person),
        lambda c: update(orders).where(orders.c.id.in_(c)).values(customer={}),
    )


def _by_subject(conn: Connection, person: Person) -> int:
    done = 0
    for chunk in chunks(person.keys):
        done += conn.execute(
            delete(consents).where(
                consents.c.workspace_id == person.workspace_id,
                tuple_(consents.c.subject_type, consents.c.subject_value).in_(chunk),
            )
        ).rowcount
    return done + _each(
        conn, person.event_ids, lambda c: delete(consents).where(consents.c.event_id.in_(c))
    )


def _delivery_states(conn: Connection, person: Person) -> int:
    return _each(
        conn,
        person.addresses(),
        lambda c: delete(delivery_states).where(
            delivery_states.c.workspace_id == person.workspace_id,
            delivery_states.c.address.in_(c),
        ),
    )


def _messages(conn: Connection, person: Person) -> int:
    done = 0
    for chunk in chunks(person.profile_ids):
        rows = conn.execute(
            select(messages.c.id, messages.c.profile_id, messages.c.decision).where(
                messages.c.profile_id.in_(chunk)
            )
        ).all()
        for row in rows:
            conn.execute(
                update(messages)
                .where(messages.c.id == row.id)
                .values(
                    profile_id=person.token(row.profile_id)[:24],
                    address=None,
                    content=None,
                    context=None,
                    last_error=None,
                    decision=scrubbed_decision(row.decision),
                )
            )
        done += len(rows)
    return done


def _journey_runs(conn: Connection, person: Person) -> int:
    done = 0
    for chunk in chunks(person.profile_ids):
        runs = conn.execute(
            select(journey_runs.c.id, journey_runs.c.profile_id).where(
                journey_runs.c.profile_id.in_(chunk)
            )
        ).all()
        for run in runs:
            conn.execute(
                update(journey_runs)
                .where(journey_runs.c.id == run.id)
                .values(profile_id=person.token(run.profile_id)[:24], entry={}, waiting_for=None)
            )
        done += len(runs)
    return done


def _journey_steps(conn: Connection, person: Person) -> int:
    done = 0
    for chunk in chunks(person.profile_ids):
        runs = select(journey_runs.c.id).where(journey_runs.c.profile_id.in_(chunk))
        done += conn.execute(
            update(journey_steps).where(journey_steps.c.run_id.in_(runs)).values(detail="erased")
        ).rowcount
    return done


def _deleting(table: Table, *columns: str) -> Callable[[Connection, Person], int]:
    """Delete the rows naming one of the person's profiles in any of these columns."""

    def erase(conn: Connection, person: Person) -> int:
        return _each(
            conn,
            person.profile_ids,
            lambda c: delete(table).where(or_(*(table.c[name].in_(c) for name in columns))),
        )

    return erase


def _identities_of(table: Table, column: str) -> Callable[[Connection, Person], int]:
    def erase(conn: Connection, person: Person) -> int:
        return _each(
            conn, person.identity_ids, lambda c: delete(table).where(table.c[column].in_(c))
        )

    return erase


def _refusals(conn: Connection, person: Person) -> int:
    done = _deleting(identity_refusals, "profile_id")(conn, person)
    return done + _each(
        conn,
        person.event_ids,
        lambda c: delete(identity_refusals).where(identity_refusals.c.event_id.in_(c)),
    )


def _web_push(conn: Connection, person: Person) -> int:
    endpoints = [i.value for i in person.identities if i.type == "web_push"]
    return _each(
        conn,
        endpoints,
        lambda c: delete(web_push_subscriptions).where(
            and_(
                web_push_subscriptions.c.workspace_id == person.workspace_id,
                web_push_subscriptions.c.endpoint.in_(c),
            )
        ),
    )


def _tokenising(table: Table, column: str, **also: Any) -> Callable[[Connection, Person], int]:
    """Replace the person's profile ids in ``column`` by their keyed tokens (and set
    ``also``): the rows stay, for balances and counts that must still add up, but name no one."""

    def erase(conn: Connection, person: Person) -> int:
        done = 0
        for profile_id in person.profile_ids:
            done += conn.execute(
                update(table)
                .where(table.c[column] == profile_id)
                .values({column: person.token(profile_id), **also})
            ).rowcount
        return done

    return erase


def _coupons(conn: Connection, person: Person) -> int:
    """Codes issued to the person keep their use counts; whom they were issued to, and the
    issue's key (which names the profile), become tokens."""
    done = 0
    for profile_id in person.profile_ids:
        rows = conn.execute(
            select(coupons.c.id, coupons.c.issued_key).where(coupons.c.issued_to == profile_id)
        ).all()
        for row in rows:
            key = None if row.issued_key is None else person.token(row.issued_key)
            conn.execute(
                update(coupons)
                .where(coupons.c.id == row.id)
                .values(issued_to=person.token(profile_id), issued_key=key)
            )
        done += len(rows)
    return done


# In the order an erase runs them: what is found through identities and events first, the
# identities and profiles themselves last.
PERSONAL: tuple[Scrub, ...] = (
    Scrub(
        events,
        "kept (so a replayed messageId stays a duplicate); properties, traits, context and "
        "extra nulled; userId, anonymousId, previousId replaced by a keyed token",
        _events,
    ),
    Scrub(
        event_identities,
        "kept, attributed to nobody; rejected identifiers nulled",
        _event_identities,
    ),
    Scrub(
        customer_records,
        "kept; identifiers and traits emptied, the record id tokenised",
        _customer_records,
    ),
    Scrub(orders, "kept for revenue reports; the customer JSON emptied", _orders),
    Scrub(consents, "deleted (the person's identifiers' decisions and their proof)", _by_subject),
    Scrub(delivery_states, "deleted for the person's addresses", _delivery_states),
    Scrub(
        messages,
        "kept for counts and cost; address, content, context, last error nulled, the decision "
        "reduced to outcome/rule/channel/cost, the profile id tokenised",
        _messages,
    ),
    Scrub(journey_steps, "kept for per-step numbers; detail replaced by 'erased'", _journey_steps),
    Scrub(
        journey_runs,
        "kept for journey numbers; profile id tokenised, entry and waiting state emptied",
        _journey_runs,
    ),
    Scrub(computed_traits, "deleted", _deleting(computed_traits, "profile_id")),
    Scrub(
        carts, "deleted (the lines and the channels they came from)", _deleting(carts, "profile_id")
    ),
    Scrub(
        coupons,
        "kept with their use counts; issued_to and issued_key replaced by keyed tokens",
        _coupons,
    ),
    Scrub(
        coupon_redemptions,
        "kept for pool limits and reports; the profile id tokenised",
        _tokenising(coupon_redemptions, "profile_id"),
    ),
    Scrub(
        loyalty_transactions,
        "kept so the double-entry ledger still balances; the profile id tokenised, data emptied",
        _tokenising(loyalty_transactions, "profile_id", data={}),
    ),
    Scrub(
        loyalty_accounts,
        "kept so every entry still has its account; the holder tokenised",
        _tokenising(loyalty_accounts, "holder"),
    ),
    Scrub(
        segment_memberships,
        "deleted (current and past stays)",
        _deleting(segment_memberships, "profile_id", "carried_from"),
    ),
    Scrub(identity_refusals, "deleted (they name the person's identifiers)", _refusals),
    Scrub(
        profile_merges,
        "deleted (identifier lists, explanations)",
        _deleting(profile_merges, "survivor_id", "merged_id"),
    ),
    Scrub(
        identity_reviews,
        "deleted (the compared values)",
        _deleting(identity_reviews, "profile_a", "profile_b"),
    ),
    Scrub(profile_separations, "deleted", _deleting(profile_separations, "profile_a", "profile_b")),
    Scrub(web_push_subscriptions, "deleted (endpoint and keys)", _web_push),
    Scrub(
        identity_sightings,
        "deleted (raw spellings)",
        _identities_of(identity_sightings, "identity_id"),
    ),
    Scrub(
        identities,
        "deleted; their keyed hashes go to erased_identifiers",
        _identities_of(identities, "id"),
    ),
    Scrub(profiles, "deleted, with every profile merged into it", _deleting(profiles, "id")),
)

# Tables without personal data, and why. A table holding a profile id or an identifier-like
# column needs a reason that says why that is not personal data.
NO_PERSONAL_DATA: dict[str, str] = {
    "workspaces": "configuration",
    "sources": "configuration",
    "api_keys": "configuration (hashed secrets of operators' keys)",
    "log_cursors": "positions of log consumers",
    "segments": "definitions",
    "trait_cutoffs": "workspace-wide quintile cut points",
    "journeys": "definitions",
    "message_templates": "definitions",
    "campaigns": "definitions and counts; last_profile is a position in the audience order, "
    "not a link to a person's data (the profile row is gone)",
    "alerts": "providers' and sources' failures: the subject is a channel or a source name",
    "erasures": "what was erased, counted: identifiers and profiles are counts, and the "
    "profile_id it names no longer resolves to anything",
    "erased_identifiers": "keyed hashes, not reversible without the installation secret",
    "audit_log": "operators' actions; bodies are summarised by field names, never values; "
    "a path may name a profile id (the erase request itself), which resolves to no one after",
    "catalog_categories": "the catalog",
    "catalog_products": "the catalog",
    "catalog_versions": "a counter per workspace",
    "catalog_changes": "Back In Stock / Price Dropped per sku and place; people is a count",
    "price_lists": "the catalog",
    "prices": "the catalog",
    "stock_locations": "stores and warehouses",
    "stock_levels": "counts per sku and place",
    "stock_reservations": "pickup holds per order and sku; who ordered is in orders (scrubbed "
    "there)",
    "order_transitions": "status moves per order; who ordered is in orders (scrubbed there)",
    "promotions": "definitions",
    "pricing_versions": "a counter per workspace",
    "coupon_pools": "definitions (per_person and personal are rules, not people)",
    "loyalty_entries": "points per account and transaction: the account's holder and the "
    "transaction's profile_id are tokenised in their own tables",
    "loyalty_lots": "points per account and transaction, as loyalty_entries",
    "ui_users": "the operators' own accounts (email, password hash), not customers'",
    "ui_sessions": "the operators' sessions: user_id is an operator (ui_users)",
    "ui_login_attempts": "the operators' sign-in attempts (email, ip): not customers'",
    "ui_secrets": "generated secrets",
}

# Column names that suggest a person: such a column in a table said to hold no personal data
# must be named in the reason.
_PERSON_LIKE = re.compile(
    r"profile|user_id|anonymous|email|phone|address|endpoint|subject|identifier|external_id"
    r"|customer|token|person|recipient"
)


def unclassified(tables: Iterable[Table]) -> list[str]:
    """What is wrong with the classification of these tables (empty: every table is either
    scrubbed by ``PERSONAL`` or explained in ``NO_PERSONAL_DATA``)."""
    personal = {s.table.name for s in PERSONAL}
    problems = []
    for table in tables:
        if table.name in personal and table.name in NO_PERSONAL_DATA:
            problems.append(f"{table.name}: in both PERSONAL and NO_PERSONAL_DATA")
        elif table.name in NO_PERSONAL_DATA:
            reason = NO_PERSONAL_DATA[table.name]
            problems += [
                f"{table.name}.{c.name}: looks personal; say why it is not in the reason"
                for c in table.columns
                if _PERSON_LIKE.search(c.name) and c.name not in reason
            ]
        elif table.name not in personal:
            problems.append(f"{table.name}: not classified (privacy/registry.py)")
    return problems
