"""``omniweave demo`` against a real store, on SQLite and PostgreSQL: a small demo loads through
the ingest service, loads only once, and leaves keys that work."""

from __future__ import annotations

import itertools
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import orjson
import phonenumbers
import pytest
import structlog
from sqlalchemy import func, select
from typer.testing import CliRunner

from omniweave.access.model import Scope
from omniweave.access.service import revoke_key
from omniweave.bootstrap import Container
from omniweave.cli.app import app
from omniweave.cli.context import container as cli_container
from omniweave.demo.behaviour import demo_payloads
from omniweave.demo.keys import ensure_demo_keys, read_keys_file
from omniweave.demo.loader import load, prepare_workspace
from omniweave.demo.model import DemoSpec, DemoWorkspace
from omniweave.demo.people import population
from omniweave.ingest.reads import get_customer_record
from omniweave.store.engine import build_engine
from omniweave.store.tables import customer_records, events, orders
from omniweave.store.ui_tables import ui_users
from omniweave.web.users import check_password

SMALL = DemoSpec(seed=42, customers=60)


@pytest.fixture
def workspace(container: Container, tmp_path: Path) -> DemoWorkspace:
    container.settings = replace(container.settings, demo_keys_file=str(tmp_path / "keys.json"))
    return prepare_workspace(container)


def counts(container: Container) -> dict[str, int]:
    with container.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (events, customer_records, orders)
        }


def test_a_small_demo_loads_and_a_rerun_stores_nothing(container, workspace):
    report = load(container, workspace, SMALL)
    assert report.people == SMALL.customers
    assert report.stored == report.sent and report.sent["event"] > 15 * SMALL.customers
    stored = counts(container)
    assert stored["events"] == sum(report.sent.values())  # records land in the log too
    assert stored["customer_records"] == report.sent["customer"]
    order_ids = {p.body["orderId"] for y in demo_payloads(SMALL) for p in y if p.kind == "order"}
    assert stored["orders"] == len(order_ids)

    again = load(container, workspace, SMALL)
    assert again.sent == report.sent
    assert sum(again.stored.values()) == 0
    assert counts(container) == stored


def test_the_same_seed_gives_the_same_message_ids(container, workspace):
    spec = DemoSpec(seed=7, customers=25)
    load(container, workspace, spec)
    with container.engine.connect() as conn:
        stored = set(
            conn.execute(
                select(events.c.message_id).where(
                    events.c.origin == "demo", events.c.message_id.startswith("demo-")
                )
            )
        )
    generated = {
        (p.body["messageId"],) for year in demo_payloads(spec) for p in year if p.kind == "event"
    }
    assert stored == generated

    other = load(container, workspace, DemoSpec(seed=8, customers=25))
    assert other.stored == other.sent  # another seed is another data set


def test_one_person_s_phone_is_written_differently_by_each_source(container, workspace):
    load(container, workspace, SMALL)
    people = itertools.islice(population(SMALL.seed), SMALL.customers)
    person = next(p for p in people if p.crm_id and p.loyalty_card and not p.family_phone)
    with container.engine.connect() as conn:
        crm = get_customer_record(conn, workspace.workspace_id, "crm", person.crm_id)
        loyalty = get_customer_record(conn, workspace.workspace_id, "loyalty", person.loyalty_card)
        till = conn.execute(select(orders.c.customer).where(orders.c.channel == "pos")).scalars()
        till_phones = [c["phone"] for c in till if "phone" in c]
    assert crm and loyalty
    written = {crm["identifiers"]["phone"], loyalty["identifiers"]["phone"]}
    assert len(written) == 2
    assert {str(phonenumbers.parse(w, "RU").national_number) for w in written} == {person.phone}
    assert len({phone[:2] for phone in till_phones}) >= 2  # "8 (", "89", "8-", "+7"


