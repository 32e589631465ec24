"""Ingestion: Segment-spec and native records validated, normalised and appended idempotently."""
