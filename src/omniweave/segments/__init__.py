"""Segments: who is in an audience, from a small typed definition compiled to SQL."""
