"""One cart per person: a log consumer (cursor ``carts``, never past ``identity``) that folds
each touched person's cart events from every channel into the ``carts`` row of their live
profile, the reads, and the cart token a till exchanges for the cart.

The unit of work is a profile, as for computed traits: its cart is refolded from its cart
events of the last ``window`` (a merge or a split needs nothing more than refolding the
profiles involved, since events follow identities). A merged-away profile's row is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from omniweave.commerce import cart_tokens, catalog_repo
from omniweave.commerce.cart_model import CART_EVENTS, CartEvent, fold, total
from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.identity.graph_repo import root_of
from omniweave.profiles import traits_repo
from omniweave.store import cursors
from omniweave.store.commerce_tables import carts
from omniweave.store.dialect import Dialect
from omniweave.store.tables import event_identities, events, identities, sources

CURSOR = "carts"
AFTER = "identity"


class Carts:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        link_key: bytes,
        window: timedelta = timedelta(days=30),
        token_ttl: timedelta = timedelta(minutes=10),
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.key = cart_tokens.cart_key(link_key)
        self.window = window
        self.token_ttl = token_ttl

    def catch_up(self, batch_size: int = 2000, max_batches: int | None = None) -> int:
        """Refold the carts of the people events since the last call touched; returns how
        many events were read (0: nothing is waiting)."""
        done = batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with self.engine.begin() as conn:
                now = self.clock()
                after, rows = cursors.pending(
                    conn, self.dialect, CURSOR, (AFTER,), now, batch_size, events.c.id
                )
                ids = [r.id for r in rows]
                if not ids:
                    return done
                touched, merged = traits_repo.touched_profiles(conn, after, ids[-1], CART_EVENTS)
                self.recompute(conn, sorted(touched | merged))
                cursors.move(conn, CURSOR, ids[-1], now)
            done += len(ids)
        return done

    def recompute(self, conn: Connection, profile_ids: Sequence[str]) -> int:
        """Refold these profiles' carts in the caller's transaction (the identity service
        calls it after a split or a model merge). Returns how many live carts were folded."""
        wanted = list(dict.fromkeys(profile_ids))
        live = traits_repo.workspaces_of(conn, wanted)
        gone = [p for p in wanted if p not in live]
        for start in range(0, len(gone), 500):
            conn.execute(delete(carts).where(carts.c.profile_id.in_(gone[start : start + 500])))
        roots = {r for r in (root_of(conn, p) for p in gone) if r and r not in live}
        live.update(traits_repo.workspaces_of(conn, sorted(roots)))
        if not live:
            return 0
        now = self.clock()
        history = _cart_events(conn, sorted(live), now - self.window)
        rows, empty = [], []
        for profile_id, workspace_id in live.items():
            found = history.get(profile_id)
            if not found:
                empty.append(profile_id)
                continue
            cart = fold(found)
            rows.append(
                {
                    "profile_id": profile_id,
                    "workspace_id": workspace_id,
                    "status": cart.status,
                    "lines": cart.as_lines(),
                    "currency": cart.currency,
                    "channels": cart.channels,
                    "last_event_id": cart.last_event_id,
                    "updated_at": cart.updated_at,
                }
            )
        for start in range(0, len(empty), 500):
            conn.execute(delete(carts).where(carts.c.profile_id.in_(empty[start : start + 500])))
        if rows:
            columns = [c for c in rows[0] if c != "profile_id"]
            conn.execute(self.dialect.upsert(carts, ("profile_id",), columns), rows)
        return len(live)

    # --- reads and tokens ----------------------------------------------------------------

    def cart(self, workspace_id: int, profile_id: str) -> dict[str, Any]:
        """The cart of the person an id resolves to today (empty if they have none)."""
        with self.engine.connect() as conn:
            return _view(conn, workspace_id, profile_id)

    def token(self, workspace_id: int, profile_id: str) -> dict[str, Any]:
        """A short-lived signed token for the person's cart, and its QR code (SVG)."""
        with self.engine.connect() as conn:
            root = _root_in(conn, workspace_id, profile_id)
        token, expires = cart_tokens.issue(
            self.key, workspace_id, root, self.clock(), self.token_ttl
        )
        return {
            "profileId": root,
            "token": token,
            "expiresAt": expires,
            "qrSvg": cart_tokens.qr_svg(token),
        }

    def by_token(self, workspace_id: int, token: str, store: str | None = None) -> dict[str, Any]:
        """The cart a token names; refused (400, naming why) when expired or altered. With
        the till's ``store``, each line carries that store's list price (channel ``pos``)
        and the list it came from, or why it is not for sale there."""
        try:
            ticket = cart_tokens.read(self.key, token, self.clock())
        except cart_tokens.BadToken as exc:
            raise InvalidInput.one("token", str(exc)) from None
        if ticket.workspace_id != workspace_id:
            raise InvalidInput.one("token", "issued for another workspace")
        with self.engine.connect() as conn:
            found = _view(conn, workspace_id, ticket.profile_id)
            if store is not None:
                skus = [ln["sku"] for ln in found["lines"]]
                priced = catalog_repo.price_lines(conn, workspace_id, skus, store, "pos")
                missing = catalog_repo.unpriced(conn, workspace_id, skus, store, "pos")
                found["lines"] = [_at_store(ln, priced, missing) for ln in found["lines"]]
        return {**found, "store": store, "tokenExpiresAt": ticket.expires_at}


