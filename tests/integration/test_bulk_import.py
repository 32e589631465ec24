"""``omniweave import``: CSV and JSON Lines files of customers, orders and events, streamed into a
real store (SQLite and PostgreSQL), bad rows set aside with their line numbers."""

from __future__ import annotations

import gzip
import tracemalloc
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from omniweave.cli import context
from omniweave.cli.app import app
from omniweave.core.errors import InvalidInput
from omniweave.ingest.bulk import ImportReport, import_file
from omniweave.store.tables import customer_records, events, orders

CUSTOMERS_CSV = """\
customer_id,email,phone,loyalty_card,first_name,id:vk,updated_at
c-1,kolya@example.com,+7 916 123-45-67,LC-1,Kolya,vk-1,2024-05-01T10:00:00Z
c-2,masha@example.com,,,Masha,,
"""
CUSTOMERS_JSONL = b"""\
{"customerId": "c-1", "email": "kolya@example.com", "traits": {"firstName": "Kolya"}}
{"customerId": "c-2", "phone": "+79161234568", "identifiers": {"vk": "vk-2"}}
"""
ORDERS_CSV = """\
order_id,channel,store,status,payment_status,placed_at,email,sku,name,quantity,price,line_discount
o-1,pos,perm-1,paid,paid,2024-05-01T10:00:00Z,kolya@example.com,pepperoni-30,Pepperoni,2,549,50
o-1,,,,,,,cola,Cola,1,99,
o-2,site,,created,pending,2024-05-01T11:00:00Z,masha@example.com,margherita-30,Margherita,1,449,
"""
ORDERS_JSONL = b"""\
{"orderId": "o-1", "channel": "app", "customer": {"userId": "u-1"}, \
"lines": [{"sku": "cola", "quantity": 2, "price": 99}]}
{"orderId": "o-2", "channel": "pos", "store": "perm-1", "customer": {"loyaltyCard": "LC-1"}, \
"lines": [{"sku": "pepperoni-30", "quantity": 1, "price": 549}], "status": "paid"}
"""
EVENTS_CSV = """\
type,event,user_id,anonymous_id,message_id,timestamp,properties,properties.sku
track,Product Viewed,u-1,,m-1,2024-05-01T10:00:00Z,"{""price"": 549}",pepperoni-30
identify,,u-1,,,2024-05-01T10:01:00Z,,
page,,,a-1,,2024-05-01T10:02:00Z,,
"""
EVENTS_JSONL = b"""\
{"type": "track", "event": "Cart Viewed", "userId": "u-1", "timestamp": "2024-05-01T10:00:00Z"}
{"type": "identify", "anonymousId": "a-1", "traits": {"email": "kolya@example.com"}}
"""
SAMPLES = {
    ("customers", "csv"): (CUSTOMERS_CSV.encode(), 2),
    ("customers", "jsonl"): (CUSTOMERS_JSONL, 2),
    ("orders", "csv"): (ORDERS_CSV.encode(), 2),
    ("orders", "jsonl"): (ORDERS_JSONL, 2),
    ("events", "csv"): (EVENTS_CSV.encode(), 3),
    ("events", "jsonl"): (EVENTS_JSONL, 2),
}


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    data = content.encode() if isinstance(content, str) else content
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def run(container, tenant, kind: str, path: Path, **options) -> ImportReport:
    return import_file(container.ingest, tenant.workspace_id, tenant.site_id, kind, path, **options)


def errors_in(report: ImportReport) -> list[dict]:
    assert report.errors_path is not None
    return [orjson.loads(line) for line in report.errors_path.read_bytes().splitlines()]


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def rows_of(engine, table) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


# --- each kind, each format ------------------------------------------------------------------


def test_customers_csv_columns_become_identifiers_and_traits(container, tenant, tmp_path):
    report = run(container, tenant, "customers", write(tmp_path, "c.csv", CUSTOMERS_CSV))
    assert (report.rows, report.stored, report.unchanged, report.failed) == (2, 2, 0, 0)
    assert report.errors_path is None
    kolya, masha = rows_of(container.engine, customer_records)
    assert kolya.external_id == "c-1" and kolya.source_id == tenant.site_id
    assert kolya.identifiers == {
        "email": "kolya@example.com",
        "phone": "+7 916 123-45-67",
        "loyaltyCard": "LC-1",
        "identifiers": {"vk": "vk-1"},
    }
    assert kolya.traits == {"firstName": "Kolya"}
    assert kolya.updated_at.isoformat().startswith("2024-05-01T10:00:00")
    assert masha.identifiers == {"email": "masha@example.com", "identifiers": {}}
    identifies = rows_of(container.engine, events)
    assert [e.type for e in identifies] == ["identify", "identify"]
    assert {"type": "customer_id", "id": "c-1"} in identifies[0].context["externalIds"]


