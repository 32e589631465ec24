"""Email over SMTP: a multipart (text + HTML) message whose Message-ID comes from the key.

Deriving the Message-ID from the idempotency key lets a provider (or our mailbox peer) spot a
retried message. SMTP's reply classes decide the receipt: 5xx on the recipient means the
mailbox does not exist (bounced), 4xx means "later" (retryable), no connection means retryable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy, default
from email.utils import format_datetime, parseaddr
from io import BytesIO

import aiosmtplib

from omniweave.channels.model import Outgoing, Receipt, bounced, failed, sent
from omniweave.core.time import Clock, utc_now

_UNSAFE_IN_ID = re.compile(r"[^A-Za-z0-9._-]")
_ID_DOMAIN = "omniweave"
_UNFOLDED_POLICY = SMTP.clone(max_line_length=998)  # RFC 5322's hard line limit


class _MailPolicy(EmailPolicy):
    """SMTP's policy, except that List-* headers are never folded or encoded.

    The standard folding turns a long ASCII URL into RFC 2047 encoded words, which mail
    providers do not decode in List-Unsubscribe, so one-click unsubscribe would break.
    """

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower().startswith("list-"):
            return _UNFOLDED_POLICY.fold_binary(name, value)
        return super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy(linesep="\r\n")
# Non-ASCII bodies go as quoted-printable or base64, so no server needs 8BITMIME.
_COMPOSE_POLICY = default.clone(cte_type="7bit")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    start_tls: bool = False
    timeout: float = 10.0


def message_id_for(key: str) -> str:
    """``<key@omniweave>`` with unsafe characters replaced; a hash keeps such keys distinct."""
    safe = _UNSAFE_IN_ID.sub("-", key)[:120]
    if safe != key:
        safe = f"{safe}.{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    return f"<{safe}@{_ID_DOMAIN}>"


def compose_email(message: Outgoing, sender: str, now: datetime) -> EmailMessage:
    """The MIME message for ``message``; raises ValueError for content SMTP cannot carry."""
    content = message.content
    email = EmailMessage(policy=_COMPOSE_POLICY)
    email["From"] = content.get("from") or sender
    email["To"] = message.address
    email["Subject"] = str(content.get("subject", ""))
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id_for(message.key)
    email["X-Omniweave-Key"] = message.key
    for name, value in message.headers.items():
        del email[name]
        email[name] = value
    email.set_content(str(content.get("text") or ""))
    if content.get("html"):
        email.add_alternative(str(content["html"]), subtype="html")
    return email


def wire_bytes(email: EmailMessage) -> bytes:
    """The message as sent over SMTP (CRLF lines, List-* headers kept whole)."""
    with BytesIO() as buffer:
        BytesGenerator(buffer, policy=MAIL_POLICY).flatten(email)
        return buffer.getvalue()


class SmtpAdapter:
    """Sends each message on its own SMTP session (aiosmtplib)."""

    channel = "email"

    def __init__(self, config: SmtpConfig, clock: Clock = utc_now) -> None:
        self.config = config
        self._clock = clock
        self._envelope_sender = parseaddr(config.sender)[1] or config.sender

    async def send(self, message: Outgoing) -> Receipt:
        try:
            email = compose_email(message, self.config.sender, self._clock())
            wire = wire_bytes(email)
        except (ValueError, TypeError) as exc:
            return failed(f"cannot compose the email: {exc}")
        cfg = self.config
        try:
            await aiosmtplib.send(
                wire,
                sender=self._envelope_sender,
                recipients=[message.address],
                hostname=cfg.host,
                port=cfg.port,
                username=cfg.username,
                password=cfg.password,
                start_tls=cfg.start_tls,
                timeout=cfg.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return _refusal(exc.recipients[0])
        except aiosmtplib.SMTPRecipientRefused as exc:
            return _refusal(exc)
        except aiosmtplib.SMTPAuthenticationError as exc:
            return failed(f"SMTP login refused: {exc.code} {exc.message}")
        except aiosmtplib.SMTPResponseException as exc:
            return failed(f"SMTP {exc.code}: {exc.message}", retryable=400 <= exc.code < 500)
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError) as exc:
            return failed(f"SMTP server unreachable: {exc}", retryable=True)
        except aiosmtplib.SMTPServerDisconnected as exc:
            return failed(f"SMTP server disconnected: {exc}", retryable=True)
        except aiosmtplib.SMTPException as exc:
            return failed(f"SMTP error: {exc}")
        except OSError as exc:
            return failed(f"SMTP server unreachable: {exc!r}", retryable=True)
        return sent(email["Message-ID"])

    async def aclose(self) -> None:
        """Nothing to close: every send opens and closes its own session."""


def _refusal(refused: aiosmtplib.SMTPRecipientRefused) -> Receipt:
    error = f"SMTP {refused.code} for {refused.recipient}: {refused.message}"
    if 500 <= refused.code < 600:
        return bounced(error)
    return failed(error, retryable=True)
