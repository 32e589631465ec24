"""The matcher's public names are exactly these (httpx-style contract)."""

import omniweave.identity.matching as matching


def test_public_names():
    assert sorted(matching.__all__) == [
        "Band",
        "Comparison",
        "CrossedLevel",
        "DamerauLevenshteinLevel",
        "DateWithinLevel",
        "DerivedColumn",
        "DuckDBBackend",
        "ElseLevel",
        "ExactLevel",
        "JaroWinklerLevel",
        "LevelEstimate",
        "LevenshteinLevel",
        "LinkType",
        "Matcher",
        "MergeBands",
        "NullLevel",
        "Parameters",
        "Settings",
        "SharedElementsLevel",
        "SparkBackend",
        "Transform",
        "library",
        "local_spark",
    ]
    for name in matching.__all__:
        assert getattr(matching, name) is not None