def test_customers_jsonl_lines_are_api_bodies(container, tenant, tmp_path):
    report = run(container, tenant, "customers", write(tmp_path, "c.ndjson", CUSTOMERS_JSONL))
    assert (report.rows, report.stored, report.failed) == (2, 2, 0)
    _, masha = rows_of(container.engine, customer_records)
    assert masha.identifiers == {"phone": "+79161234568", "identifiers": {"vk": "vk-2"}}


def test_orders_csv_lines_of_one_order_are_grouped(container, tenant, tmp_path):
    report = run(container, tenant, "orders", write(tmp_path, "o.csv", ORDERS_CSV))
    assert (report.rows, report.stored, report.failed) == (2, 2, 0)
    first, second = rows_of(container.engine, orders)
    assert first.order_id == "o-1" and first.store == "perm-1" and first.status == "paid"
    assert [line["sku"] for line in first.lines] == ["pepperoni-30", "cola"]
    assert first.total == Decimal("1147.00")  # 2 x 549 - 50 + 99
    assert first.customer == {"email": "kolya@example.com", "identifiers": {}}
    assert second.order_id == "o-2" and second.channel == "site" and second.total == 449


def test_a_later_row_with_the_same_order_id_is_a_new_version(container, tenant, tmp_path):
    text = ORDERS_CSV + (
        "o-1,pos,perm-1,delivered,paid,2024-05-01T10:00:00Z,kolya@example.com,"
        "pepperoni-30,Pepperoni,2,549,50\n"
    )
    report = run(container, tenant, "orders", write(tmp_path, "o.csv", text))
    assert (report.rows, report.stored) == (3, 3)
    first, _ = rows_of(container.engine, orders)
    assert first.status == "delivered" and len(first.lines) == 1
    assert [e.event for e in rows_of(container.engine, events)] == [
        "Order Completed",
        "Order Completed",
        "Order Updated",
    ]


def test_orders_jsonl_lines_are_api_bodies(container, tenant, tmp_path):
    report = run(container, tenant, "orders", write(tmp_path, "o.jsonl", ORDERS_JSONL))
    assert (report.rows, report.stored, report.failed) == (2, 2, 0)
    assert {o.order_id: o.total for o in rows_of(container.engine, orders)} == {
        "o-1": Decimal("198.00"),
        "o-2": Decimal("549.00"),
    }


def test_events_csv_rows_become_segment_messages(container, tenant, tmp_path):
    report = run(container, tenant, "events", write(tmp_path, "e.csv", EVENTS_CSV))
    assert (report.rows, report.stored, report.failed) == (3, 3, 0)
    track, identify, page = rows_of(container.engine, events)
    assert (track.type, track.event, track.user_id, track.message_id) == (
        "track",
        "Product Viewed",
        "u-1",
        "m-1",
    )
    assert track.properties == {"price": 549, "sku": "pepperoni-30"}
    assert track.origin == "import" and track.source_id == tenant.site_id
    assert track.timestamp.isoformat().startswith("2024-05-01T10:00:00")
    assert identify.type == "identify" and identify.message_id.startswith("ow-")
    assert page.type == "page" and page.anonymous_id == "a-1"


def test_events_jsonl_lines_are_segment_messages(container, tenant, tmp_path):
    report = run(container, tenant, "events", write(tmp_path, "e.jsonl", EVENTS_JSONL))
    assert (report.rows, report.stored, report.failed) == (2, 2, 0)
    track, identify = rows_of(container.engine, events)
    assert track.event == "Cart Viewed" and identify.traits == {"email": "kolya@example.com"}


@pytest.mark.parametrize(("kind", "fmt"), [("events", "jsonl"), ("orders", "csv")])
def test_gzipped_files_are_read_and_progress_follows_the_compressed_bytes(
    container, tenant, tmp_path, kind, fmt
):
    content, records = SAMPLES[kind, fmt]
    path = write(tmp_path, f"{kind}.{fmt}.gz", content)
    seen: list[tuple[int, int]] = []
    report = run(container, tenant, kind, path, batch_size=1, on_progress=lambda *a: seen.append(a))
    assert (report.rows, report.stored, report.failed) == (records, records, 0)
    size = path.stat().st_size
    assert len(seen) == records + 1 and {total for _, total in seen} == {size}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (size, size)


def test_the_format_option_overrides_the_extension(container, tenant, tmp_path):
    path = write(tmp_path, "export.txt", EVENTS_JSONL)
    assert run(container, tenant, "events", path, fmt="jsonl").stored == 2


# --- bad rows --------------------------------------------------------------------------------


