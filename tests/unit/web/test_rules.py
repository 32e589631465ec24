"""The UI's pure rules: passwords, throttling, what each role may do, the journey graph."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniweave.web.graph import layout
from omniweave.web.users import (
    MAX_FAILURES_PER_EMAIL,
    MAX_FAILURES_PER_IP,
    check_password,
    hash_password,
    may,
    refusal,
    throttle,
)


def test_a_password_checks_against_its_own_hash_only():
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$")
    assert check_password("correct horse battery", stored)
    assert not check_password("correct horse batterY", stored)
    assert hash_password("correct horse battery") != stored  # salted
    assert not check_password("x", "not-a-hash")
    assert not check_password("x", "md5$1$2$3$4$5")


@given(st.integers(0, 100), st.integers(0, 100))
def test_a_login_waits_exactly_when_a_limit_is_reached(email_failures, ip_failures):
    why = throttle(email_failures, ip_failures)
    over = email_failures >= MAX_FAILURES_PER_EMAIL or ip_failures >= MAX_FAILURES_PER_IP
    assert (why is not None) == over
    if why is not None:
        assert "try later" in why


def test_roles():
    assert may("admin", "users") and may("admin", "send")
    assert may("marketer", "send") and may("marketer", "edit") and not may("marketer", "users")
    for action in ("send", "edit", "review", "users"):
        assert not may("analyst", action)
    assert refusal("analyst", "send") == (
        "an analyst can read everything but cannot send messages or start campaigns"
    )


def test_the_graph_puts_each_step_below_what_leads_to_it():
    definition = {
        "name": "cart",
        "trigger": {"event": {"name": "Product Added"}},
        "steps": [
            {"id": "wait", "wait": {"duration": "6h"}},
            {
                "id": "split",
                "split": {
                    "variants": [
                        {"name": "a", "weight": 50, "next": "push"},
                        {"name": "b", "weight": 50, "next": "mail"},
                    ]
                },
            },
            {"id": "push", "send": {"template": "t"}, "next": "done"},
            {"id": "mail", "send": {"template": "u"}},
            {"id": "done", "exit": {}},
        ],
    }
    drawn = layout(definition, {"push": {"sent": 3, "suppressed": 1}})
    nodes = {n.id: n for n in drawn.nodes}
    assert nodes["trigger"].label == "when Product Added"
    assert nodes["wait"].label == "wait 6h"
    assert nodes["trigger"].y < nodes["wait"].y < nodes["split"].y < nodes["push"].y
    assert nodes["push"].y == nodes["mail"].y and nodes["push"].x != nodes["mail"].x
    assert nodes["done"].y > nodes["push"].y
    assert nodes["push"].numbers == "sent 3 · suppressed 1"
    assert nodes["mail"].numbers == "no runs yet"
    assert len(drawn.edges) == 6  # trigger→wait, wait→split, split→push|mail, push→done, mail→done
    assert all(n.x >= 0 and n.x + 200 <= drawn.width for n in drawn.nodes)


def test_the_editors_yaml_reads_back_to_the_same_definition():
    import yaml

    from omniweave.web.orchestration import as_yaml, parse_text

    definition = {
        "name": "win-back",
        "channels": {"email": {"subject": "Мы скучаем", "html": "<p>a</p>\n<p>b</p>\n"}},
        "all": [{"computed": {"name": "order_count", "op": "gte", "value": 1}}],
        "flags": [True, None, 2.5],
    }
    text = as_yaml(definition)
    assert "html: |" in text and "  - computed:" in text and "Мы скучаем" in text
    assert yaml.safe_load(text) == definition == parse_text(text, "definition")


def test_wrong_yaml_is_named_with_its_line():
    import pytest

    from omniweave.core.errors import InvalidInput
    from omniweave.web.orchestration import parse_text

    with pytest.raises(InvalidInput) as error:
        parse_text("name: x\nsteps: [a\n", "definition")
    assert error.value.errors[0].field == "definition"
    assert "line 3" in error.value.errors[0].message
