"""SMS through a JSON HTTP gateway, and the delivery reports it posts back.

The gateway takes the message key as both ``Idempotency-Key`` and ``id``, so a retried request
never sends a second SMS; the report names the key as ``reference``, which is how a report
finds its message again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from omniweave.channels.model import Outgoing, Receipt, bounced, failed, sent
from omniweave.channels.provider_http import HttpAdapter, failure, json_body, post
from omniweave.core.errors import FieldError, InvalidInput

DEAD_NUMBER_CODES = frozenset({"invalid_number", "unknown_number"})


@dataclass(frozen=True)
class SmsGatewayConfig:
    url: str
    api_key: str
    sender: str
    callback_url: str | None = None
    timeout: float = 10.0


@dataclass(frozen=True)
class DeliveryReport:
    """What the gateway finally did: ``bounced`` means the number cannot receive SMS."""

    key: str
    provider_id: str
    outcome: Literal["delivered", "failed", "bounced"]
    error: str | None = None


REPORT_OUTCOMES = {"delivered": "delivered", "failed": "failed", "undeliverable": "bounced"}


def read_delivery_report(body: Mapping[str, Any]) -> DeliveryReport:
    """A report from its JSON; raises ``InvalidInput`` naming the wrong fields."""
    errors = [
        FieldError(name, "required, a non-empty string")
        for name in ("id", "reference", "status")
        if not isinstance(body.get(name), str) or not body[name]
    ]
    if not errors and body["status"] not in REPORT_OUTCOMES:
        errors.append(FieldError("status", f"one of {', '.join(REPORT_OUTCOMES)}"))
    if errors:
        raise InvalidInput(errors)
    error = body.get("error")
    return DeliveryReport(
        key=body["reference"],
        provider_id=body["id"],
        outcome=REPORT_OUTCOMES[body["status"]],  # type: ignore[arg-type]
        error=str(error) if error else None,
    )


class SmsGatewayAdapter(HttpAdapter):
    channel = "sms"

    def __init__(self, config: SmsGatewayConfig, client: httpx.AsyncClient | None = None) -> None:
        super().__init__(config.timeout, client)
        self.config = config

    async def send(self, message: Outgoing) -> Receipt:
        cfg = self.config
        body = {
            "id": message.key,
            "from": cfg.sender,
            "to": message.address,
            "text": str(message.content.get("text", "")),
            "callback_url": cfg.callback_url,
        }
        headers = {"Authorization": f"Bearer {cfg.api_key}", "Idempotency-Key": message.key}
        response = await post(
            self._client, f"{cfg.url.rstrip('/')}/messages", json=body, headers=headers
        )
        if isinstance(response, Receipt):
            return response
        answer = json_body(response)
        if response.is_success:
            provider_id = answer.get("id")
            if not provider_id:
                return failed("the gateway accepted the message but returned no id")
            return sent(str(provider_id))
        nested = answer.get("error")
        code = answer.get("code") or (nested.get("code") if isinstance(nested, dict) else None)
        detail = f"{code}: {answer.get('message', '')}" if code else None
        if 400 <= response.status_code < 500 and code in DEAD_NUMBER_CODES:
            return bounced(f"HTTP {response.status_code}: {detail}")
        return failure(response, detail)
