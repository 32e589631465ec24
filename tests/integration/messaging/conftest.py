"""Messaging tests run against the real stand-in peers (an SMTP mailbox, the SMS gateway,
FCM/APNs, web push, Viber, Telegram, webhooks), started once per session on free ports."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from omniweave.bootstrap import Container, bootstrap
from omniweave.channels.peers.runner import RunningPeers, start_peers
from omniweave.channels.webpush import generate_vapid_keys
from omniweave.settings import Settings

NOW = datetime.now(UTC)


@pytest.fixture(scope="session")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPeers]:
    with start_peers(tmp_path_factory.mktemp("peers"), report_delay=0.05) as running:
        yield running


@pytest.fixture(scope="session")
def vapid() -> tuple[str, str]:
    return generate_vapid_keys()


@pytest.fixture
def delivering(
    database_url: str, engine: Engine, peers: RunningPeers, vapid: tuple[str, str]
) -> Container:
    """A container whose providers are the peers."""
    return bootstrap(
        Settings(database_url=database_url, identity_settle_seconds=0, resolver_interval_seconds=0),
        engine=engine,
        channels=peers.channels_config(vapid_private_key=vapid[0]),
    )


def deliver(container: Container, rounds: int = 3) -> int:
    """Run the outbox worker until nothing is due (or ``rounds`` rounds)."""

    async def run() -> int:
        sender = container.sender()
        done = 0
        for _ in range(rounds):
            handled = await sender.send_due()
            done += handled
            if not handled:
                break
        await sender.adapters.aclose()
        return done

    return asyncio.run(run())


def identify(user_id: str, days_ago: float = 1, **traits) -> dict:
    return {
        "type": "identify",
        "userId": user_id,
        "messageId": f"identify-{user_id}-{sorted(traits)}",
        "timestamp": (NOW - timedelta(days=days_ago)).isoformat(),
        "traits": traits,
    }


def device(user_id: str, token: str) -> dict:
    return {
        "type": "track",
        "event": "Application Opened",
        "userId": user_id,
        "messageId": f"app-{user_id}-{token}",
        "timestamp": (NOW - timedelta(days=1)).isoformat(),
        "context": {"device": {"token": token}},
    }


class Clock:
    """A clock the test moves: journeys wait hours and days."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def timed(
    database_url: str, engine: Engine, peers: RunningPeers, vapid: tuple[str, str], clock: Clock
) -> Container:
    """A container on the test's clock whose providers are the peers."""
    return bootstrap(
        Settings(database_url=database_url, identity_settle_seconds=0, resolver_interval_seconds=0),
        engine=engine,
        clock=clock,
        channels=peers.channels_config(vapid_private_key=vapid[0]),
    )


def settle(container: Container, rounds: int = 4) -> None:
    """The background loop, a few rounds (announcements and messages produce events too)."""
    for _ in range(rounds):
        if not container.catch_up():
            return