def _at_store(line: dict[str, Any], priced: dict, missing: dict[str, str]) -> dict[str, Any]:
    item = priced.get(line["sku"])
    if item is None:
        return {**line, "listPrice": None, "priceReason": missing.get(line["sku"])}
    return {
        **line,
        "listPrice": float(item.unit_price),
        "currency": item.currency,
        "priceList": item.price_list_id,
        "priceReason": item.reason,
    }


def _root_in(conn: Connection, workspace_id: int, profile_id: str) -> str:
    root = root_of(conn, profile_id)
    if root is None or traits_repo.workspaces_of(conn, [root]).get(root) != workspace_id:
        raise NotFound(f"no profile {profile_id!r}")
    return root


def _view(conn: Connection, workspace_id: int, profile_id: str) -> dict[str, Any]:
    root = _root_in(conn, workspace_id, profile_id)
    row = conn.execute(select(carts).where(carts.c.profile_id == root)).first()
    lines = list(row.lines) if row else []
    return {
        "requestedId": profile_id,
        "profileId": root,
        "status": row.status if row else "empty",
        "lines": lines,
        "total": total(lines),
        "currency": (row.currency if row else None) or "RUB",
        "channels": list(row.channels) if row else [],
        "updatedAt": row.updated_at if row else None,
        "lastEventId": row.last_event_id if row else None,
    }


def _cart_events(
    conn: Connection, profile_ids: list[str], since: datetime
) -> dict[str, list[CartEvent]]:
    found: dict[str, list[CartEvent]] = defaultdict(list)
    for start in range(0, len(profile_ids), 500):
        rows = conn.execute(
            select(
                identities.c.profile_id,
                events.c.id,
                events.c.event,
                events.c.timestamp,
                events.c.properties,
                sources.c.kind,
            )
            .join(event_identities, event_identities.c.identity_id == identities.c.id)
            .join(events, events.c.id == event_identities.c.event_id)
            .join(sources, sources.c.id == events.c.source_id)
            .where(identities.c.profile_id.in_(profile_ids[start : start + 500]))
            .where(events.c.type == "track", events.c.event.in_(CART_EVENTS))
            .where(events.c.timestamp > since)
        )
        for r in rows:
            found[r.profile_id].append(
                CartEvent(r.id, r.event, r.timestamp, r.properties or {}, r.kind)
            )
    return found
