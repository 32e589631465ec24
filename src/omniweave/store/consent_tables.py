"""Consents, subscriptions and channel addresses' delivery state (issue 5)."""

from omniweave.store.tables import metadata  # noqa: F401  (tables join the shared metadata)
