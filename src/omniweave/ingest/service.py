"""Ingestion use cases: validate, derive rows, append idempotently, commit, then answer.

A method returns only after its transaction committed: a 2xx built on its result means the
events are durable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine

from omniweave.core.errors import InvalidInput
from omniweave.core.time import Clock, as_utc
from omniweave.ingest import metrics
from omniweave.ingest.record_store import (
    Prepared,
    RecordOutcome,
    prepare_customer,
    prepare_order,
    write_customers,
    write_orders,
)
from omniweave.ingest.repo import append_events
from omniweave.ingest.rows import Envelope, Limits, event_rows, unique_by_message_id
from omniweave.ingest.segment import Batch, pydantic_errors
from omniweave.store.dialect import Dialect


@dataclass(frozen=True)
class Appended:
    received: int
    stored: int

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


# Looks at records about to be written, in their transaction (privacy: a record carrying an
# erased person's identifier is scrubbed before it is stored).
RecordGuard = Callable[[Connection, int, list[Prepared]], None]


class IngestService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        limits: Limits | None = None,
        guard: RecordGuard | None = None,
    ) -> None:
        self.engine = engine
        self.dialect = Dialect.of(engine)
        self.clock = clock
        self.limits = limits or Limits()
        self.guard = guard

    # --- Segment Tracking API -------------------------------------------------------------

    def batch(self, workspace_id: int, source_id: int, payload: Any) -> Appended:
        """``POST /v1/batch``: all the batch's messages, or none of them."""
        return self.append(self.batch_rows(workspace_id, source_id, payload))

    def message(self, workspace_id: int, source_id: int, kind: str, payload: Any) -> Appended:
        """``POST /v1/{kind}``: one message; the path gives its type."""
        return self.append(self.message_rows(workspace_id, source_id, kind, payload))

    def batch_rows(self, workspace_id: int, source_id: int, payload: Any) -> list[dict[str, Any]]:
        """The rows a batch appends, or an ``InvalidInput`` naming every wrong field."""
        if not isinstance(payload, dict):
            raise InvalidInput.one("body", "a batch must be a JSON object with a 'batch' list")
        try:
            batch = Batch.model_validate(payload)
        except ValidationError as exc:
            raise InvalidInput(pydantic_errors(exc)) from None
        envelope = Envelope(
            workspace_id,
            source_id,
            self.clock(),
            sent_at=as_utc(batch.sentAt) if batch.sentAt else None,
            context=batch.context,
        )
        return event_rows(batch.batch, envelope, self.limits)

    def message_rows(
        self, workspace_id: int, source_id: int, kind: str, payload: Any
    ) -> list[dict[str, Any]]:
        if not isinstance(payload, dict):
            raise InvalidInput.one("body", "a message must be a JSON object")
        if payload.get("type", kind) != kind:
            raise InvalidInput.one("type", f"is {payload['type']!r} but the path says {kind!r}")
        envelope = Envelope(workspace_id, source_id, self.clock())
        return event_rows([{**payload, "type": kind}], envelope, self.limits, "")

    def append(self, rows: list[dict[str, Any]]) -> Appended:
        """Append prepared rows in one transaction (bulk import uses this directly)."""
        with self.engine.begin() as conn:
            new = append_events(conn, self.dialect, unique_by_message_id(rows))
        metrics.count_outcomes(rows, new)
        return Appended(len(rows), len(new))

    # --- native records -------------------------------------------------------------------

    def customer(self, workspace_id: int, source_id: int, payload: Any) -> RecordOutcome:
        """Upsert a customer record keyed by the caller's ``customerId``."""
        return _only(self.customers(workspace_id, source_id, [payload]))

    def order(self, workspace_id: int, source_id: int, payload: Any) -> RecordOutcome:
        """Record an order, or a change of its status, keyed by the caller's ``orderId``."""
        return _only(self.orders(workspace_id, source_id, [payload]))

    def customers(
        self, workspace_id: int, source_id: int, payloads: list[Any], origin: str = "record"
    ) -> list[RecordOutcome | InvalidInput]:
        """Many customer records in one transaction; a bad one is reported, not stored, and
        does not stop the others. ``origin`` says how they came (record, import, demo)."""
        return self._records(
            workspace_id, source_id, payloads, origin, prepare_customer, write_customers
        )

    def orders(
        self, workspace_id: int, source_id: int, payloads: list[Any], origin: str = "record"
    ) -> list[RecordOutcome | InvalidInput]:
        return self._records(workspace_id, source_id, payloads, origin, prepare_order, write_orders)

    def _records(self, workspace_id, source_id, payloads, origin, prepare, write):
        envelope = Envelope(workspace_id, source_id, self.clock(), origin=origin)
        results: list[Prepared | InvalidInput] = []
        for payload in payloads:
            try:
                results.append(prepare(payload, envelope, self.limits))
            except InvalidInput as exc:
                results.append(exc)
        good = [r for r in results if isinstance(r, Prepared)]
        with self.engine.begin() as conn:
            if self.guard is not None and good:
                self.guard(conn, workspace_id, good)
            outcomes, new = write(conn, self.dialect, good)
        metrics.count_outcomes([p.row for p in good], new)
        done = iter(outcomes)
        return [r if isinstance(r, InvalidInput) else next(done) for r in results]


def _only(results: list[RecordOutcome | InvalidInput]) -> RecordOutcome:
    (result,) = results
    if isinstance(result, InvalidInput):
        raise result
    return result
