"""Pricing benchmark: carts of 10 lines against 50 active promotions, over HTTP through the
real server and the same calculation called in-process.

Creates a scratch PostgreSQL schema (or a SQLite file with ``--sqlite``), loads a catalog of
500 skus, 50 promotions of every kind and a loyalty member, starts uvicorn, and asks
``POST /api/pricing/calculate`` ``--carts`` times from one client (a till waits for each
answer), then calls ``PricingService.calculate`` with the same requests. Prints one JSON line:
calculations per second and p50/p99 over HTTP and in-process, the pure engine alone, and
``ratio`` = HTTP p50 / in-process p50 (the HTTP overhead). The till's target is p99 <= 30 ms.

    .venv/bin/python bench/pricing.py [--carts 2000] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import orjson
from ingest import start_server, stop_server
from scratch import scratch_schema

from omniweave.access import service as access
from omniweave.access.model import Scope, SourceKind
from omniweave.bootstrap import bootstrap
from omniweave.commerce.catalog_input import CategoryIn, PriceIn, PriceListIn, ProductIn
from omniweave.commerce.catalog_store import (
    save_categories,
    save_price_lists,
    save_prices,
    save_products,
)
from omniweave.pricing.engine import Context, Line, calculate
from omniweave.pricing.requests import CalculateRequest
from omniweave.settings import Settings
from omniweave.store.engine import build_engine
from omniweave.store.migrate import upgrade

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SKUS = 500
CATEGORIES = ["shoes", "boots", "bags", "hats", "socks", "coats", "belts", "gloves"]
BRANDS = ["acme", "zoom", "nord", "kite", "lumo"]
TARGET_P99_MS = 30.0


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--carts", type=int, default=2000, help="calculations per phase")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OMNIWEAVE_BENCH_POSTGRES_URL", DEFAULT_URL),
        help="the database to make the scratch schema in (OMNIWEAVE_BENCH_POSTGRES_URL)",
    )
    return parser.parse_args(argv)


def promotions() -> list[dict]:
    """50 promotions of every kind, most applicable to a typical cart, some not."""
    found = []
    for n in range(50):
        kind = n % 7
        category, brand = CATEGORIES[n % len(CATEGORIES)], BRANDS[n % len(BRANDS)]
        base: dict = {"priority": n % 5, "when": {}}
        if kind == 0:
            base |= {
                "target": {"categories": [category]},
                "effect": {"type": "percent", "percent": 5 + n % 10},
            }
        elif kind == 1:
            base |= {
                "target": {"brands": [brand]},
                "effect": {"type": "fixed", "amount": 50, "per": "line"},
            }
        elif kind == 2:
            skus = [f"sku-{(n * 7 + i) % SKUS:03d}" for i in range(20)]
            base |= {"target": {"skus": skus}, "effect": {"type": "n_for_m", "buy": 3, "pay": 2}}
        elif kind == 3:
            base |= {
                "when": {"min_total": 3000},
                "effect": {"type": "fixed", "amount": 300, "per": "cart"},
            }
        elif kind == 4:
            pair = [f"sku-{n % SKUS:03d}", f"sku-{(n + 1) % SKUS:03d}"]
            base |= {"effect": {"type": "bundle", "skus": pair, "price": 500}}
        elif kind == 5:
            base |= {
                "when": {"channels": ["pos"], "tiers": ["gold"]},
                "effect": {"type": "points", "percent": 10},
            }
        else:
            base |= {
                "group": f"g{n % 3}",
                "when": {"segments": ["vip"]},
                "effect": {"type": "percent", "percent": 3},
            }
        found.append({"key": f"promo-{n:02d}", **base})
    return found


def seed(url: str) -> tuple[str, int]:
    """The catalog, the promotions, a member with a loyalty card; the till's key."""
    engine = build_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    container = bootstrap(Settings(database_url=url, resolver_interval_seconds=0), engine=engine)
    with engine.begin() as conn:
        ws = access.ensure_workspace(conn, "bench", now)
        till = access.ensure_source(conn, ws, "pos-001", SourceKind.POS, now)
        key = access.create_key(
            conn, workspace_id=ws, scope=Scope.WRITE, name="b", now=now, source_id=till
        )
        save_categories(conn, ws, [CategoryIn(id=c, name=c) for c in CATEGORIES], now)
        products = [
            ProductIn(
                sku=f"sku-{i:03d}",
                name=f"Item {i}",
                categoryId=CATEGORIES[i % 8],
                brand=BRANDS[i % 5],
            )
            for i in range(SKUS)
        ]
        save_products(conn, ws, products, now)
        save_price_lists(conn, ws, [PriceListIn(id="base", name="Base")], now)
        prices = [
            PriceIn(sku=f"sku-{i:03d}", amount=Decimal(100 + (i * 37) % 4900)) for i in range(SKUS)
        ]
        save_prices(conn, ws, "base", prices, now)
    for promo in promotions():
        container.promotions.put(ws, promo["key"], promo)
    container.ingest.customer(ws, till, {"customerId": "m1", "loyaltyCard": "CARD-1"})
    container.resolver.catch_up()
    container.close()
    return key.secret, ws


