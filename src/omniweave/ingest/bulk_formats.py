"""Reading an import file as a stream of rows: CSV or JSON Lines, plain or gzip.

Nothing here holds more than one row (and the reader's buffer) in memory, so a file of a
million rows imports in the memory of one batch. Every row carries the line it starts on, so
the errors file can point at it, and a row that cannot be read is yielded with its errors
instead of stopping the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from omniweave.core.errors import FieldError, InvalidInput

Format = Literal["csv", "jsonl"]
FORMATS: tuple[str, ...] = ("csv", "jsonl")
_EXTENSIONS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
# Bytes that are not UTF-8 arrive as lone surrogates (the text is read with surrogateescape).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
# A gzip file that is cut short or corrupt raises one of these part-way through.
_DAMAGED = (EOFError, gzip.BadGzipFile, zlib.error)
_NUL = "a NUL character (\\u0000), which the store cannot hold"


@dataclass(frozen=True)
class ImportRow:
    """One row of the file on its way in: the line it starts on, what the file said (``raw``,
    what the errors file shows), what the import reads from it (``value``), and, when it cannot
    go in, why (``errors``)."""

    line: int
    raw: Any
    value: Any
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class CsvTable:
    header: list[str]
    rows: Iterator[ImportRow]


def format_of(path: Path, fmt: str | None = None) -> Format:
    """The format asked for, else the one the file's extension names (through a ``.gz``)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InvalidInput.one("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
        return fmt  # type: ignore[return-value]
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    found = _EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if found is None:
        raise InvalidInput.one(
            "format",
            f"cannot tell the format of {path.name}: name it .csv, .jsonl or .ndjson "
            "(optionally .gz), or give the format",
        )
    return found


class InputFile:
    """An open import file: its decompressed bytes, and how far into the file on disk the
    reading is (for gzip, the compressed position: what a progress bar can compare to the
    size). Gzip is recognised by its magic bytes, whatever the name."""

    def __init__(self, path: Path) -> None:
        self.size = os.path.getsize(path)
        self._disk = open(path, "rb")  # noqa: SIM115 (closed by close())
        compressed = self._disk.peek(2)[:2] == _GZIP_MAGIC
        self.stream: IO[bytes] = gzip.GzipFile(fileobj=self._disk) if compressed else self._disk

    def position(self) -> int:
        return self._disk.tell()

    def text(self) -> io.TextIOWrapper:
        """The content as text for the csv module: a BOM is dropped, and bytes that are not
        UTF-8 survive as surrogates so the row holding them is reported, not the file."""
        return io.TextIOWrapper(
            self.stream, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )

    def close(self) -> None:
        self.stream.close()
        self._disk.close()

    def __enter__(self) -> InputFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def read_jsonl(lines: Iterable[bytes]) -> Iterator[ImportRow]:
    """One JSON value a line; blank lines are skipped, a line that is not JSON is reported."""
    number = 0
    try:
        for number, text in enumerate(lines, 1):
            if number == 1:
                text = text.removeprefix(_BOM)
            if not text.strip():
                continue
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                shown = text.decode("utf-8", "replace").rstrip("\r\n")
                yield ImportRow(number, shown, None, (FieldError("row", f"not valid JSON: {exc}"),))
                continue
            if b"\\u0000" in text and _holds_nul(value):
                yield ImportRow(number, value, None, (FieldError("row", f"holds {_NUL}"),))
                continue
            yield ImportRow(number, value, value)
    except _DAMAGED as exc:
        yield _damaged(number + 1, exc)


def read_csv(lines: Iterable[str]) -> CsvTable:
    """The header (the first non-blank line), then each row as ``{column: cell}``.

    Raises:
        InvalidInput: the header names a column twice (which of the two would a cell mean?).
    """
    reader = csv.reader(lines)
    header: list[str] = []
    for cells in reader:
        if cells:
            header = [name.strip() for name in cells]
            break
    named = [name for name in header if name]
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        raise InvalidInput.one("header", f"names these columns more than once: {', '.join(twice)}")
    return CsvTable(header, _csv_rows(reader, header))


def _csv_rows(reader: Any, header: list[str]) -> Iterator[ImportRow]:
    while True:
        line = reader.line_num + 1  # where the next row starts (the header is line 1)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ImportRow(line, None, None, (FieldError("row", f"not readable as CSV: {exc}"),))
            continue
        except _DAMAGED as exc:
            yield _damaged(line, exc)
            return
        if cells:
            yield _csv_row(line, cells, header)


def _csv_row(line: int, cells: list[str], header: list[str]) -> ImportRow:
    joined = "\x1f".join(cells)
    errors: list[FieldError] = []
    if not joined.isascii() and _NOT_UTF8.search(joined):
        cells = [c.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for c in cells]
        errors.append(FieldError("row", "is not valid UTF-8"))
    if "\x00" in joined:
        errors.append(FieldError("row", f"holds {_NUL}"))
    if len(cells) != len(header):
        message = f"has {len(cells)} columns, the header has {len(header)}"
        errors.append(FieldError("row", message))
        return ImportRow(line, cells, dict(zip(header, cells, strict=False)), tuple(errors))
    row = dict(zip(header, cells, strict=True))
    return ImportRow(line, row, row, tuple(errors))


def _damaged(line: int, exc: BaseException) -> ImportRow:
    """The rest of the file cannot be read: one error where the damage starts, and the end."""
    return ImportRow(line, None, None, (FieldError("file", f"damaged gzip data: {exc}"),))


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