def test_bad_csv_rows_are_set_aside_with_their_line_numbers(container, tenant, tmp_path):
    text = (
        "event,user_id,properties,timestamp\n"  # 1
        "Cart Viewed,u-1,,\n"  # 2 good
        "Cart Viewed,u-2\n"  # 3 too few columns
        'Cart Viewed,u-3,"{""note"":\n'  # 4-5 good, a cell over two lines
        '""two lines""}",\n'
        ",u-4,,\n"  # 6 a track without its event
        'Cart Viewed,u-5,"{oops",\n'  # 7 properties not JSON
        "Cart Viewed,u-6,,3024-01-01T00:00:00Z\n"  # 8 far in the future
        "Cart Viewed,u-7,,\n"  # 9 good
    )
    report = run(container, tenant, "events", write(tmp_path, "e.csv", text), batch_size=3)
    assert (report.rows, report.stored, report.failed) == (7, 3, 4)
    assert report.errors_path == tmp_path / "e.csv.errors.jsonl"
    found = errors_in(report)
    assert [(e["line"], e["errors"][0]["field"]) for e in found] == [
        (3, "row"),
        (6, "event"),
        (7, "properties"),
        (8, "timestamp"),
    ]
    assert found[0]["raw"] == ["Cart Viewed", "u-2"]
    assert found[0]["errors"][0]["message"] == "has 2 columns, the header has 4"
    assert found[1]["raw"] == {"event": "", "user_id": "u-4", "properties": "", "timestamp": ""}
    users = [e.user_id for e in rows_of(container.engine, events)]
    assert users == ["u-1", "u-3", "u-7"]


def test_bad_jsonl_lines_are_set_aside_with_their_line_numbers(container, tenant, tmp_path):
    text = (
        b'{"customerId": "c-1", "email": "kolya@example.com"}\n'  # 1 good
        b"\n"  # 2 blank
        b'{"customerId": "c-2", "email": \n'  # 3 not JSON
        b'["c-3"]\n'  # 4 not an object
        b'{"customerId": "c-4", "email": "no-at-sign", "shoeSize": 44}\n'  # 5 invalid
        b'{"customerId": "c-5", "crmId": "crm-5"}\n'  # 6 good
    )
    report = run(container, tenant, "customers", write(tmp_path, "c.jsonl", text))
    assert (report.rows, report.stored, report.failed) == (5, 2, 3)
    found = errors_in(report)
    assert [e["line"] for e in found] == [3, 4, 5]
    assert found[0]["raw"] == '{"customerId": "c-2", "email": '
    assert found[0]["errors"][0]["message"].startswith("not valid JSON")
    assert found[1]["errors"] == [{"field": "body", "message": "must be a JSON object"}]
    assert {e["field"] for e in found[2]["errors"]} == {"email", "shoeSize"}
    assert found[2]["raw"]["customerId"] == "c-4"
    ids = [r.external_id for r in rows_of(container.engine, customer_records)]
    assert ids == ["c-1", "c-5"]


def test_an_order_with_a_bad_line_is_refused_whole_at_its_first_line(container, tenant, tmp_path):
    text = (
        "order_id,channel,user_id,sku,quantity,price\n"  # 1
        "o-1,app,u-1,cola,1,99\n"  # 2 first line of o-1
        "o-1,app,u-1,pizza,lots,549\n"  # 3 its second line is wrong
        "o-2,app,u-2,cola,2,99\n"  # 4 good
        "o-3,app,u-3,cola,1\n"  # 5 a line too short
        "o-3,app,u-3,pizza,1,549\n"  # 6 ... of an order that fails whole
    )
    report = run(container, tenant, "orders", write(tmp_path, "o.csv", text))
    assert (report.rows, report.stored, report.failed) == (3, 1, 2)
    first, third = errors_in(report)
    assert first["line"] == 2 and first["errors"][0]["field"] == "lines[1].quantity"
    assert [row["sku"] for row in first["raw"]] == ["cola", "pizza"]
    assert third["line"] == 5
    assert third["errors"] == [{"field": "row", "message": "has 5 columns, the header has 6"}]
    assert [o.order_id for o in rows_of(container.engine, orders)] == ["o-2"]


def test_a_stale_errors_file_is_removed_by_a_clean_run(container, tenant, tmp_path):
    stale = tmp_path / "somewhere" / "errors.jsonl"
    stale.parent.mkdir()
    stale.write_text('{"line": 9}\n')
    path = write(tmp_path, "e.jsonl", EVENTS_JSONL)
    report = run(container, tenant, "events", path, errors_path=stale)
    assert report.failed == 0 and report.errors_path is None and not stale.exists()


def test_an_errors_file_that_cannot_be_written_stops_the_import_before_it_starts(
    container, tenant, tmp_path
):
    path = write(tmp_path, "e.jsonl", EVENTS_JSONL)
    with pytest.raises(InvalidInput, match="cannot write"):
        run(container, tenant, "events", path, errors_path=tmp_path / "absent" / "errors.jsonl")
    assert count(container.engine, events) == 0