def carts(n: int) -> list[dict]:
    rnd = random.Random(7)
    found = []
    for i in range(n):
        lines = [
            {"sku": f"sku-{s:03d}", "quantity": rnd.randint(1, 3)}
            for s in rnd.sample(range(SKUS), 10)
        ]
        body = {"lines": lines, "channel": "pos", "store": "pos-001"}
        if i % 2 == 0:
            body["customer"] = {"loyaltyCard": "CARD-1"}
        found.append(body)
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(calls) -> tuple[list[float], float]:
    latencies, started = [], time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, time.perf_counter() - started


@contextmanager
def database(args: argparse.Namespace):
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
    else:
        with scratch_schema(args.postgres_url, "bench_pricing") as url:
            yield url


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    bodies = carts(args.carts)
    with database(args) as url, tempfile.TemporaryDirectory() as tmp:
        key, ws = seed(url)
        process, base = start_server(url, 1, Path(tmp) / "server.log")
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:
                for body in bodies[:50]:  # warm up: connections, caches
                    http.post("/api/pricing/calculate", json=body).raise_for_status()

                def ask(body: dict):
                    answer = http.post("/api/pricing/calculate", json=body)
                    if answer.status_code != 200:
                        raise RuntimeError(f"the server refused a cart: {answer.text[:500]}")
                    return answer

                http_ms, http_s = timed(lambda b=b: ask(b) for b in bodies)
                checked = [ask(b).json() for b in bodies[:20]]
                if any(found["errors"] for found in checked):
                    raise RuntimeError(f"a cart was not priced whole: {checked[0]['errors']}")
                totals = [found["total"] for found in checked]
        finally:
            stop_server(process)
        container = bootstrap(Settings(database_url=url, resolver_interval_seconds=0))
        requests = [CalculateRequest.model_validate(b) for b in bodies]
        for request in requests[:50]:
            container.pricing.calculate(ws, request)
        local_ms, local_s = timed(lambda r=r: container.pricing.calculate(ws, r) for r in requests)
        same = [str(container.pricing.calculate(ws, r)["total"]) for r in requests[:20]] == totals
        promos = container.pricing.cache._cache[ws][1]
        lines = [Line(f"sku-{i:03d}", Decimal(1 + i % 3), Decimal(100 + i * 37)) for i in range(10)]
        context = Context(channel="pos", store="pos-001")
        now = datetime.now(UTC)
        engine_ms, _ = timed(
            lambda: calculate(lines, context, promos, now) for _ in range(args.carts)
        )
        backend = container.engine.dialect.name
        container.close()
    p50, local_p50 = statistics.median(http_ms), statistics.median(local_ms)
    result = {
        "bench": "pricing",
        "backend": backend,
        "carts": args.carts,
        "lines_per_cart": 10,
        "active_promotions": len(promos),
        "http_per_s": round(args.carts / http_s, 1),
        "http_p50_ms": round(p50, 2),
        "http_p99_ms": round(percentile(http_ms, 0.99), 2),
        "inprocess_per_s": round(args.carts / local_s, 1),
        "inprocess_p50_ms": round(local_p50, 2),
        "inprocess_p99_ms": round(percentile(local_ms, 0.99), 2),
        "engine_only_p50_ms": round(statistics.median(engine_ms), 3),
        "ratio": round(p50 / local_p50, 2),
        "same_totals_http_and_inprocess": same,
        "target_p99_ms": TARGET_P99_MS,
        "p99_within_target": percentile(http_ms, 0.99) <= TARGET_P99_MS,
    }
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
