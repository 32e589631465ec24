"""Reading import files: every row knows its line, and a bad row is reported, not fatal."""

from __future__ import annotations

import gzip
import io
import types
from pathlib import Path

import pytest

from omniweave.core.errors import InvalidInput
from omniweave.ingest.bulk_formats import InputFile, format_of, read_csv, read_jsonl


def csv_rows(text: str) -> list:
    return list(read_csv(io.StringIO(text, newline="")).rows)


def csv_file_rows(tmp_path: Path, data: bytes) -> tuple[list[str], list]:
    """The header and rows of a file holding ``data``, read as an import reads it."""
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    with InputFile(path) as source:
        table = read_csv(source.text())
        return table.header, list(table.rows)


def jsonl_rows(text: bytes) -> list:
    return list(read_jsonl(io.BytesIO(text)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.csv", "csv"),
        ("a.CSV.gz", "csv"),
        ("a.jsonl", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("dump.2024.ndjson", "jsonl"),
        ("a.ndjson.gz", "jsonl"),
    ],
)
def test_the_extension_names_the_format(name, expected):
    assert format_of(Path(name)) == expected


def test_an_unknown_extension_needs_the_format_given():
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        format_of(Path("export.txt"))
    assert format_of(Path("export.txt"), "jsonl") == "jsonl"
    with pytest.raises(InvalidInput, match="not one of"):
        format_of(Path("a.csv"), "xml")


def test_csv_rows_carry_the_line_they_start_on():
    text = 'id,note\n1,plain\n\n2,"two\nlines"\n3,after\n'
    rows = csv_rows(text)
    assert [(r.line, r.value) for r in rows] == [
        (2, {"id": "1", "note": "plain"}),
        (4, {"id": "2", "note": "two\nlines"}),
        (6, {"id": "3", "note": "after"}),
    ]


def test_a_csv_row_with_the_wrong_number_of_columns_is_reported_with_its_cells():
    (short, good, long) = csv_rows("a,b,c\n1,2\n1,2,3\n1,2,3,4\n")
    assert short.line == 2 and short.raw == ["1", "2"]
    assert short.errors[0].message == "has 2 columns, the header has 3"
    assert short.value == {"a": "1", "b": "2"}  # best effort, so an order line can be grouped
    assert not good.errors
    assert long.errors[0].message == "has 4 columns, the header has 3"


def test_bytes_that_are_not_utf8_fail_their_row_only(tmp_path):
    data = "name,city\r\nÅsa,Malmö\r\n".encode() + b"bad,\xff\xfe\r\nok,Perm\r\n"
    _, rows = csv_file_rows(tmp_path, data)
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].value == {"name": "Åsa", "city": "Malmö"} and not rows[0].errors
    assert rows[1].errors[0].message == "is not valid UTF-8"
    assert rows[1].raw == {"name": "bad", "city": "\ufffd\ufffd"}  # printable in the errors file
    assert not rows[2].errors


def test_a_bom_and_padded_header_names_are_ignored(tmp_path):
    header, _ = csv_file_rows(tmp_path, "\ufeff customer_id , email\nc-1,a@b.com\n".encode())
    assert header == ["customer_id", "email"]


def test_a_header_naming_a_column_twice_is_refused():
    with pytest.raises(InvalidInput, match="more than once: email"):
        read_csv(io.StringIO("email,phone,email\n"))
    assert read_csv(io.StringIO("a,,\n")).header == ["a", "", ""]  # blank names are ignored


def test_a_nul_character_is_refused_on_every_backend():
    (row,) = csv_rows("a,b\nx\x00y,z\n")
    assert "NUL" in row.errors[0].message
    (line,) = jsonl_rows(b'{"userId": "a\\u0000b"}\n')
    assert "NUL" in line.errors[0].message


def test_an_oversized_csv_field_fails_its_row_and_reading_goes_on():
    big = "x" * 200_000
    rows = csv_rows(f"a,b\n1,2\n{big},3\n4,5\n")
    assert [r.line for r in rows] == [2, 3, 4]
    assert "not readable as CSV" in rows[1].errors[0].message
    assert rows[2].value == {"a": "4", "b": "5"}


def test_jsonl_reports_lines_that_are_not_json_and_skips_blank_ones():
    rows = jsonl_rows(b'\xef\xbb\xbf{"a": 1}\n\n{"a": \n[1, 2]\n{"a": 3}\r\n')
    assert [r.line for r in rows] == [1, 3, 4, 5]
    assert rows[0].value == {"a": 1}
    assert rows[1].raw == '{"a": ' and "not valid JSON" in rows[1].errors[0].message
    assert rows[2].value == [1, 2] and not rows[2].errors  # the kind's model says "not an object"
    assert rows[3].value == {"a": 3}


def test_readers_are_lazy_generators():
    """Nothing is read ahead: a file is a stream of rows, never a list of them."""
    assert isinstance(read_jsonl(io.BytesIO(b"{}\n")), types.GeneratorType)
    assert isinstance(read_csv(io.StringIO("a\n1\n")).rows, types.GeneratorType)


def test_gzip_is_recognised_by_its_bytes_and_progress_is_the_compressed_position(tmp_path):
    path = tmp_path / "events.data"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' * 50_000))
    with InputFile(path) as source:
        assert source.position() == 0
        rows = read_jsonl(source.stream)
        assert next(rows).value == {"a": 1}
        assert 0 < source.position() <= source.size
        assert sum(1 for _ in rows) == 49_999
        assert source.position() == source.size


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_truncated_gzip_ends_with_one_error_row(tmp_path, fmt):
    path = tmp_path / f"cut.{fmt}.gz"
    lines = [b'{"n": %d}\n' % i for i in range(20_000)]
    if fmt == "csv":
        lines = [b"n\n"] + [b"%d\n" % i for i in range(1, 50_000)]
    whole = gzip.compress(b"".join(lines))
    path.write_bytes(whole[: len(whole) // 2])
    with InputFile(path) as source:
        rows = list(read_jsonl(source.stream) if fmt == "jsonl" else read_csv(source.text()).rows)
    *good, last = rows
    assert all(not r.errors for r in good) and len(good) > 1000
    assert last.line == len(good) + 1 + (fmt == "csv")  # after the header, for CSV
    assert last.errors[0].field == "file" and "damaged gzip" in last.errors[0].message
