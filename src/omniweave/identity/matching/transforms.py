"""Per-record column transforms as SQL, so a Cyrillic name and its Latin spellings can meet.

``name_key`` follows ``omniweave.identity.normalise.name_key`` (a test holds them together):
lower-case, Russian letters to Latin, only ``a-z`` and spaces kept, and the spellings that
differ between transliteration systems folded (yu/iu, ya/ia, ay/ai, a final -y after a vowel).
It is plain ``replace`` and regular expressions, so it runs on every backend, once per record.
"""

from __future__ import annotations

from omniweave.identity.matching.dialects import Dialect
from omniweave.identity.matching.model import Transform

RUSSIAN_TO_LATIN = (
    ("а", "a"),
    ("б", "b"),
    ("в", "v"),
    ("г", "g"),
    ("д", "d"),
    ("е", "e"),
    ("ё", "e"),
    ("ж", "zh"),
    ("з", "z"),
    ("и", "i"),
    ("й", "i"),
    ("к", "k"),
    ("л", "l"),
    ("м", "m"),
    ("н", "n"),
    ("о", "o"),
    ("п", "p"),
    ("р", "r"),
    ("с", "s"),
    ("т", "t"),
    ("у", "u"),
    ("ф", "f"),
    ("х", "kh"),
    ("ц", "ts"),
    ("ч", "ch"),
    ("ш", "sh"),
    ("щ", "shch"),
    ("ъ", ""),
    ("ы", "y"),
    ("ь", ""),
    ("э", "e"),
    ("ю", "iu"),
    ("я", "ia"),
)
FOLDED_SPELLINGS = (("yu", "iu"), ("ya", "ia"), ("ay", "ai"), ("ey", "ei"), ("iy", "ii"))


def transform_sql(transform: Transform, expr: str, dialect: Dialect) -> str:
    """The SQL expression for ``transform`` applied to ``expr``."""
    if transform is Transform.LOWER:
        return f"nullif(lower(trim({expr})), '')"
    out = f"lower(trim({expr}))"
    for cyrillic, latin in RUSSIAN_TO_LATIN:
        out = f"replace({out}, {dialect.string(cyrillic)}, {dialect.string(latin)})"
    out = dialect.replace_all(out, "[^a-z ]", "")
    for spelled, key in FOLDED_SPELLINGS:
        out = f"replace({out}, {dialect.string(spelled)}, {dialect.string(key)})"
    out = dialect.replace_all(out, "([aeiou])y\\b", "\\1i")
    out = dialect.replace_all(out, " +", " ")
    return f"nullif(trim({out}), '')"
