"""Connected components of accepted pairs (pure)."""

from omniweave.identity.matching.clusters import connected_components


def test_pairs_join_transitively():
    groups = connected_components([("a", "b"), ("c", "d"), ("b", "e"), ("e", "a")])
    assert groups == [["a", "b", "e"], ["c", "d"]]


def test_numbers_sort_as_numbers():
    assert connected_components([(10, 9), (2, 9)]) == [[2, 9, 10]]


def test_tagged_members_of_two_sources():
    groups = connected_components([((0, "x"), (1, "x")), ((0, "y"), (1, "x"))])
    assert groups == [[(0, "x"), (0, "y"), (1, "x")]]


def test_no_pairs_no_groups():
    assert connected_components([]) == []
