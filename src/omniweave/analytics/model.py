"""The data attribution works on: a path of touches and the credit a model gives each channel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from omniweave.core.errors import InvalidInput


@dataclass(frozen=True)
class Path:
    """One distinct sequence of touches and what it led to, as ChannelAttribution takes it.

    ``conversions`` paths converted and ``nulls`` did not; ``value`` is the revenue of the
    conversions. ``ages`` (optional) is how long before the conversion (or the end) each touch
    came, in days; time decay uses it, and falls back to the number of steps without it.
    """

    channels: tuple[str, ...]
    conversions: float = 0.0
    value: float = 0.0
    nulls: float = 0.0
    ages: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not self.channels:
            raise InvalidInput.one("path", "a path needs at least one touch")
        if any(not c for c in self.channels):
            raise InvalidInput.one("path", "a channel name is empty")
        for name in ("conversions", "value", "nulls"):
            if getattr(self, name) < 0:
                raise InvalidInput.one(name, "must not be negative")
        if self.value and not self.conversions:
            raise InvalidInput.one("value", "revenue needs at least one conversion")
        if self.ages is not None and len(self.ages) != len(self.channels):
            raise InvalidInput.one("ages", "needs one age per touch")


def parse_path(text: str, sep: str = ">") -> tuple[str, ...]:
    """``"a > b > c"`` as ``("a", "b", "c")``: touches trimmed, empty ones dropped."""
    return tuple(part.strip() for part in text.split(sep) if part.strip())


def paths_from_rows(rows: Iterable[Sequence[object]], sep: str = ">") -> list[Path]:
    """Rows of (path text, conversions, value, nulls), as ChannelAttribution's Data.csv holds."""
    out = []
    for i, row in enumerate(rows):
        text, conv, value, nulls = row
        try:
            out.append(Path(parse_path(str(text), sep), float(conv), float(value), float(nulls)))
        except InvalidInput as e:
            raise InvalidInput.one(f"paths[{i}]", e.summary) from None
        except ValueError:
            raise InvalidInput.one(f"paths[{i}]", "conversions, value, nulls are numbers") from None
    return out


def channels_in_order(paths: Iterable[Path]) -> list[str]:
    """Every channel once, in the order it first appears (ChannelAttribution's order)."""
    seen: dict[str, None] = {}
    for p in paths:
        for c in p.channels:
            seen.setdefault(c, None)
    return list(seen)


@dataclass(frozen=True)
class Credit:
    channel: str
    conversions: float
    value: float


@dataclass(frozen=True)
class Attribution:
    """What a model credits to each channel, with the rule and the numbers behind it."""

    model: str
    credits: tuple[Credit, ...]
    total_conversions: float
    total_value: float
    explain: dict[str, object] = field(default_factory=dict)

    def conversions(self) -> dict[str, float]:
        return {c.channel: c.conversions for c in self.credits}

    def values(self) -> dict[str, float]:
        return {c.channel: c.value for c in self.credits}

    def shares(self) -> dict[str, float]:
        """Each channel's fraction of the conversions (0 when nothing converted)."""
        total = self.total_conversions
        return {c.channel: (c.conversions / total if total else 0.0) for c in self.credits}

    def as_dict(self) -> dict[str, object]:
        shares = self.shares()
        return {
            "model": self.model,
            "total_conversions": self.total_conversions,
            "total_value": self.total_value,
            "credits": [
                {
                    "channel": c.channel,
                    "conversions": c.conversions,
                    "value": c.value,
                    "share": shares[c.channel],
                }
                for c in self.credits
            ],
            "explain": self.explain,
        }
