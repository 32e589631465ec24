"""Any catalog document applied twice: the second time writes nothing and tells no one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniweave.commerce.catalog_service import CatalogService
from omniweave.core.time import utc_now

skus = st.sampled_from(["a", "b", "c", "d"])
money = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False)
documents = st.fixed_dictionaries(
    {
        "categories": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.sampled_from(["x", "y"]),
                    "name": st.text(min_size=1, max_size=5).filter(str.strip),
                }
            ),
            max_size=2,
        ),
        "products": st.lists(
            st.fixed_dictionaries(
                {
                    "sku": skus,
                    "name": st.sampled_from(["Пицца", "Cola", "Морс"]),
                    "active": st.booleans(),
                    "attributes": st.dictionaries(
                        st.sampled_from(["size", "colour"]), st.integers(0, 9)
                    ),
                }
            ),
            max_size=4,
        ),
        "priceLists": st.just([{"id": "base", "name": "Base"}]),
        "prices": st.fixed_dictionaries(
            {"base": st.lists(st.fixed_dictionaries({"sku": skus, "amount": money}), max_size=4)}
        ),
        "locations": st.just([{"id": "s1", "name": "Store"}]),
        "stock": st.fixed_dictionaries(
            {
                "s1": st.lists(
                    st.fixed_dictionaries({"sku": skus, "onHand": st.integers(0, 5)}), max_size=4
                )
            }
        ),
    }
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents)
def test_a_document_applied_twice_changes_nothing_the_second_time(engine, document):
    service = CatalogService(engine, utc_now)
    service.apply(1, document)
    again = service.apply(1, document).as_dict()
    assert again["changed"] == 0 and again["announced"] == []
