"""Multi-touch attribution: which channels get the credit for the conversions of a set of paths.

Pure functions of the paths (see ``model.Path``). The rule-based models split each path's
conversions and revenue over its touches by a fixed rule; ``markov`` and ``shapley`` are the
data-driven ones (exact, in ``markov.py`` and ``shapley.py``). ``attribute`` is the one entry
point the services and the API call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from omniweave.analytics.markov import markov
from omniweave.analytics.model import Attribution, Credit, Path, channels_in_order
from omniweave.analytics.shapley import shapley
from omniweave.core.errors import InvalidInput

DIRECT = frozenset({"direct", "(direct)", "direct / (none)", "(none)"})

Weights = Callable[[Path], list[float]]


def first_touch(path: Path) -> list[float]:
    return [1.0] + [0.0] * (len(path.channels) - 1)


def last_touch(path: Path) -> list[float]:
    return [0.0] * (len(path.channels) - 1) + [1.0]


def linear(path: Path) -> list[float]:
    """Every touch the same share, repeats included (ChannelAttribution's linear_touch)."""
    n = len(path.channels)
    return [1.0 / n] * n


def position_based(path: Path, ends: float = 0.4) -> list[float]:
    """40% to the first touch, 40% to the last, the 20% left spread over the middle ones."""
    n = len(path.channels)
    if n == 1:
        return [1.0]
    if n == 2:
        return [0.5, 0.5]
    middle = (1.0 - 2 * ends) / (n - 2)
    return [ends] + [middle] * (n - 2) + [ends]


def time_decay(path: Path, half_life: float = 7.0) -> list[float]:
    """A touch ``half_life`` days (or steps, without ages) older counts half as much."""
    n = len(path.channels)
    ages = path.ages if path.ages is not None else tuple(float(n - 1 - i) for i in range(n))
    raw = [2.0 ** (-age / half_life) for age in ages]
    total = sum(raw)
    return [r / total for r in raw]


def last_non_direct(path: Path, direct: frozenset[str] = DIRECT) -> list[float]:
    """The last touch that is not a direct visit; a direct-only path keeps its last touch."""
    n = len(path.channels)
    for i in range(n - 1, -1, -1):
        if path.channels[i].lower() not in direct:
            return [1.0 if j == i else 0.0 for j in range(n)]
    return last_touch(path)


RULES: dict[str, tuple[Weights, str]] = {
    "first_touch": (first_touch, "all the credit to the first touch"),
    "last_touch": (last_touch, "all the credit to the last touch"),
    "last_non_direct": (last_non_direct, "all the credit to the last touch that is not direct"),
    "linear": (linear, "the same share to every touch, repeats included"),
    "position_based": (position_based, "40% first touch, 40% last, 20% over the middle"),
    "time_decay": (time_decay, "weight 2^(-age/half_life), half_life 7 days or steps"),
}
MODELS = (*RULES, "markov", "shapley")


def rule_based(
    model: str, paths: Sequence[Path], channels: Sequence[str] | None = None
) -> Attribution:
    """Split each path's conversions and revenue over its touches by the model's weights."""
    weights, rule = RULES[model]
    order = _channel_order(paths, channels)
    conv = dict.fromkeys(order, 0.0)
    value = dict.fromkeys(order, 0.0)
    for p in paths:
        for channel, w in zip(p.channels, weights(p), strict=True):
            if w:
                conv[channel] += p.conversions * w
                value[channel] += p.value * w
    return _result(model, order, conv, value, paths, {"rule": rule})


def attribute(
    paths: Sequence[Path],
    model: str,
    *,
    order: int = 1,
    channels: Sequence[str] | None = None,
) -> Attribution:
    """The attribution of ``paths`` by ``model`` (one of ``MODELS``); ``order`` is Markov's."""
    if model in RULES:
        return rule_based(model, paths, channels)
    ordered = _channel_order(paths, channels)
    if model == "markov":
        if order not in (1, 2, 3, 4):
            raise InvalidInput.one("order", "the Markov order is 1 to 4")
        conv, value, explain = markov(paths, order)
    elif model == "shapley":
        conv, value, explain = shapley(paths)
    else:
        raise InvalidInput.one("model", f"one of {', '.join(MODELS)}")
    return _result(
        model,
        ordered,
        {c: conv.get(c, 0.0) for c in ordered},
        {c: value.get(c, 0.0) for c in ordered},
        paths,
        explain,
    )


def _channel_order(paths: Iterable[Path], channels: Sequence[str] | None) -> list[str]:
    order = channels_in_order(paths)
    if channels is not None:
        order += [c for c in channels if c not in set(order)]
    return order


def _result(
    model: str,
    order: list[str],
    conv: dict[str, float],
    value: dict[str, float],
    paths: Sequence[Path],
    explain: dict[str, object],
) -> Attribution:
    return Attribution(
        model=model,
        credits=tuple(Credit(c, conv[c], value[c]) for c in order),
        total_conversions=float(sum(p.conversions for p in paths)),
        total_value=float(sum(p.value for p in paths)),
        explain={**explain, "paths": len(paths)},
    )
