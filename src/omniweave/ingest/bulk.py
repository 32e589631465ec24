"""Bulk import: a CSV or JSON Lines file of customers, orders or events, streamed into a source
in batches, one transaction each.

A bad row never stops the file: it goes to the errors file (one JSON object a line,
``{"line", "errors", "raw"}``) and the others go in. Every row ends up stored, unchanged (already
stored: re-running an import stores nothing twice) or failed. An import that stops part-way
(the database went away) is finished by running it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import orjson

from omniweave.core.errors import InvalidInput
from omniweave.ingest.bulk_columns import KINDS, Kind, check_header, csv_payloads
from omniweave.ingest.bulk_formats import ImportRow, InputFile, format_of, read_csv, read_jsonl
from omniweave.ingest.record_store import RecordOutcome
from omniweave.ingest.rows import Envelope, event_rows
from omniweave.ingest.service import IngestService

Progress = Callable[[int, int], None]  # (bytes of the file read, its size)


@dataclass(frozen=True)
class ImportReport:
    """How an import went. ``rows`` counts records: an order of several CSV lines is one."""

    kind: str
    rows: int
    stored: int
    unchanged: int  # already stored: a duplicate event, or a record with nothing new
    failed: int
    errors_path: Path | None  # None when no row failed
    seconds: float


@dataclass(frozen=True)
class BatchOutcome:
    stored: int
    unchanged: int
    failed: list[ImportRow]


def import_file(
    service: IngestService,
    workspace_id: int,
    source_id: int,
    kind: Kind,
    path: Path | str,
    *,
    fmt: str | None = None,
    errors_path: Path | str | None = None,
    batch_size: int = 1000,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import a file's rows into a source, committing every ``batch_size`` records.

    Args:
        service: where the records go.
        workspace_id: the workspace of the source.
        source_id: the source the records are stamped with (and deduplicated within).
        kind: ``customers``, ``orders`` or ``events``.
        path: the file: CSV with a header row, or JSON Lines; gzip is recognised.
        fmt: ``csv`` or ``jsonl``; by default the file's extension says.
        errors_path: where rejected rows go; by default ``<path>.errors.jsonl``. It is
            replaced on each run, and absent after a run in which nothing failed.
        batch_size: records per transaction.
        on_progress: called after each batch with the bytes read so far and the file's size.

    Returns:
        The counts, and where the errors file is when some rows failed.

    Raises:
        InvalidInput: the file cannot be imported at all (unknown format or kind, a header
            that names a column twice or lacks the key column, an errors file that cannot be
            written), before anything is stored.
    """
    started = time.monotonic()
    if kind not in KINDS:
        raise InvalidInput.one("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if batch_size < 1:
        raise InvalidInput.one("batch_size", "must be at least 1")
    path = Path(path)
    fmt = format_of(path, fmt)
    errors_path = Path(errors_path) if errors_path else path.with_name(path.name + ".errors.jsonl")
    if errors_path.resolve() == path.resolve():
        raise InvalidInput.one("errors", "the errors file cannot be the file being imported")
    stored = unchanged = 0
    with InputFile(path) as source, ErrorLog(errors_path) as log:
        rows = _rows(source, fmt, kind)
        for batch in _batches(rows, batch_size):
            good = [r for r in batch if not r.errors]
            outcome = _write(service, kind, workspace_id, source_id, good)
            failed = [r for r in batch if r.errors] + outcome.failed
            for row in sorted(failed, key=attrgetter("line")):
                log.add(row)
            stored += outcome.stored
            unchanged += outcome.unchanged
            if on_progress:
                on_progress(source.position(), source.size)
        if on_progress:
            on_progress(source.size, source.size)
    return ImportReport(
        kind=kind,
        rows=stored + unchanged + log.count,
        stored=stored,
        unchanged=unchanged,
        failed=log.count,
        errors_path=errors_path if log.count else None,
        seconds=round(time.monotonic() - started, 3),
    )


class ErrorLog:
    """The errors file. It is opened before the first row is read, so an unwritable place
    stops the import before anything is stored, and removed at the end if no row failed, so
    its presence always means the last run had failures."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        try:
            self._file: IO[bytes] = open(path, "wb")  # noqa: SIM115 (closed by __exit__)
        except OSError as exc:
            raise InvalidInput.one("errors", f"cannot write {path}: {exc.strerror}") from None

    def add(self, row: ImportRow) -> None:
        entry = {"line": row.line, "errors": [e.as_dict() for e in row.errors], "raw": row.raw}
        self._file.write(orjson.dumps(entry, default=str, option=orjson.OPT_APPEND_NEWLINE))
        self.count += 1

    def __enter__(self) -> ErrorLog:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._file.close()
        if not self.count:
            self.path.unlink(missing_ok=True)


def _rows(source: InputFile, fmt: str, kind: Kind) -> Iterator[ImportRow]:
    """The file's records with their payloads; for CSV the header is read (and checked) now."""
    if fmt == "jsonl":
        return read_jsonl(source.stream)
    table = read_csv(source.text())
    check_header(kind, table.header)
    return csv_payloads(kind, table.rows)


def _batches(rows: Iterable[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _write(
    service: IngestService, kind: Kind, workspace_id: int, source_id: int, rows: list[ImportRow]
) -> BatchOutcome:
    if kind == "events":
        return _write_events(service, workspace_id, source_id, rows)
    if not rows:
        return BatchOutcome(0, 0, [])
    store = service.customers if kind == "customers" else service.orders
    results = store(workspace_id, source_id, [r.value for r in rows], origin="import")
    return _record_outcome(rows, results)


def _write_events(
    service: IngestService, workspace_id: int, source_id: int, rows: list[ImportRow]
) -> BatchOutcome:
    """Each message is validated on its own (``event_rows`` refuses a whole list for one bad
    message), then the good ones are appended together."""
    envelope = Envelope(workspace_id, source_id, service.clock(), origin="import")
    good: list[dict[str, Any]] = []
    failed: list[ImportRow] = []
    for row in rows:
        try:
            good.extend(event_rows([row.value], envelope, service.limits, ""))
        except InvalidInput as exc:
            failed.append(replace(row, errors=tuple(exc.errors)))
    if not good:
        return BatchOutcome(0, 0, failed)
    appended = service.append(good)
    return BatchOutcome(appended.stored, appended.duplicates, failed)


def _record_outcome(
    rows: list[ImportRow], results: list[RecordOutcome | InvalidInput]
) -> BatchOutcome:
    stored = unchanged = 0
    failed = []
    for row, result in zip(rows, results, strict=True):
        if isinstance(result, InvalidInput):
            failed.append(replace(row, errors=tuple(result.errors)))
        elif result.status == "unchanged":
            unchanged += 1
        else:
            stored += 1
    return BatchOutcome(stored, unchanged, failed)
