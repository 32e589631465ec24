"""Scopes, key secrets and the principal a request acts as. Pure: randomness is passed in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    WRITE = "write"  # ingest only: /v1/*, POST /api/customers, POST /api/orders
    READ = "read"  # GET on /api
    ADMIN = "admin"  # everything, including keys and sources


class SourceKind(StrEnum):
    SITE = "site"
    APP = "app"
    POS = "pos"
    CRM = "crm"
    LOYALTY = "loyalty"
    CALLCENTER = "callcenter"
    MARKETPLACE = "marketplace"
    MESSENGER = "messenger"
    SERVER = "server"
    IMPORT = "import"


_PREFIX = {Scope.WRITE: "ow_w_", Scope.READ: "ow_r_", Scope.ADMIN: "ow_a_"}


def new_secret(scope: Scope, token: str) -> str:
    """A key's secret: a readable scope prefix and a random token (from ``secrets``)."""
    return _PREFIX[scope] + token


def hash_secret(secret: str) -> str:
    """Keys are long random tokens, so one SHA-256 is enough (a slow KDF guards weak passwords)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    return secret[:12]


@dataclass(frozen=True)
class Principal:
    """What a verified key allows: its workspace, its source (write keys have one), its scope."""

    key_id: int
    workspace_id: int
    scope: Scope
    source_id: int | None = None
    name: str = ""  # the key's label, for the audit log
    rate_per_second: float | None = None  # this key's ingestion limit, over the default
    rate_burst: int | None = None

    @property
    def actor(self) -> str:
        """Who, in the audit log: the key's id and label (never its secret)."""
        return f"key:{self.key_id} ({self.name})" if self.name else f"key:{self.key_id}"

    def allows(self, needed: Scope) -> bool:
        return self.scope is Scope.ADMIN or self.scope is needed
