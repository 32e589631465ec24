"""An order's statuses and the moves between them: a pure state machine that says why.

A new order may arrive in any status (a sale at the till is born ``delivered``). After that:

    created ──► paid ──► ready_for_pickup ──► delivered ──► returned
       │  └──────┼──────────► shipped ──────────┘  ▲            ▲
       │         │              └───────────────────────────────┘ (refused at the door)
       └─────────┴──► cancelled  (also from ready_for_pickup: not collected)

A till records its sales as ``paid`` (handed over at once), so ``paid`` may be ``returned``.
Re-sending the status an order already has is not a move: it changes nothing. With a
pickup store, a move says what happens to the stock held for it: ``hold`` when the order is
placed, ``release`` when it is cancelled, ``convert`` (taken off the shelf) when collected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

STATUSES = (
    "created",
    "paid",
    "ready_for_pickup",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
)
ALLOWED: dict[str, tuple[str, ...]] = {
    "created": ("paid", "ready_for_pickup", "shipped", "delivered", "cancelled"),
    "paid": ("ready_for_pickup", "shipped", "delivered", "cancelled", "returned"),
    "ready_for_pickup": ("paid", "delivered", "cancelled"),
    "shipped": ("delivered", "returned"),
    "delivered": ("returned",),
    "cancelled": (),
    "returned": (),
}
HOLDING = ("created", "paid", "ready_for_pickup")  # a pickup order in these keeps its stock
StockEffect = Literal["hold", "release", "convert"] | None


@dataclass(frozen=True)
class Move:
    before: str | None  # None: a new order
    after: str
    allowed: bool
    changed: bool  # False: the same status again (nothing to do)
    reason: str
    stock: StockEffect = None


def move(before: str | None, after: str, pickup: bool) -> Move:
    """Whether an order in ``before`` may become ``after``, why, and what it does to held
    stock when it is a pickup order."""
    if after not in STATUSES:
        return Move(before, after, False, False, f"unknown status {after!r}")
    if before is None:
        effect: StockEffect = "hold" if pickup and after in HOLDING else None
        return Move(None, after, True, True, f"a new order, placed as {after}", effect)
    if before == after:
        return Move(before, after, True, False, f"already {after}")
    if after not in ALLOWED.get(before, ()):
        options = ", ".join(ALLOWED.get(before, ())) or "nothing (it is final)"
        return Move(
            before,
            after,
            False,
            False,
            f"an order cannot go from {before} to {after}: from {before} it can become {options}",
        )
    effect = None
    if pickup and before in HOLDING:
        effect = "release" if after == "cancelled" else "convert" if after == "delivered" else None
    return Move(before, after, True, True, f"{before} → {after}", effect)
