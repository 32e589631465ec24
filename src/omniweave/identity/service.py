"""Identity use cases for the API and the CLI: look a person up, show, split."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from omniweave.core.errors import InvalidInput, NotFound
from omniweave.core.time import Clock
from omniweave.identity import profile_view
from omniweave.identity.extract import normalised
from omniweave.identity.graph_repo import root_of
from omniweave.identity.model import IdentityRules
from omniweave.identity.reviews import Proposal, Thresholds, decide, propose, reviews
from omniweave.identity.split import split
from omniweave.store.dialect import Dialect


class IdentityService:
    def __init__(
        self,
        engine: Engine,
        rules: IdentityRules,
        clock: Clock,
        source_priority: Sequence[str] = (),
        on_changed: Callable[[Connection, list[str]], object] | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.rules = rules
        self.clock = clock
        self.source_priority = tuple(source_priority)
        # Called, inside the transaction, with the profiles a split or a merge outside the log
        # changed (what derives from profiles, such as computed traits, recomputes them).
        self.on_changed = on_changed or (lambda _conn, _ids: None)

    def _root(self, conn: Any, workspace_id: int, profile_id: str) -> str:
        root = root_of(conn, profile_id)
        if root is None or profile_view.workspace_of(conn, root) != workspace_id:
            raise NotFound(f"no profile {profile_id!r}")
        return root

    def profile(self, workspace_id: int, profile_id: str) -> dict[str, Any]:
        """The profile an id resolves to today (a merged profile's id keeps working)."""
        with self.engine.connect() as conn:
            root = self._root(conn, workspace_id, profile_id)
            found = profile_view.profile(conn, root, self.source_priority)
        return {"requestedId": profile_id, **found}

    def lookup(self, workspace_id: int, param: str, raw: str) -> dict[str, Any]:
        """Find a profile by any identifier, written any way a source would write it."""
        kind = profile_view.LOOKUP_TYPES[param]
        ident = normalised(kind, raw, self.rules)
        if not ident.valid and ident.reason and "undeclared" not in ident.reason:
            raise InvalidInput.one(param, f"{raw!r} cannot identify anyone: {ident.reason}")
        with self.engine.connect() as conn:
            root = profile_view.find_by_identifier(conn, workspace_id, kind, ident.value)
        if root is None:
            raise NotFound(f"no profile with {param} {raw!r}")
        return self.profile(workspace_id, root)

    def events(
        self, workspace_id: int, profile_id: str, before_id: int | None, limit: int
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            root = self._root(conn, workspace_id, profile_id)
            page = profile_view.timeline(conn, root, before_id=before_id, limit=limit)
        return {"profile": root, "events": page, "next": page[-1]["id"] if page else None}

    def split(
        self, workspace_id: int, profile_id: str, merge_id: int | None, reason: str | None
    ) -> dict[str, Any]:
        with self.engine.begin() as conn:
            self._root(conn, workspace_id, profile_id)
            result = split(
                conn,
                self.dialect,
                profile_id,
                now=self.clock(),
                merge_id=merge_id,
                reason=reason or "split by an operator",
            )
            self.on_changed(conn, [result["profile"], result["restored"]])
        return result

    def propose(self, proposals: list[Proposal], thresholds: Thresholds) -> dict[str, int]:
        """Apply the matcher's proposals: merge, queue for review, or ignore each."""
        outcome: dict[str, int] = {"merged": 0, "review": 0, "ignored": 0}
        with self.engine.begin() as conn:
            for proposal in proposals:
                verdict = propose(
                    conn, self.dialect, self.rules, proposal, thresholds, self.clock()
                )
                outcome[verdict] += 1
        return outcome

    def reviews(self, workspace_id: int, status: str, limit: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return reviews(conn, workspace_id, status, limit)

    def decide(self, workspace_id: int, review_id: int, approve: bool, by: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            result = decide(
                conn, self.dialect, self.rules, workspace_id, review_id, approve, by, self.clock()
            )
            if "merged" in result:
                self.on_changed(conn, [result["merged"]])
        return result
