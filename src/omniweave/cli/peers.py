"""``omniweave peers``: run local stand-ins for every provider, for the demo and development;
``omniweave serve --peers`` starts them in the server's process and points every channel at
them, so the demo really delivers."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import typer
from rich.table import Table

from omniweave.channels.peers.runner import RunningPeers, start_peers
from omniweave.channels.webpush import generate_vapid_keys
from omniweave.cli.output import console, fail

PEERS_DIRECTORY = Path(".omniweave/peers")


def vapid_key(directory: Path) -> str:
    """The demo's VAPID private key, made once and kept (browsers bind to its public key)."""
    path = directory / "vapid.json"
    if path.exists():
        return json.loads(path.read_text())["private"]
    private, public = generate_vapid_keys()
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"private": private, "public": public}))
    return private


def peer_settings(running: RunningPeers, vapid_private_key: str) -> dict[str, str]:
    """The ``OMNIWEAVE_*`` settings that point every channel at the peers."""
    c, url = running.credentials, running.http_url
    return {
        "OMNIWEAVE_SMTP_HOST": running.smtp_host,
        "OMNIWEAVE_SMTP_PORT": str(running.smtp_port),
        "OMNIWEAVE_SMTP_SENDER": "Omniweave Demo <noreply@omniweave.local>",
        "OMNIWEAVE_SMS_GATEWAY_URL": f"{url}/sms",
        "OMNIWEAVE_SMS_API_KEY": c.sms_api_key,
        "OMNIWEAVE_FCM_URL": f"{url}/fcm",
        "OMNIWEAVE_FCM_PROJECT": c.fcm_project,
        "OMNIWEAVE_FCM_ACCESS_TOKEN": c.fcm_access_token,
        "OMNIWEAVE_APNS_URL": f"{url}/apns",
        "OMNIWEAVE_APNS_TOPIC": c.apns_topic,
        "OMNIWEAVE_APNS_TOKEN": c.apns_token,
        "OMNIWEAVE_VAPID_PRIVATE_KEY": vapid_private_key,
        "OMNIWEAVE_VIBER_URL": f"{url}/viber",
        "OMNIWEAVE_VIBER_TOKEN": c.viber_auth_token,
        "OMNIWEAVE_TELEGRAM_URL": f"{url}/telegram",
        "OMNIWEAVE_TELEGRAM_TOKEN": c.telegram_bot_token,
        "OMNIWEAVE_WEBHOOK_SECRET": "peer-webhook-secret",
        "OMNIWEAVE_WEBHOOK_ALLOW_PRIVATE": "1",  # the peers listen on 127.0.0.1
    }


def start_demo_peers(
    directory: Path = PEERS_DIRECTORY, smtp_port: int = 2525, http_port: int = 8025
) -> RunningPeers:
    """Start the peers and set this process's environment to use them (settings the user
    gave explicitly win)."""
    try:
        running = start_peers(directory, smtp_port=smtp_port, http_port=http_port)
    except OSError as exc:
        raise fail(f"cannot start the peers: {exc}") from None
    for name, value in peer_settings(running, vapid_key(directory)).items():
        os.environ.setdefault(name, value)
    return running


def peers(
    directory: Path = typer.Option(
        PEERS_DIRECTORY, "--directory", help="Where received messages are filed."
    ),
    smtp_port: int = typer.Option(2525, "--smtp-port", help="SMTP port of the mailbox."),
    http_port: int = typer.Option(8025, "--http-port", help="Port of the HTTP peers."),
) -> None:
    """Run local stand-ins for the email, SMS, push, web push, Viber, Telegram and webhook
    providers until Ctrl-C, and print the settings that point Omniweave at them.

    They speak and check the real protocols (SMTP; an SMS gateway with delivery reports; FCM
    HTTP v1 and APNs; RFC 8030 web push with VAPID, decrypted on arrival; Viber's and
    Telegram's bot APIs; a webhook sink) and file what they receive in DIRECTORY. Addresses
    starting with "dead" behave as gone; SMS numbers ending in 0000 are reported undeliverable.
    See what arrived at HTTP_URL/inbox and HTTP_URL/stats, and emails in DIRECTORY/mailbox.
    """
    try:
        running = start_peers(directory, smtp_port=smtp_port, http_port=http_port)
    except OSError as exc:
        raise fail(f"cannot start the peers: {exc}") from None
    with running:
        url = running.http_url
        console.print(f"SMTP mailbox  [bold]{running.smtp_host}:{running.smtp_port}[/]")
        console.print(f"HTTP peers    [bold]{url}[/]  (inbox {url}/inbox, stats {url}/stats)")
        console.print(f"Filed in      {running.directory.resolve()}")
        table = Table(title="Point Omniweave at them (environment)", title_justify="left")
        table.add_column("setting")
        table.add_column("value")
        for name, value in peer_settings(running, vapid_key(directory)).items():
            table.add_row(name, value)
        console.print(table)
        console.print("Ctrl-C stops them.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopping the peers")
