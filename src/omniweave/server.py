"""The process's ASGI app: the HTTP API with the web UI mounted under ``/ui``.

``omniweave serve`` runs ``omniweave.server:from_env``; ``omniweave.api.app:from_env`` still
serves the API alone. The composition lives here because the API and the UI are siblings
that do not import each other (pyproject's import-linter contract)."""

from __future__ import annotations

from fastapi import FastAPI

from omniweave.api.app import create_app
from omniweave.api.app import from_env as api_from_env
from omniweave.bootstrap import Container
from omniweave.web.app import mount


def create(container: Container) -> FastAPI:
    return mount(create_app(container))


def from_env() -> FastAPI:
    return mount(api_from_env())
