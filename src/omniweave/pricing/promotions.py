"""Promotions declared by API or ``omniweave apply -f``: versions, in force at the next call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from omniweave.core.time import Clock
from omniweave.pricing import promotion_repo
from omniweave.pricing.model import parse
from omniweave.store.dialect import Dialect


class PromotionService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock

    def put(self, ws: int, key: str | None, document: Any) -> dict[str, Any]:
        """Save a definition as the current version (the same one again changes nothing); a
        wrong definition is a 400 naming every wrong field."""
        promo = parse(document, key)
        with self.engine.begin() as conn:
            return promotion_repo.put(conn, self.dialect, ws, promo, self.clock())

    def get(self, ws: int, key: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return promotion_repo.get(conn, ws, key)

    def list(self, ws: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return promotion_repo.listing(conn, ws)

    def delete(self, ws: int, key: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            return promotion_repo.delete(conn, self.dialect, ws, key, self.clock())