def test_demo_keys_are_saved_verified_and_kept(container, workspace):
    keys = ensure_demo_keys(container, workspace)
    path = Path(container.settings.demo_keys_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_keys_file(path) == keys
    principals = {name: container.keys.verify(secret) for name, secret in keys.items()}
    assert principals["site"].scope is Scope.WRITE
    assert principals["site"].source_id == workspace.source_ids["site"]
    assert principals["app"].source_id == workspace.source_ids["app"]
    assert principals["read"].scope is Scope.READ
    assert principals["admin"].scope is Scope.ADMIN
    assert ensure_demo_keys(container, workspace) == keys  # a re-run prints the same keys

    with container.engine.begin() as conn:
        revoke_key(conn, principals["read"].key_id, container.clock())
    container.keys.forget()
    renewed = ensure_demo_keys(container, workspace)
    assert renewed["read"] != keys["read"]
    assert {k: v for k, v in renewed.items() if k != "read"} == {
        k: v for k, v in keys.items() if k != "read"
    }
    assert read_keys_file(path) == renewed

    path.unlink()
    fresh = ensure_demo_keys(container, workspace)
    assert not set(fresh.values()) & set(renewed.values())
    assert all(container.keys.verify(secret) for secret in fresh.values())


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Iterator:
    """``omniweave`` in-process. The command configures structlog to write to the runner's
    stderr, which is closed afterwards: the previous configuration is put back so later tests
    do not log into a closed stream."""
    runner = CliRunner()
    env = {
        "OMNIWEAVE_DATABASE_URL": database_url,
        "OMNIWEAVE_DEMO_KEYS_FILE": str(tmp_path / "cli" / "keys.json"),
    }
    logging_before = structlog.get_config()

    def invoke(*args: str):
        cli_container.cache_clear()
        try:
            return runner.invoke(app, list(args), env=env)
        finally:
            cli_container().close()
            cli_container.cache_clear()

    yield invoke
    structlog.configure(**logging_before)


def test_the_command_loads_into_an_empty_store_only(cli, tmp_path, database_url):
    first = cli("demo", "--if-empty", "--customers", "30", "--json")
    assert first.exit_code == 0, first.output
    loaded = orjson.loads(first.output)
    assert loaded["loaded"] and loaded["customers"] == 30
    assert loaded["events"]["stored"] == loaded["events"]["sent"] > 0
    assert loaded["api_url"] == "http://127.0.0.1:8000"
    assert set(loaded["keys"]) == {"site", "app", "read", "admin"}

    second = cli("demo", "--if-empty", "--customers", "30", "--json")
    assert second.exit_code == 0, second.output
    skipped = orjson.loads(second.output)
    assert not skipped["loaded"] and skipped["keys"] == loaded["keys"]

    shown = cli("demo", "--if-empty")
    assert "nothing loaded" in shown.output and loaded["keys"]["site"] in shown.output
    assert loaded["keys"]["admin"] in shown.output

    # The web UI's demo logins: a marketer and an analyst, the same on every run.
    logins = {login["role"]: login for login in loaded["logins"]}
    assert set(logins) == {"marketer", "analyst"}
    assert skipped["logins"] == loaded["logins"]
    assert logins["marketer"]["password"] in shown.output
    assert loaded["ui_url"] == "http://127.0.0.1:8000/ui/"
    engine = build_engine(database_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(ui_users.c.role, ui_users.c.password_hash)).all())
    engine.dispose()
    assert check_password(logins["analyst"]["password"], stored["analyst"])


def test_the_demo_shop_prices_its_menu_and_stocks_its_stores(container, workspace):
    from omniweave.commerce import catalog_repo
    from omniweave.demo.catalog import PRODUCTS
    from omniweave.demo.shop import apply_shop

    first = apply_shop(container, workspace.workspace_id)
    assert first["counts"]["products"]["created"] == len(PRODUCTS)
    assert first["counts"]["stock"]["created"] == len(PRODUCTS) * 21
    assert apply_shop(container, workspace.workspace_id)["changed"] == 0
    with container.engine.connect() as conn:
        app = catalog_repo.price_lines(conn, workspace.workspace_id, ["pepperoni-30"], None, "app")
        nsk = catalog_repo.price_lines(conn, workspace.workspace_id, ["cola-05"], "pos-017", "pos")
    assert app["pepperoni-30"].price_list_id == "app" and app["pepperoni-30"].unit_price < 599
    assert nsk["cola-05"].price_list_id == "novosibirsk"
