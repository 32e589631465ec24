"""Errors that carry the field they are about, so every 4xx can name it.

OmniweaveError
├── InvalidInput      (400: a field is wrong; ``.errors`` lists them)
│   └── PayloadTooLarge (413: a body or an event is over its limit)
├── NotAuthenticated  (401: no key, or an unknown one)
├── Forbidden         (403: the key lacks the scope)
├── NotFound          (404)
├── Conflict          (409)
└── RateLimited       (429: a key is over its ingestion rate; ``retry_after`` seconds)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One wrong field: where (a dotted path such as ``batch[3].userId``) and why."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class OmniweaveError(Exception):
    status = 500
    code = "error"


@dataclass
class InvalidInput(OmniweaveError):
    errors: list[FieldError] = field(default_factory=list)
    status = 400
    code = "invalid_input"

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    @classmethod
    def one(cls, field_name: str, message: str) -> InvalidInput:
        return cls([FieldError(field_name, message)])

    @property
    def summary(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors[:5])


class PayloadTooLarge(InvalidInput):
    status = 413
    code = "payload_too_large"


class NotAuthenticated(OmniweaveError):
    status = 401
    code = "not_authenticated"


class Forbidden(OmniweaveError):
    status = 403
    code = "forbidden"


class NotFound(OmniweaveError):
    status = 404
    code = "not_found"


class Conflict(OmniweaveError):
    status = 409
    code = "conflict"


class RateLimited(OmniweaveError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float, limit: dict[str, float | int]) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.limit = limit
