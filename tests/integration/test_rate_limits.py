"""Ingestion rate limits per key over HTTP (both backends): a 429 with Retry-After naming the
key's limit, counted in /metrics; a key's own limit wins over the setting; reads unaffected."""

from __future__ import annotations

from omniweave.access import service as access
from omniweave.access.model import Scope
from omniweave.access.rate import Limit, RateLimiter


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def track(n: int) -> dict:
    return {"userId": "u", "event": "E", "messageId": f"m{n}"}


def test_a_key_over_its_rate_gets_429_and_others_do_not(client, container, tenant):
    # the setting's default, as OMNIWEAVE_INGEST_RATE_PER_SECOND=0.001 and _BURST=2 build it
    container.rates = RateLimiter(Limit(0.001, 2))
    with container.engine.begin() as conn:
        roomy = access.create_key(conn, workspace_id=tenant.workspace_id, scope=Scope.WRITE,
                                  name="bulk", now=container.clock(), source_id=tenant.site_id,
                                  rate_per_second=1000, rate_burst=50).secret  # fmt: skip
    write = bearer(tenant.write_key)
    assert [client.post("/v1/track", json=track(i), headers=write).status_code
            for i in range(3)] == [200, 200, 429]  # fmt: skip
    refused = client.post("/v1/track", json=track(9), headers=write)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert body["error"] == "rate_limited" and body["limit"] == {"perSecond": 0.001, "burst": 2}
    customer = {"customerId": "c1", "email": "c@example.com"}
    assert client.post("/api/customers", json=customer, headers=write).status_code == 429

    assert all(client.post("/v1/track", json=track(100 + i), headers=bearer(roomy)).status_code
               == 200 for i in range(5))  # fmt: skip
    assert client.get("/api/sources", headers=bearer(tenant.read_key)).status_code == 200
    metrics = client.get("/metrics").text
    line = next(x for x in metrics.splitlines() if x.startswith("omniweave_ingest_rate_limited"))
    assert float(line.split()[-1]) >= 3
