"""Start every peer in this process, each in its own thread, and say where they listen.

Port 0 means "any free port" (tests); the HTTP socket is bound before uvicorn starts, so the
address is known and cannot be taken in between.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import uvicorn
from aiosmtpd.controller import Controller

from omniweave.channels.email import SmtpConfig
from omniweave.channels.messengers import TelegramConfig, ViberConfig
from omniweave.channels.peers.http import create_peer_app
from omniweave.channels.peers.journal import Journal, PeerCredentials
from omniweave.channels.peers.mailbox import Mailbox, start_mailbox
from omniweave.channels.push import PushConfig
from omniweave.channels.registry import ChannelsConfig
from omniweave.channels.sms import SmsGatewayConfig
from omniweave.channels.webhook import WebhookConfig
from omniweave.channels.webpush import WebPushConfig

STARTUP_SECONDS = 10.0


@dataclass
class RunningPeers:
    directory: Path
    smtp_host: str
    smtp_port: int
    http_url: str
    mailbox: Mailbox
    journal: Journal
    credentials: PeerCredentials
    _controller: Controller = field(repr=False)
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def channels_config(
        self,
        *,
        sender: str = "Omniweave Demo <noreply@omniweave.local>",
        sms_callback_url: str | None = None,
        vapid_private_key: str | None = None,
        vapid_subject: str = "mailto:ops@omniweave.local",
        webhook_secret: str = "peer-webhook-secret",
        timeout: float = 5.0,
    ) -> ChannelsConfig:
        """Settings that point every adapter at these peers (web push needs a VAPID key)."""
        c, url = self.credentials, self.http_url
        web_push = None
        if vapid_private_key:
            web_push = WebPushConfig(
                vapid_private_key, vapid_subject, timeout=timeout, allow_private=True
            )
        return ChannelsConfig(
            email=SmtpConfig(self.smtp_host, self.smtp_port, sender, timeout=timeout),
            sms=SmsGatewayConfig(
                f"{url}/sms", c.sms_api_key, "Omniweave", sms_callback_url, timeout=timeout
            ),
            push=PushConfig(
                fcm_project=c.fcm_project,
                fcm_access_token=c.fcm_access_token,
                fcm_url=f"{url}/fcm",
                apns_topic=c.apns_topic,
                apns_token=c.apns_token,
                apns_url=f"{url}/apns",
                timeout=timeout,
            ),
            web_push=web_push,
            viber=ViberConfig(c.viber_auth_token, "Omniweave", f"{url}/viber", timeout=timeout),
            telegram=TelegramConfig(c.telegram_bot_token, f"{url}/telegram", timeout=timeout),
            webhook=WebhookConfig(webhook_secret, allow_private=True, timeout=timeout),
        )

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=STARTUP_SECONDS)
        self._controller.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_peers(
    directory: Path | str,
    smtp_port: int = 0,
    http_port: int = 0,
    *,
    host: str = "127.0.0.1",
    credentials: PeerCredentials | None = None,
    report_delay: float = 0.2,
) -> RunningPeers:
    """Start the SMTP mailbox and the HTTP peers; they file what they receive in ``directory``."""
    directory = Path(directory)
    credentials = credentials or PeerCredentials()
    mailbox, controller = start_mailbox(directory / "mailbox", host, smtp_port or _free_port(host))
    journal = Journal(directory)
    app = create_peer_app(directory, credentials, report_delay, journal, mailbox)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, http_port))
    except OSError:
        controller.stop()
        sock.close()
        raise
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="omniweave-peers", daemon=True
    )
    thread.start()
    _wait_until_started(server, thread, controller)
    return RunningPeers(
        directory=directory,
        smtp_host=host,
        smtp_port=controller.port,
        http_url=f"http://{host}:{sock.getsockname()[1]}",
        mailbox=mailbox,
        journal=journal,
        credentials=credentials,
        _controller=controller,
        _server=server,
        _thread=thread,
    )


def _wait_until_started(
    server: uvicorn.Server, thread: threading.Thread, controller: Controller
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            controller.stop()
            server.should_exit = True
            raise RuntimeError("the HTTP peers did not start")
        time.sleep(0.01)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
