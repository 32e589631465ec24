"""Privacy use cases for the API and the CLI: export a person, erase a person, and the guard
that keeps erased identifiers from bringing a person back through native records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from omniweave.core.errors import NotFound
from omniweave.core.time import Clock
from omniweave.identity import erasures
from omniweave.identity.extract import identifiers_of
from omniweave.identity.model import IdentityRules
from omniweave.ingest.record_store import Prepared
from omniweave.privacy import erase, export, people
from omniweave.profiles.service import ProfileService
from omniweave.store.dialect import Dialect


class PrivacyService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        profiles: ProfileService,
        rules: IdentityRules,
        key: bytes,
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.profiles = profiles
        self.rules = rules
        self.key = key

    def export(self, workspace_id: int, profile_id: str) -> dict[str, Any]:
        """Everything stored about the person behind a profile id, as one document.

        Raises:
            NotFound: no such profile in the workspace (or it was erased).
        """
        view = self.profiles.profile(workspace_id, profile_id)
        with self.engine.connect() as conn:
            person = people.find(conn, workspace_id, profile_id, self.key)
            if person is None:
                raise NotFound(f"no profile {profile_id!r}")
            found = export.document(conn, person, view)
        return {"exportedAt": self.clock(), **found}

    def erase(self, workspace_id: int, profile_id: str, requested_by: str) -> dict[str, Any]:
        """Erase the person (with every profile merged into it); a repeat changes nothing and
        answers with the first erasure.

        Raises:
            NotFound: no such profile in the workspace, and none erased under that id.
        """
        with self.engine.begin() as conn:
            done = erase.erase(
                conn, self.dialect, workspace_id, profile_id, self.key, requested_by, self.clock()
            )
        if done is None:
            raise NotFound(f"no profile {profile_id!r}")
        return done

    def guard_records(self, conn: Connection, workspace_id: int, prepared: list[Prepared]) -> None:
        """Scrub, before they are stored, the records that carry an erased identifier."""
        found = [(p, identifiers_of(p.row, self.rules)) for p in prepared]
        keys = {i.key for _, idents in found for i in idents if i.valid}
        erased = erasures.erased_among(conn, self.key, workspace_id, keys)
        if not erased:
            return
        for p, idents in found:
            if any(i.key in erased for i in idents):
                row = p.row
                row.update(
                    erasures.scrubbed_event(
                        self.key,
                        row.get("user_id"),
                        row.get("anonymous_id"),
                        row.get("previous_id"),
                    )
                )
                own = getattr(p.record, "customerId", None) or getattr(p.record, "orderId", "")
                p.erased = erasures.token(self.key, str(own))
