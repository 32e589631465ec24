"""What an audit entry keeps of a request: names, never values, and only safe characters."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from omniweave.access.audit import fields_of, outcome_of, resource_of, summary


@given(st.dictionaries(st.text(), st.text(), max_size=50))
def test_field_names_are_kept_safe_and_values_never(body):
    fields = fields_of(orjson.dumps(body)) or []
    assert len(fields) <= 40
    for name in fields:
        assert len(name) <= 64 and all(c.isascii() and c.isprintable() for c in name)
    values = {v for v in body.values() if len(v) > 3 and v not in body and "?" not in v}
    assert not values & set(fields)


def test_names_and_outcomes():
    assert fields_of(b'{"secret": "s3cr3t", "name": "x"}') == ["name", "secret"]
    assert fields_of(b"[1]") is None and fields_of(b"not json") is None
    assert summary(["a"], ["limit", "limit"]) == {"fields": ["a"], "query": ["limit"]}
    assert summary(None) is None
    assert resource_of({"profile_id": "p_1\x00"}) == "profile_id=p_1?"
    assert [outcome_of(s) for s in (200, 401, 403, 404, 500)] == [
        "ok", "refused", "refused", "rejected", "failed"
    ]  # fmt: skip
