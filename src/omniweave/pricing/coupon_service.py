"""Coupon pools, code generation and issuance (API, CLI, and later a journey step)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Engine

from omniweave.core.errors import InvalidInput
from omniweave.core.time import Clock
from omniweave.identity.graph_repo import root_of
from omniweave.identity.profile_view import workspace_of
from omniweave.pricing import coupons
from omniweave.store.dialect import Dialect

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{3,64}$")]


class PoolBody(BaseModel):
    """A pool: ``max_uses`` 1 is single-use; ``per_person`` limits a person over the pool;
    ``personal`` makes an issued code valid for its owner only."""

    model_config = ConfigDict(extra="forbid")

    max_uses: Annotated[int, Field(ge=1, le=1_000_000_000)] = 1
    per_person: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    personal: bool = True
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @model_validator(mode="after")
    def _window(self) -> PoolBody:
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise ValueError("valid_until: must be after valid_from")
        return self


class CodesBody(BaseModel):
    """Either ``count`` codes generated for ``batch`` (the same batch again gives the same
    codes), or the ``codes`` given (a public code such as WELCOME10)."""

    model_config = ConfigDict(extra="forbid")

    batch: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    count: Annotated[int, Field(ge=1, le=100_000)] | None = None
    codes: Annotated[list[Code], Field(max_length=10_000)] | None = None

    @model_validator(mode="after")
    def _one(self) -> CodesBody:
        if (self.codes is None) == (self.count is None):
            raise ValueError("give either count (with batch) or codes")
        if self.count is not None and self.batch is None:
            raise ValueError("batch: count needs a batch name (it makes a retry a no-op)")
        return self


class IssueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profileId: Annotated[str, Field(min_length=1, max_length=64)]
    key: Annotated[str, Field(min_length=1, max_length=200)]  # the issue's idempotency key


class CouponService:
    def __init__(self, engine: Engine, clock: Clock, secret: bytes) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.secret = secret

    def save_pool(self, ws: int, key: str, body: PoolBody) -> dict[str, Any]:
        with self.engine.begin() as conn:
            return _public(coupons.save_pool(conn, self.dialect, ws, key, body, self.clock()))

    def pool(self, ws: int, key: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return _public(coupons.pool(conn, ws, key))

    def add_codes(self, ws: int, key: str, body: CodesBody) -> dict[str, Any]:
        """Generate or add codes; the same request again adds nothing."""
        if body.codes is not None:
            wanted = body.codes
        else:
            wanted = [
                coupons.derived_code(self.secret, ws, key, body.batch, n)
                for n in range(body.count or 0)
            ]
        with self.engine.begin() as conn:
            added = coupons.add_codes(conn, self.dialect, ws, key, wanted, self.clock())
        return {"pool": key, "codes": added}

    def issue(self, ws: int, key: str, body: IssueBody) -> dict[str, Any]:
        """One code for one person (a journey step passes its run as the key): the same key
        gives the same code."""
        with self.engine.begin() as conn:
            root = root_of(conn, body.profileId)
            if root is None or workspace_of(conn, root) != ws:
                raise InvalidInput.one("profileId", f"no profile {body.profileId!r}")
            code = coupons.derived_code(self.secret, ws, key, "issue", body.key, length=12)
            coupons.add_codes(conn, self.dialect, ws, key, [code], self.clock(), root, body.key)
        return {"pool": key, "code": code, "profileId": root}


def _public(pool: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pool.items() if not k.startswith("_")}
