"""Each segment returns the same members on SQLite, PostgreSQL and DuckDB: the store's tables
are copied into DuckDB through Arrow and the same compiled definition runs there."""

from __future__ import annotations

import pytest

from omniweave.segments.duckdb_engine import DuckDBSegments
from omniweave.segments.duckdb_sql import pg_text_array, to_duckdb
from omniweave.segments.model import parse
from tests.integration.segments.test_segments import CASES, people  # noqa: F401


@pytest.fixture
def duck(people):  # noqa: F811
    service, ids, workspace = people
    segments = DuckDBSegments(service.engine, workspace)
    yield segments
    segments.close()


@pytest.mark.parametrize(("definition", "expected"), CASES)
def test_duckdb_returns_the_stores_members(people, duck, definition, expected):  # noqa: F811
    service, ids, workspace = people
    in_store = service.preview(workspace, definition, sample=1000)["sample"]
    in_duckdb = duck.members(parse(definition), service.clock())
    names = {v: k for k, v in ids.items()}
    assert in_duckdb == sorted(in_store)
    assert {names[p] for p in in_duckdb} == expected


def test_segments_refer_to_segments_on_duckdb(people, duck):  # noqa: F811
    service, ids, workspace = people
    saved = {"pizza-week": parse(CASES[0][0])}
    nested = {"all": [{"segment": "pizza-week"}, {"trait": {"name": "city", "value": "Казань"}}]}
    assert duck.members(parse(nested), service.clock(), saved.get) == [ids["kolya"]]


def test_json_paths_and_types_are_rewritten():
    sql = to_duckdb(
        "SELECT 1 FROM events WHERE events.properties #>> '{a, b}' = 'x' "
        "AND jsonb_typeof(events.properties #> '{n}') = 'number'"
    )
    assert "json_extract_string(events.properties, '/a/b')" in sql.lower()
    assert "json_type(json_extract(events.properties, '/n'))" in sql.lower()
    assert "jsonb" not in sql.lower()
    assert pg_text_array('{a, "b,c", d}') == ["a", "b,c", "d"]
    assert pg_text_array("{}") == []


PROFILE_NODES = [
    {"computed": {"name": "order_count", "op": "gte", "value": 1}},
    {"computed": {"name": "days_since_last_purchase", "op": "gt", "value": 30}},
    {"not": {"computed": {"name": "order_count", "op": "exists"}}},
    {"consent": {"channel": "email", "topic": "marketing", "state": "granted"}},
    {"consent": {"channel": "sms", "topic": "marketing", "state": "unknown"}},
    {"reachable": {"channel": "email", "topic": "marketing"}},
    {"reachable": {"channel": "sms", "topic": "transactional"}},
]


@pytest.mark.parametrize("definition", PROFILE_NODES)
def test_profile_nodes_agree_on_duckdb(people, container, definition):  # noqa: F811
    """Computed traits, consents and reachability: the store and DuckDB pick the same people."""
    service, ids, workspace = people
    consents = container.consents
    consents.record(workspace, ("email", "kolya@mail.ru"), "email", "marketing", "granted")
    consents.record(workspace, ("phone", "+79161112233"), "sms", "marketing", "granted")
    consents.record(workspace, ("phone", "+79161112233"), "sms", "transactional", "revoked")
    container.traits.catch_up()
    in_store = service.preview(workspace, definition, sample=1000)["sample"]
    segments = DuckDBSegments(service.engine, workspace)
    try:
        in_duckdb = segments.members(parse(definition), service.clock())
    finally:
        segments.close()
    assert in_duckdb == sorted(in_store)
    if definition in (PROFILE_NODES[3], PROFILE_NODES[5]):
        assert in_duckdb == [ids["kolya"]]  # the grant was seen by both engines
