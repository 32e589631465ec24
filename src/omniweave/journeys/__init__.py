"""Journeys: the definition language, event filters, schedules and the pure step machine."""
