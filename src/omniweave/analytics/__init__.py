"""Measure: customer paths, multi-touch attribution, campaign and journey reports, CLV."""
