"""Real peers on free ports, real adapters, and a small server that collects SMS reports."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from omniweave.channels.model import Outgoing, Receipt
from omniweave.channels.peers.runner import RunningPeers, start_peers
from omniweave.channels.registry import Adapters, ChannelsConfig


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPeers]:
    with start_peers(tmp_path_factory.mktemp("peers"), report_delay=0.05) as running:
        yield running


class ReportCollector:
    """An HTTP server that keeps every JSON body POSTed to it (the SMS callback URL)."""

    def __init__(self) -> None:
        self.reports: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with collector.arrived:
                    collector.reports.append(json.loads(body))
                    collector.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms-reports"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, reference: str, timeout: float = 5.0) -> dict[str, Any]:
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: any(r.get("reference") == reference for r in self.reports), timeout
            )
            assert found, f"no delivery report for {reference} in {timeout} s: {self.reports}"
            return next(r for r in self.reports if r.get("reference") == reference)


@pytest.fixture(scope="module")
def reports() -> Iterator[ReportCollector]:
    collector = ReportCollector()
    yield collector
    collector.server.shutdown()


def message(channel: str, address: str, content: dict[str, Any], **extra: Any) -> Outgoing:
    return Outgoing(f"test-{uuid.uuid4().hex}", channel, address, content, **extra)


def deliver(config: ChannelsConfig, *messages: Outgoing) -> list[Receipt]:
    """Send with freshly built adapters, in order, as the messaging workers would."""

    async def run() -> list[Receipt]:
        async with Adapters.from_config(config) as adapters:
            return [await adapters[m.channel].send(m) for m in messages]

    return asyncio.run(run())


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
