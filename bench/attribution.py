"""Attribution: our exact Markov (orders 1-3) and Shapley against ChannelAttribution, same run.

Reads ChannelAttribution's sample paths (``cypack/data/Data.csv`` inside its install: 10,000
paths over 12 channels, 19,785 conversions; or ``--data FILE``, the same ``;``-separated
columns). Times our Markov orders 1 to 3 plus Shapley plus the first/last/linear rules, and
ChannelAttribution's ``markov_model`` orders 1 to 3 (``--nsim`` simulations, one round:
``conv_par=1``) plus its ``heuristic_models``. Compares the conversion shares per channel.

Prints one JSON line:
{"bench": "attribution", "paths": ..., "channels": ..., "ours_s": ..., "reference_s": ...,
 "ratio": ours/reference, "markov_max_share_diff": {"1": ..., "2": ..., "3": ...},
 "heuristic_max_diff": ..., "shapley_s": ...}

``--pins`` instead prints ChannelAttribution's numbers on the file as JSON, to pin in a test.

    .venv/bin/python bench/attribution.py [--nsim 10000000] [--limit N] [--data FILE] [--pins]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib.util
import io
import json
import time
from pathlib import Path

from omniweave.analytics.attribution import attribute
from omniweave.analytics.model import paths_from_rows

HEURISTICS = {"first_touch": "first_touch", "last_touch": "last_touch", "linear": "linear_touch"}


def sample_file() -> Path:
    spec = importlib.util.find_spec("cypack")
    if spec is None or spec.origin is None:
        raise SystemExit("ChannelAttribution is not installed; pass --data FILE")
    return Path(spec.origin).parent / "data" / "Data.csv"


def reference(rows: list[list[str]], nsim: float, orders: list[int]) -> tuple[dict, float]:
    """ChannelAttribution's heuristic and Markov results, and the seconds they took."""
    import pandas as pd

    with contextlib.redirect_stdout(io.StringIO()):
        import ChannelAttribution as ca
    data = pd.DataFrame(rows, columns=["path", "conv", "value", "null"])
    data = data.astype({"conv": "int64", "value": "float64", "null": "int64"})
    out: dict[str, dict] = {}
    started = time.perf_counter()
    h = ca.heuristic_models(data, "path", "conv", var_value="value", flg_pro=False)
    for ours, theirs in HEURISTICS.items():
        out[ours] = {
            r.channel_name: [getattr(r, f"{theirs}_conversions"), getattr(r, f"{theirs}_value")]
            for r in h.itertuples()
        }
    for order in orders:
        m = ca.markov_model(
            data,
            "path",
            "conv",
            var_value="value",
            var_null="null",
            order=order,
            nsim_start=nsim,
            conv_par=1.0,
            verbose=False,
            flg_pro=False,
        )
        out[f"markov_{order}"] = {
            r.channel_name: [r.total_conversions, r.total_conversion_value] for r in m.itertuples()
        }
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--nsim", type=float, default=1e7)
    parser.add_argument("--orders", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--pins", action="store_true")
    args = parser.parse_args()
    with (args.data or sample_file()).open(newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))[1:]
    rows = rows[: args.limit] if args.limit else rows
    theirs, reference_s = reference(rows, args.nsim, args.orders)
    if args.pins:
        print(json.dumps({"nsim": args.nsim, **theirs}, sort_keys=True))
        return
    paths = paths_from_rows(rows)
    total = sum(p.conversions for p in paths)
    started = time.perf_counter()
    ours = {f"markov_{o}": attribute(paths, "markov", order=o) for o in args.orders}
    ours |= {m: attribute(paths, m) for m in HEURISTICS}
    shapley_started = time.perf_counter()
    attribute(paths, "shapley")
    ended = time.perf_counter()
    markov_diff = {
        str(o): max(
            abs(ours[f"markov_{o}"].conversions()[c] - v[0]) / total
            for c, v in theirs[f"markov_{o}"].items()
        )
        for o in args.orders
    }
    heuristic_diff = max(
        max(abs(ours[m].conversions()[c] - v[0]), abs(ours[m].values()[c] - v[1]))
        for m in HEURISTICS
        for c, v in theirs[m].items()
    )
    print(
        json.dumps(
            {
                "bench": "attribution",
                "paths": len(paths),
                "channels": len(ours["first_touch"].credits),
                "conversions": total,
                "nsim": args.nsim,
                "ours_s": round(ended - started, 6),
                "shapley_s": round(ended - shapley_started, 6),
                "reference_s": round(reference_s, 6),
                "ratio": round((ended - started) / reference_s, 6),
                "markov_max_share_diff": markov_diff,
                "heuristic_max_diff": heuristic_diff,
            }
        )
    )


if __name__ == "__main__":
    main()
