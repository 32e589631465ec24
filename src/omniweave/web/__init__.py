"""The marketer's web UI: server-rendered pages with HTMX and ECharts under ``/ui``."""
