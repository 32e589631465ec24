"""The ASGI app: ``create_app(container)``; uvicorn uses ``omniweave.api.app:from_env``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

import omniweave
from omniweave.api import (
    analytics,
    audit,
    campaigns,
    carts,
    catalog,
    consents,
    coupons,
    errors,
    health,
    identity,
    journeys,
    loyalty,
    messages,
    orders,
    pricing,
    privacy,
    profiles,
    promotions,
    reads,
    records,
    segment_members,
    segments,
    templates,
    tracking,
    traits,
    web_push,
)
from omniweave.api.responses import Json
from omniweave.bootstrap import Container, bootstrap
from omniweave.logs import configure_logging, log


async def resolve_in_background(container: Container, interval: float) -> None:
    """Keep profiles current: resolve new events as they land and recompute what derives from
    them (the ``worker`` command does the same in its own process; both may run, the cursor
    locks keep them apart)."""
    while True:
        try:
            done = await run_in_threadpool(container.catch_up)
        except Exception as exc:  # a failed round is logged and retried, never fatal
            log.error("background work failed", exc_info=exc)
            done = 0
        if done == 0:
            await asyncio.sleep(interval)


async def deliver_in_background(container: Container, interval: float) -> None:
    """Send what the outbox holds as it becomes due (the ``worker`` command does the same;
    leases keep several senders apart)."""
    sender = container.sender()
    try:
        while True:
            try:
                done = await sender.send_due()
                done += await run_in_threadpool(sender.chase_unopened)
            except Exception as exc:  # a failed round is logged and retried, never fatal
                log.error("sending failed", exc_info=exc)
                done = 0
            if done == 0:
                await asyncio.sleep(interval)
    finally:
        await sender.adapters.aclose()


async def write_log_in_background(container: Container, interval: float) -> None:
    """With the NATS bus on: move what the API published into the log (``omniweave worker``
    does the same; JetStream hands each message to one of them)."""
    writer = container.log_writer()
    assert writer is not None
    try:
        while True:
            try:
                done = await writer.drain_once()
            except Exception as exc:  # unacknowledged messages come back: retried, never lost
                log.error("writing the bus into the log failed", exc_info=exc)
                done = 0
            if done == 0:
                await asyncio.sleep(interval)
    finally:
        await writer.close()


def create_app(container: Container) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        interval = container.settings.resolver_interval_seconds if container else 0
        tasks = []
        if interval:
            tasks.append(asyncio.create_task(resolve_in_background(container, interval)))
            tasks.append(asyncio.create_task(deliver_in_background(container, min(interval, 0.2))))
            if container.bus is not None:
                tasks.append(asyncio.create_task(write_log_in_background(container, 0.05)))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if container and container.bus is not None:
            await container.bus.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Omniweave",
        version=omniweave.__version__,
        description="Omnichannel customer data and marketing orchestration.",
        default_response_class=Json,
    )
    app.state.container = container
    errors.install(app)
    app.add_middleware(errors.RefuseNul)
    app.add_middleware(audit.AuditTrail)
    routers = (
        health,
        tracking,
        records,
        reads,
        profiles,
        privacy,
        identity,
        segments,
        segment_members,
        traits,
        consents,
        templates,
        messages,
        journeys,
        campaigns,
        web_push,
        catalog,
        carts,
        orders,
        pricing,
        promotions,
        coupons,
        loyalty,
        audit,
        analytics,
    )
    for module in routers:
        app.include_router(module.router)
    return app


def from_env() -> FastAPI:
    """The factory ``omniweave serve`` and uvicorn's ``--factory`` use."""
    container = bootstrap()
    configure_logging(container.settings.log_level, container.settings.log_json)
    app = create_app(container)
    # Everything built so far lives as long as the process: keep it out of the collector's
    # generations, and collect the young one less often (5-15% more ingest throughput).
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    return app
