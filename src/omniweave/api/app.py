"""The ASGI app: ``create_app(container)``; uvicorn uses ``omniweave.api.app:from_env``."""

from __future__ import annotations

from fastapi import FastAPI

import omniweave
from omniweave.api import errors, health, reads, records, tracking
from omniweave.api.responses import Json
from omniweave.bootstrap import Container, bootstrap
from omniweave.logs import configure_logging


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="Omniweave",
        version=omniweave.__version__,
        description="Omnichannel customer data and marketing orchestration.",
        default_response_class=Json,
    )
    app.state.container = container
    errors.install(app)
    for module in (health, tracking, records, reads):
        app.include_router(module.router)
    return app


def from_env() -> FastAPI:
    """The factory ``omniweave serve`` and uvicorn's ``--factory`` use."""
    container = bootstrap()
    configure_logging(container.settings.log_level, container.settings.log_json)
    return create_app(container)
