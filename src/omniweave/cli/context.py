"""The container a command works with, built once per invocation from the environment."""

from __future__ import annotations

from functools import cache

from omniweave.bootstrap import Container, bootstrap
from omniweave.logs import configure_logging
from omniweave.settings import Settings


@cache
def container() -> Container:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    return bootstrap(settings)
