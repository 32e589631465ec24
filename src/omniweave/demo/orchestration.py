"""The demo's templates, segments, journeys, campaign and promotions (``orchestration.yaml``),
applied on every ``omniweave demo``: applying the same definitions again changes nothing."""

from __future__ import annotations

from pathlib import Path

import yaml

from omniweave.bootstrap import Container

DEFINITIONS = Path(__file__).with_name("orchestration.yaml")


def apply_orchestration(container: Container, workspace_id: int) -> list[str]:
    """Apply every definition of the file; the names applied."""
    applied = []
    for document in yaml.safe_load_all(DEFINITIONS.read_text(encoding="utf-8")):
        kind = document.pop("kind")
        if kind == "template":
            container.messaging.save_template(workspace_id, document)
        elif kind == "segment":
            container.segments.save(
                workspace_id, document["name"], document["definition"], document["description"]
            )
        elif kind == "journey":
            container.journeys.apply(workspace_id, document)
        elif kind == "campaign" and not any(
            c["name"] == document["name"] for c in container.campaigns.list(workspace_id)
        ):
            container.campaigns.save(workspace_id, document)
        elif kind == "promotion":  # the same definition again is no new version
            container.promotions.put(workspace_id, None, document)
        applied.append(f"{kind} {document.get('name') or document.get('key')}")
    return applied
