"""The demo's API keys, kept in a local file so every ``omniweave demo`` prints the same ones.

The store keeps only hashes, so the file is the one place the secrets live: it is written with
mode 0600. A key the store no longer accepts (revoked, or another database) is replaced.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from omniweave.access.model import Principal, Scope
from omniweave.access.service import create_key
from omniweave.bootstrap import Container
from omniweave.demo.model import DemoWorkspace


@dataclass(frozen=True)
class DemoKey:
    name: str
    scope: Scope
    source: str | None = None  # the source a write key writes for


DEMO_KEYS = (
    DemoKey("site", Scope.WRITE, "site"),
    DemoKey("app", Scope.WRITE, "app"),
    DemoKey("read", Scope.READ),
    DemoKey("admin", Scope.ADMIN),
)


def keys_to_replace(
    saved: dict[str, str],
    verify: Callable[[str], Principal | None],
    workspace: DemoWorkspace,
) -> list[DemoKey]:
    """The demo keys missing from ``saved`` or no longer valid for what they are meant for."""
    stale = []
    for key in DEMO_KEYS:
        secret = saved.get(key.name)
        principal = verify(secret) if isinstance(secret, str) else None
        expected_source = workspace.source_ids[key.source] if key.source else None
        if (
            principal is None
            or principal.workspace_id != workspace.workspace_id
            or principal.scope is not key.scope
            or principal.source_id != expected_source
        ):
            stale.append(key)
    return stale


def ensure_demo_keys(container: Container, workspace: DemoWorkspace) -> dict[str, str]:
    """The saved secrets when they still work; fresh keys (and a rewritten file) when not."""
    path = Path(container.settings.demo_keys_file)
    saved = read_keys_file(path)
    stale = keys_to_replace(saved, container.keys.verify, workspace)
    if not stale:
        return {key.name: saved[key.name] for key in DEMO_KEYS}
    now = container.clock()
    with container.engine.begin() as conn:
        for key in stale:
            created = create_key(
                conn,
                workspace_id=workspace.workspace_id,
                scope=key.scope,
                name=f"demo {key.name}",
                now=now,
                source_id=workspace.source_ids[key.source] if key.source else None,
            )
            saved[key.name] = created.secret
    secrets = {key.name: saved[key.name] for key in DEMO_KEYS}
    write_keys_file(path, secrets)
    return secrets


def read_keys_file(path: Path) -> dict[str, str]:
    """The saved secrets, or nothing when the file is missing or not ours to understand."""
    try:
        content = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(content, dict):
        return {}
    return {k: v for k, v in content.items() if isinstance(k, str) and isinstance(v, str)}


def write_keys_file(path: Path, secrets: dict[str, str]) -> None:
    """Atomically, readable by the owner only (created 0600, never briefly wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(orjson.dumps(secrets, option=orjson.OPT_INDENT_2) + b"\n")
    os.chmod(partial, 0o600)
    os.replace(partial, path)
