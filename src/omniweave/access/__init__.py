"""Workspaces, sources and API keys: who may write to or read from which part of the store."""
