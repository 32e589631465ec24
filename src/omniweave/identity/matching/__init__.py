"""The probabilistic identity matcher (Fellegi-Sunter, Splink-like): settings in, SQL out.

``model`` holds the settings, ``library`` ready-made comparisons, ``sql`` the statement
builders, ``dialects`` every DuckDB/Spark difference, ``backends`` the engines, ``em`` and
``parameters`` the training maths, and ``linker.Matcher`` the facade a batch job calls.
"""

from omniweave.identity.matching import library
from omniweave.identity.matching.backends import DuckDBBackend, SparkBackend, local_spark
from omniweave.identity.matching.linker import Matcher
from omniweave.identity.matching.model import (
    Band,
    Comparison,
    CrossedLevel,
    DamerauLevenshteinLevel,
    DateWithinLevel,
    DerivedColumn,
    ElseLevel,
    ExactLevel,
    JaroWinklerLevel,
    LevenshteinLevel,
    LinkType,
    MergeBands,
    NullLevel,
    Settings,
    SharedElementsLevel,
    Transform,
)
from omniweave.identity.matching.parameters import LevelEstimate, Parameters

__all__ = [
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
