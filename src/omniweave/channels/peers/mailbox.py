"""An SMTP server (aiosmtpd) that files every message it accepts into a directory.

Mailboxes whose local part starts with ``dead`` are refused with 550 (the address does not
exist) and with ``busy`` get 452 (try later), so bounces and retries can be shown. A second
message with a Message-ID already filed is counted as a duplicate and not stored again, as a
provider that honours idempotency would.
"""

from __future__ import annotations

import hashlib
import json
import threading
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from omniweave.core.time import iso, utc_now

INDEX_FILE = "index.jsonl"


class Mailbox:
    """The aiosmtpd handler; ``messages()`` and ``duplicates`` are safe from any thread."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.duplicates = 0
        self._lock = threading.Lock()
        self._filed: list[dict[str, Any]] = self._read_index()
        self._ids = {entry["message_id"] for entry in self._filed}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        local = address.split("@", 1)[0].lower()
        if local.startswith("dead"):
            return f"550 5.1.1 <{address}>: mailbox does not exist"
        if local.startswith("busy"):
            return f"452 4.2.2 <{address}>: mailbox full, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        email = BytesParser(policy=default).parsebytes(raw)
        message_id = str(email.get("Message-ID") or "").strip()
        if not message_id:
            message_id = f"<{hashlib.sha256(raw).hexdigest()[:32]}@mailbox.local>"
        with self._lock:
            if message_id in self._ids:
                self.duplicates += 1
                return "250 2.0.0 OK: already delivered (duplicate Message-ID)"
            entry = self._file(email, raw, message_id, envelope.mail_from, envelope.rcpt_tos)
            self._ids.add(message_id)
            self._filed.append(entry)
        return f"250 2.0.0 OK: queued as {entry['file']}"

    @property
    def received(self) -> int:
        with self._lock:
            return len(self._filed)

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """What arrived, oldest first: to, from, subject, text, html, message_id, headers."""
        with self._lock:
            filed = list(self._filed)
        wanted = to.lower() if to else None
        return [
            self._read(entry)
            for entry in filed
            if wanted is None or wanted in (r.lower() for r in entry["to"])
        ]

    def _file(
        self, email: EmailMessage, raw: bytes, message_id: str, mail_from: str, to: list[str]
    ) -> dict[str, Any]:
        name = hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".eml"
        (self.directory / name).write_bytes(raw)
        entry = {
            "file": name,
            "message_id": message_id,
            "to": list(to),
            "envelope_from": mail_from,
            "received_at": iso(utc_now()),
        }
        with (self.directory / INDEX_FILE).open("a", encoding="utf-8") as index:
            index.write(json.dumps(entry) + "\n")
        return entry

    def _read(self, entry: dict[str, Any]) -> dict[str, Any]:
        raw = (self.directory / entry["file"]).read_bytes()
        email = BytesParser(policy=default).parsebytes(raw)
        return {
            "to": entry["to"],
            "from": str(email.get("From", "")),
            "subject": str(email.get("Subject", "")),
            "text": _part(email, "plain"),
            "html": _part(email, "html"),
            "message_id": entry["message_id"],
            "headers": {name: str(value).strip() for name, value in email.items()},
            "received_at": entry["received_at"],
        }

    def _read_index(self) -> list[dict[str, Any]]:
        index = self.directory / INDEX_FILE
        if not index.exists():
            return []
        lines = index.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def _part(email: EmailMessage, subtype: str) -> str | None:
    body = email.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return None
    return str(body.get_content()).replace("\r\n", "\n")


def start_mailbox(directory: Path, host: str, port: int) -> tuple[Mailbox, Controller]:
    """Start the SMTP server on ``host:port`` in its own thread (``controller.stop()`` ends it)."""
    mailbox = Mailbox(directory)
    controller = Controller(mailbox, hostname=host, port=port, enable_SMTPUTF8=True)
    controller.start()
    return mailbox, controller
