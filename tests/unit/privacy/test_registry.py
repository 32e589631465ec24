"""Every table is classified for erasure: a new table holding a person's data (a cart, a
loyalty account, an issued coupon) cannot be forgotten by the erase."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table

from omniweave.privacy.model import scrubbed_decision
from omniweave.privacy.registry import NO_PERSONAL_DATA, PERSONAL, unclassified
from omniweave.store.tables import metadata


def test_every_table_of_the_schema_is_classified():
    assert unclassified(metadata.sorted_tables) == []


def test_the_registry_names_only_real_tables():
    names = set(metadata.tables)
    assert {s.table.name for s in PERSONAL} <= names
    assert set(NO_PERSONAL_DATA) <= names


def test_a_new_table_with_a_profile_id_is_caught():
    other = MetaData()
    wishes = Table("wishlists", other, Column("id", Integer), Column("profile_id", String(24)))
    assert unclassified([wishes]) == ["wishlists: not classified (privacy/registry.py)"]


def test_a_personal_looking_column_in_a_no_personal_data_table_needs_its_reason():
    other = MetaData()
    # "alerts" is explained as holding none; a recipient column added later must be argued for
    alerts = Table("alerts", other, Column("id", Integer), Column("recipient_email", String(9)))
    assert unclassified([alerts]) == [
        "alerts.recipient_email: looks personal; say why it is not in the reason"
    ]


checks = st.lists(
    st.fixed_dictionaries(
        {"rule": st.text(), "channel": st.text(), "passed": st.booleans(), "detail": st.text()}
    )
)


@given(
    st.fixed_dictionaries(
        {"outcome": st.text(), "rule": st.text(), "reason": st.text(), "checks": checks}
    )
)
def test_a_scrubbed_decision_keeps_the_rule_and_drops_the_data(decision):
    scrubbed = scrubbed_decision(decision)
    assert scrubbed["rule"] == decision["rule"] and scrubbed["erased"] is True
    assert "reason" not in scrubbed
    assert all("detail" not in c for c in scrubbed["checks"])
    assert len(scrubbed["checks"]) == len(decision["checks"])


def test_docs_privacy_lists_every_table():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "privacy.md").read_text()
    named = [s.table.name for s in PERSONAL] + list(NO_PERSONAL_DATA)
    assert [name for name in named if f"| `{name}` |" not in text] == []
