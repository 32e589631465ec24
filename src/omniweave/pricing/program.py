"""The loyalty programme's rules, pure: tiers from spend in a window, the birthday rule, and
the numbers read from settings (every wrong setting named at once)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from omniweave.core.errors import FieldError, InvalidInput
from omniweave.pricing.engine import Program


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: Decimal  # money paid in the window to reach it
    earn_percent: Decimal


@dataclass(frozen=True)
class Loyalty:
    program: Program
    tiers: tuple[Tier, ...]  # by threshold, ascending
    window_days: int
    expire_days: int  # 0: points never expire
    birthday_points: int


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """``silver:10000:7,gold:50000:10`` (name, spend over the window, points per 100 paid)."""
    tiers, errors = [], []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        bits = part.split(":")
        try:
            name, threshold, percent = bits[0], Decimal(bits[1]), Decimal(bits[2])
            if len(bits) != 3 or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", name):
                raise ValueError
            if threshold < 0 or not (0 <= percent <= 100):
                raise ValueError
        except (IndexError, ValueError, InvalidOperation):
            errors.append(FieldError("loyalty_tiers", f"{part!r} is not name:threshold:percent"))
            continue
        tiers.append(Tier(name, threshold, percent))
    if errors:
        raise InvalidInput(errors)
    return tuple(sorted(tiers, key=lambda t: (t.threshold, t.name)))


def loyalty_from_settings(settings: object) -> Loyalty:
    tiers = parse_tiers(settings.loyalty_tiers)  # type: ignore[attr-defined]
    base = Decimal(str(settings.loyalty_earn_percent))  # type: ignore[attr-defined]
    program = Program(
        earn_percent=base,
        tier_earn_percent={t.name: t.earn_percent for t in tiers},
        max_spend_percent=Decimal(str(settings.loyalty_max_spend_percent)),  # type: ignore[attr-defined]
    )
    return Loyalty(
        program,
        tiers,
        settings.loyalty_tier_window_days,  # type: ignore[attr-defined]
        settings.loyalty_points_expire_days,  # type: ignore[attr-defined]
        settings.loyalty_birthday_points,  # type: ignore[attr-defined]
    )


def tier_for(spend: Decimal, tiers: tuple[Tier, ...], window_days: int) -> tuple[str | None, str]:
    """The highest tier the spend reaches, and why."""
    reached = [t for t in tiers if spend >= t.threshold]
    if not reached:
        nxt = f"; {tiers[0].name} from {tiers[0].threshold}" if tiers else ""
        return None, f"spent {spend} in {window_days} days{nxt}"
    top = reached[-1]
    return top.name, f"spent {spend} in {window_days} days, {top.name} from {top.threshold}"


def birthday_of(value: object) -> tuple[int, int] | None:
    """Month and day from ``YYYY-MM-DD``, ``MM-DD`` or ``DD.MM.YYYY``; else None."""
    if not isinstance(value, str):
        return None
    patterns = (
        (r"^\d{4}-(\d{2})-(\d{2})(?:[T ].*)?$", 1, 2),
        (r"^(?:--)?(\d{2})-(\d{2})$", 1, 2),
        (r"^(\d{1,2})\.(\d{1,2})\.\d{4}$", 2, 1),
    )
    for pattern, m, d in patterns:
        if found := re.match(pattern, value.strip()):
            try:
                date(2000, int(found[m]), int(found[d]))
            except ValueError:
                return None
            return int(found[m]), int(found[d])
    return None


def is_birthday(value: object, today: datetime) -> bool:
    """Today is the birthday (29 February is kept on the 28th in other years)."""
    found = birthday_of(value)
    if found is None:
        return False
    month, day = found
    if (month, day) == (2, 29):
        try:
            date(today.year, 2, 29)
        except ValueError:
            day = 28
    return (today.month, today.day) == (month, day)
