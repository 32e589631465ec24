"""The computed, consent and reachable nodes: parsing with paths, and pure compilation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from omniweave.core.errors import InvalidInput
from omniweave.profiles.consent_model import ConsentPolicy
from omniweave.segments.compile import Context, members
from omniweave.segments.model import ComputedNode, ConsentNode, ReachableNode, parse

NOW = datetime(2026, 11, 1, 12, 0, 0, 250000, tzinfo=UTC)
DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def sql(definition, dialect="sqlite", policy=None) -> str:
    ctx = Context(1, NOW, dialect, lambda _: None, policy=policy or ConsentPolicy())
    query = members(parse(definition), ctx)
    return str(query.compile(dialect=DIALECTS[dialect], compile_kwargs={"literal_binds": True}))


def test_the_new_nodes_parse_with_defaults():
    assert isinstance(
        parse({"computed": {"name": "order_count", "op": "gte", "value": 3}}), ComputedNode
    )
    reach = parse({"reachable": {"channel": "email"}})
    assert isinstance(reach, ReachableNode) and reach.reachable.topic == "marketing"
    consent = parse({"consent": {"channel": "sms"}})
    assert isinstance(consent, ConsentNode) and consent.consent.state == "granted"


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ({"reachable": {"channel": "fax"}}, "definition.reachable.channel"),
        (
            {"any": [{"consent": {"channel": "sms", "topic": "Bad Topic"}}]},
            "definition.any[0].consent.topic",
        ),
        ({"computed": {"name": "rfm", "path": "a..b", "value": 1}}, "definition.computed.path"),
        ({"computed": {"op": "exists"}}, "definition.computed.name"),
    ],
)
def test_a_wrong_node_is_named_by_its_path(definition, path):
    with pytest.raises(InvalidInput) as raised:
        parse(definition)
    assert [e.field for e in raised.value.errors] == [path]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_days_since_compares_the_stored_time_with_a_constant(dialect):
    text = sql({"computed": {"name": "days_since_last_purchase", "op": "gt", "value": 30}}, dialect)
    assert "2026-10-01T12:00:00.250000Z" in text  # now - 31 days: days > 30 <=> days >= 31
    text = sql({"computed": {"name": "days_since_last_purchase", "op": "lt", "value": 7}}, dialect)
    assert "2026-10-25T12:00:00.250000Z" in text  # days <= 6 <=> last > now - 7 days


def test_reachable_follows_the_policy():
    marketing = sql({"reachable": {"channel": "email", "topic": "marketing"}})
    transactional = sql({"reachable": {"channel": "email", "topic": "transactional"}})
    assert "'granted'" in marketing and "'granted'" not in transactional
    double = sql(
        {"reachable": {"channel": "email"}}, policy=ConsentPolicy(email_double_opt_in=True)
    )
    assert "confirmedAt" in double


def test_an_unknown_topic_is_refused_at_compile_time():
    with pytest.raises(InvalidInput, match="unknown topic 'spam'"):
        sql({"consent": {"channel": "sms", "topic": "spam"}})