# --- idempotence -----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fmt"), list(SAMPLES))
def test_importing_a_file_again_stores_nothing_new(container, tenant, tmp_path, kind, fmt):
    content, records = SAMPLES[kind, fmt]
    path = write(tmp_path, f"{kind}.{fmt}", content)
    first = run(container, tenant, kind, path)
    stored = count(container.engine, events)
    again = run(container, tenant, kind, path, batch_size=1)
    assert (first.stored, first.unchanged) == (records, 0)
    assert (again.rows, again.stored, again.unchanged, again.failed) == (records, 0, records, 0)
    assert count(container.engine, events) == stored


# --- streaming -------------------------------------------------------------------------------


def events_csv(path: Path, rows: int) -> Path:
    with path.open("w") as out:
        out.write("event,user_id,timestamp,properties.sku,properties\n")
        for n in range(rows):
            out.write(f'Product Viewed,u-{n % 97},2024-05-01T10:00:00Z,sku-{n},"{{""n"": {n}}}"\n')
    return path


def peak_memory_of_import(container, tenant, path: Path) -> int:
    tracemalloc.start()
    try:
        report = run(container, tenant, "events", path, batch_size=200)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.failed == 0
    return peak


def test_memory_does_not_grow_with_the_file(container, tenant, tmp_path):
    """Ten times the rows, about the same peak: the file is streamed, a batch at a time."""
    run(container, tenant, "events", events_csv(tmp_path / "warm.csv", 50))  # caches, pools
    small = peak_memory_of_import(container, tenant, events_csv(tmp_path / "s.csv", 500))
    large = peak_memory_of_import(container, tenant, events_csv(tmp_path / "l.csv", 5000))
    assert count(container.engine, events) == 5000  # the smaller files are its first rows
    assert large < small * 1.5, (small, large)


# --- the command -----------------------------------------------------------------------------


@pytest.fixture
def cli(database_url):
    """Invoke ``omniweave`` in-process against the test store."""
    runner = CliRunner()

    def invoke(*args: str):
        context.container.cache_clear()
        try:
            return runner.invoke(
                app, list(args), env={"OMNIWEAVE_DATABASE_URL": database_url, "COLUMNS": "200"}
            )
        finally:
            context.container().close()
            context.container.cache_clear()

    return invoke


def test_the_command_imports_and_reports_as_json(cli, tenant, engine, tmp_path):
    path = write(tmp_path, "orders.csv.gz", ORDERS_CSV)
    result = cli("import", "orders", str(path), "--source", "pos-001", "--json")
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["rows"] == 2 and report["stored"] == 2 and report["failed"] == 0
    assert report["errors_path"] is None
    assert {o.source_id for o in rows_of(engine, orders)} == {tenant.pos_id}
    again = cli("import", "orders", str(path), "--source", "pos-001", "--json")
    assert orjson.loads(again.stdout)["unchanged"] == 2


def test_the_command_exits_1_when_rows_failed_and_says_where(cli, tenant, engine, tmp_path):
    path = write(tmp_path, "events.jsonl", EVENTS_JSONL + b"{not json}\n")
    errors = tmp_path / "rejected.jsonl"
    result = cli("import", "events", str(path), "-s", "site", "--errors", str(errors))
    assert result.exit_code == 1, result.output
    assert "2 stored" in result.stdout and "1 failed" in result.stdout
    assert str(errors) in result.stdout.replace("\n", "")
    assert [orjson.loads(line)["line"] for line in errors.read_bytes().splitlines()] == [3]
    assert count(engine, events) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nowhere"], "no source named 'nowhere' in workspace 'default'"),
        (["--source", "site", "--workspace", "other"], "no source named 'site' in workspace"),
        (["--source", "site", "--format", "xml"], "'xml' is not one of"),
        ([], "Missing option '--source'"),
    ],
)
def test_usage_errors_exit_2(cli, tenant, engine, tmp_path, args, message):
    path = write(tmp_path, "events.jsonl", EVENTS_JSONL)
    result = cli("import", "events", str(path), *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert count(engine, events) == 0


def test_a_file_that_cannot_be_imported_at_all_exits_2(cli, tenant, tmp_path):
    unknown = write(tmp_path, "export.txt", EVENTS_JSONL)
    result = cli("import", "events", str(unknown), "--source", "site")
    assert result.exit_code == 2 and "cannot tell the format" in result.stderr
    headless = write(tmp_path, "customers.csv", "email\nkolya@example.com\n")
    result = cli("import", "customers", str(headless), "--source", "site")
    assert result.exit_code == 2 and "no customer_id column" in result.stderr
    missing = cli("import", "events", str(tmp_path / "absent.csv"), "--source", "site")
    assert missing.exit_code == 2
