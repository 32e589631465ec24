"""Segments: define, preview with the time it took, list, export members or an audience."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from omniweave.api.deps import AdminKey, ContainerDep, ReadKey
from omniweave.segments.service import audience_lines

router = APIRouter(prefix="/api/segments", tags=["segments"])


class Preview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: dict[str, Any]
    sample: int = Field(10, ge=0, le=1000)


class SegmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    definition: dict[str, Any]
    description: str | None = Field(None, max_length=500)


@router.post("/preview")
async def preview(body: Preview, principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """How many profiles a definition selects now, a sample, and the seconds it took. A wrong
    definition is a 400 naming the path of the wrong node."""
    return await run_in_threadpool(
        container.segments.preview, principal.workspace_id, body.definition, body.sample
    )


@router.post("")
async def save(body: SegmentBody, principal: AdminKey, container: ContainerDep) -> dict[str, Any]:
    """Create or replace a segment by name."""
    return await run_in_threadpool(
        container.segments.save,
        principal.workspace_id,
        body.name,
        body.definition,
        body.description,
    )


@router.get("")
async def list_segments(principal: ReadKey, container: ContainerDep) -> dict[str, Any]:
    """The workspace's segments."""
    found = await run_in_threadpool(container.segments.list, principal.workspace_id)
    return {"segments": found}


@router.get("/{name}/export")
async def export(
    name: str,
    principal: ReadKey,
    container: ContainerDep,
    format: Literal["csv", "audience"] = "csv",
) -> StreamingResponse:
    """Members as CSV (profile_id, emails, phones), or an ad network's audience file (SHA-256
    of normalised emails and phones), streamed."""
    contacts = container.segments.contacts(principal.workspace_id, name)
    first = await run_in_threadpool(next, contacts, None)  # a missing segment fails here, as 404

    def rows() -> Iterator[list[str]]:
        pending = [first] if first is not None else []
        for member in _chain(pending, contacts):
            if format == "csv":
                yield [member["profile_id"], ";".join(member["email"]), ";".join(member["phone"])]
            else:
                yield from ([kind, digest] for kind, digest in audience_lines(iter([member])))

    header = ["profile_id", "email", "phone"] if format == "csv" else ["type", "sha256"]
    return StreamingResponse(
        _csv(header, rows()),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{format}.csv"'},
    )


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _csv(header: list[str], rows: Iterator[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
