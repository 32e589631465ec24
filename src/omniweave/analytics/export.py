"""Report rows out: CSV and Parquet files (through Arrow), and charts as PNG or SVG."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from omniweave.core.errors import InvalidInput

CHART_SUFFIXES = (".png", ".svg")


def write_rows(rows: Sequence[Mapping[str, Any]], target: Path) -> None:
    """``rows`` (flat dicts, same keys) as CSV or Parquet, by the file's suffix."""
    if target.suffix == ".parquet":
        columns = list(rows[0]) if rows else []
        table = pa.table({c: [r[c] for r in rows] for c in columns})
        pq.write_table(table, target)
    elif target.suffix == ".csv":
        with target.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else [])
            writer.writeheader()
            writer.writerows(rows)
    else:
        raise InvalidInput.one("output", "a .csv or .parquet file")


def bar_chart(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], target: Path
) -> None:
    """Grouped horizontal bars, one group per label, saved as PNG or SVG by the suffix."""
    if target.suffix not in CHART_SUFFIXES:
        raise InvalidInput.one("chart", "a .png or .svg file")
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "omniweave"  # the same chart, the same bytes
    from matplotlib import pyplot as plt

    height = 0.8 / max(len(series), 1)
    fig, ax = plt.subplots(figsize=(8, 1 + 0.45 * len(labels) * max(len(series), 1) ** 0.5))
    for i, (name, values) in enumerate(series.items()):
        ax.barh([y + i * height for y in range(len(labels))], values, height, label=name)
    ax.set_yticks([y + height * (len(series) - 1) / 2 for y in range(len(labels))], labels)
    ax.invert_yaxis()
    ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(target, metadata={"Date": None} if target.suffix == ".svg" else None)
    plt.close(fig)
