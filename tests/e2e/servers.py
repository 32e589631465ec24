"""The real server as a subprocess: ``uvicorn --factory omniweave.api.app:from_env`` (or, with
the web UI, ``omniweave.server:from_env``) on a free loopback port, the way an operator runs
it. ``kill()`` is a SIGKILL (a crash, not a shutdown)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson

APP = "omniweave.api.app:from_env"


def free_port() -> int:
    """A port nobody listens on now (the kernel picks it; a tiny race remains until bound)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One uvicorn process on a fixed port and database; ``start`` again after ``kill`` serves
    the same address, as a restarted service behind a load balancer would."""

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        port: int | None = None,
        *,
        app: str = APP,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.app = app
        self.env = env or {}
        self.log_path = log_path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Server:
        env = {
            **os.environ,
            **self.env,
            "OMNIWEAVE_DATABASE_URL": self.database_url,
            "OMNIWEAVE_LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable, "-m", "uvicorn", "--factory", self.app,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_healthy(timeout)
        return self

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}\n{self.log()}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz in {timeout} s\n{self.log()}")

    def kill(self) -> None:
        """A crash: SIGKILL, no chance to finish requests or close connections."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """A clean shutdown, then SIGKILL to the process group if it lingers."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def errors(self) -> list[str]:
        """Lines the server logged at error level: ours (JSON) and uvicorn's (``ERROR:``)."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                level = orjson.loads(line).get("level")
            except (orjson.JSONDecodeError, AttributeError):
                level = "error" if line.startswith(("ERROR", "CRITICAL")) else None
            if level in ("error", "critical"):
                found.append(line)
        return found

    def log(self) -> str:
        """The server's output so far, for a failing test's message."""
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def events(self, read_key: str, page: int = 1000) -> list[dict]:
        """The whole event log, read back the way an API client would: page by ``next``."""
        found: list[dict] = []
        after = 0
        with httpx.Client(base_url=self.url, timeout=10.0) as client:
            while True:
                answer = client.get(
                    "/api/events",
                    params={"after": after, "limit": page},
                    headers={"Authorization": f"Bearer {read_key}"},
                )
                answer.raise_for_status()
                body = answer.json()
                found.extend(body["events"])
                if body["next"] is None:
                    return found
                after = body["next"]


class Worker:
    """``omniweave worker`` as a subprocess (the log's consumers, timers, campaigns and the
    outbox), with extra settings in its environment; ``kill()`` is a SIGKILL."""

    def __init__(self, database_url: str, log_path: Path, env: dict[str, str]) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        env = {
            **os.environ,
            **self.env,
            "OMNIWEAVE_DATABASE_URL": self.database_url,
            "OMNIWEAVE_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "omniweave.cli.app", "worker", "--interval", "0.1"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""
