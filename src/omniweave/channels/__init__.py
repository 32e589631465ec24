"""Channels: deliver one rendered message to one address over a provider's real protocol.

Every adapter answers with a ``Receipt`` and never raises for what a provider says, so the
messaging layer decides retries and suppressions from data alone. ``peers/`` holds local
stand-ins for the providers, used by the demo and the tests.
"""

from omniweave.channels.model import Adapter, Outgoing, Receipt

__all__ = ["Adapter", "Outgoing", "Receipt"]
