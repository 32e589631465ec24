"""Omniweave: a self-hosted omnichannel customer-data and marketing-orchestration platform."""

__version__ = "0.1.0"
