"""What the demo generates: payloads addressed to a source, as a client would send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from omniweave.access.model import SourceKind
from omniweave.demo.catalog import STORES

# The demo's year ends here, whatever the day it is loaded: one seed, one data set, byte for byte.
DEMO_END = datetime(2026, 11, 1, tzinfo=UTC)
DEMO_YEAR = timedelta(days=365)
DEFAULT_SEED = 42
DEFAULT_CUSTOMERS = 10_000
WORKSPACE = "default"

Kind = Literal["event", "customer", "order"]

SOURCES: dict[str, SourceKind] = {
    "site": SourceKind.SITE,
    "app": SourceKind.APP,
    **{store.code: SourceKind.POS for store in STORES},
    "crm": SourceKind.CRM,
    "loyalty": SourceKind.LOYALTY,
    "callcenter": SourceKind.CALLCENTER,
}


@dataclass(frozen=True)
class Payload:
    """One Segment message (``event``), customer record or order record, for one source."""

    source: str
    kind: Kind
    body: dict[str, Any]


@dataclass(frozen=True)
class DemoSpec:
    """Which demo: the seed fixes every value; ``customers`` scales the volume."""

    seed: int = DEFAULT_SEED
    customers: int = DEFAULT_CUSTOMERS
    end: datetime = DEMO_END

    @property
    def start(self) -> datetime:
        return self.end - DEMO_YEAR


@dataclass(frozen=True)
class DemoWorkspace:
    """Where the demo lives once loaded: its workspace and the ids of its sources by name."""

    workspace_id: int
    source_ids: dict[str, int]
