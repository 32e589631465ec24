"""The whole profile: who the person is (identity), what they do (computed traits) and whom a
message may reach on which channel (consents and reachability), in one answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from omniweave.core.time import Clock
from omniweave.identity.service import IdentityService
from omniweave.profiles.consent_service import ConsentService
from omniweave.profiles.consent_view import consent_view
from omniweave.profiles.traits_service import TraitUpdater, traits_view


class ProfileService:
    def __init__(
        self,
        engine: Engine,
        identity: IdentityService,
        traits: TraitUpdater,
        consents: ConsentService,
        clock: Clock,
    ) -> None:
        self.engine = engine
        self.identity = identity
        self.traits = traits
        self.consents = consents
        self.clock = clock

    def profile(self, workspace_id: int, profile_id: str) -> dict[str, Any]:
        return self._complete(self.identity.profile(workspace_id, profile_id))

    def lookup(self, workspace_id: int, param: str, raw: str) -> dict[str, Any]:
        return self._complete(self.identity.lookup(workspace_id, param, raw))

    def _complete(self, found: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        with self.engine.connect() as conn:
            computed = traits_view(conn, found["id"], now, self.traits.catalog)
            consent = consent_view(conn, found["id"], now, self.consents.policy)
        return {
            **found,
            "computedTraits": computed,
            "consents": consent["consents"],
            "consentHistory": consent["history"],
            "reachability": consent["reachability"],
        }
