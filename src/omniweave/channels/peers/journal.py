"""What the HTTP peers accepted: in memory for queries, appended to a JSONL file for people.

Requests are deduplicated by their idempotency key (per channel), as the real providers do:
a repeat gets the first answer back and only raises the duplicates counter.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omniweave.core.time import iso, utc_now

JOURNAL_FILE = "http-peers.jsonl"


@dataclass(frozen=True)
class PeerCredentials:
    """What the peers expect from Omniweave (and what the demo prints for its settings)."""

    sms_api_key: str = "peer-sms-key"
    fcm_project: str = "omniweave-demo"
    fcm_access_token: str = "peer-fcm-token"
    apns_topic: str = "com.omniweave.demo"
    apns_token: str = "peer-apns-jwt"
    viber_auth_token: str = "peer-viber-token"
    telegram_bot_token: str = "123456:peer-telegram-token"


@dataclass
class Journal:
    directory: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    duplicates: Counter[str] = field(default_factory=Counter)
    _by_key: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def seen(self, channel: str, key: str | None) -> dict[str, Any] | None:
        """The record first accepted under ``key``; counts the repeat as a duplicate."""
        if not key:
            return None
        with self._lock:
            earlier = self._by_key.get((channel, key))
            if earlier is not None:
                self.duplicates[channel] += 1
            return earlier

    def record(
        self, channel: str, key: str | None, to: str, body: Any, **extra: Any
    ) -> dict[str, Any]:
        entry = {
            "channel": channel,
            "key": key,
            "to": to,
            "body": body,
            "received_at": iso(utc_now()),
            **extra,
        }
        with self._lock:
            self.records.append(entry)
            if key:
                self._by_key[(channel, key)] = entry
            with (self.directory / JOURNAL_FILE).open("a", encoding="utf-8") as file:
                file.write(json.dumps(entry, default=str, ensure_ascii=False) + "\n")
        return entry

    def update(self, entry: dict[str, Any], **changes: Any) -> None:
        with self._lock:
            entry.update(changes)

    def inbox(self, channel: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(r)
                for r in self.records
                if (channel is None or r["channel"] == channel) and (to is None or r["to"] == to)
            ]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            received = Counter(r["channel"] for r in self.records)
            return {
                "received": dict(received),
                "duplicates": dict(self.duplicates),
                "total": sum(received.values()),
                "duplicates_total": sum(self.duplicates.values()),
            }

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
            self._by_key.clear()
            self.duplicates.clear()
