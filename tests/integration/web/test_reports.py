"""Attribution and reports in the UI over the real app and store (both backends): credits by
the model chosen with the chart's numbers, a campaign's funnel, saving and holdout uplift, and
a person's path in customer 360; any role reads them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from omniweave.server import create
from omniweave.web.users import add_user
from tests.integration.analytics.test_paths import journey  # noqa: F401
from tests.integration.analytics.test_reports import campaign  # noqa: F401
from tests.integration.messaging.conftest import (  # noqa: F401
    clock,
    peers,
    timed,
    vapid,
)
from tests.integration.web.test_ui import PASSWORD


def signed_in(c, ws: int, role: str) -> Iterator[TestClient]:
    with c.engine.begin() as conn:
        add_user(conn, ws, f"{role}@example.com", role, PASSWORD, c.clock())
    with TestClient(create(c)) as client:
        answer = client.post(
            "/ui/login",
            data={"email": f"{role}@example.com", "password": PASSWORD},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        yield client


@pytest.fixture
def analyst_on_paths(journey) -> Iterator[tuple[TestClient, str, object]]:  # noqa: F811
    c, ws, person = journey
    for client in signed_in(c, ws, "analyst"):
        yield client, person, c


def test_attribution_by_the_model_chosen_with_the_chart_s_numbers(analyst_on_paths):
    ui, _person, _c = analyst_on_paths
    page = ui.get("/ui/reports", params={"model": "first_touch", "days": 30})
    assert page.status_code == 200
    assert '<option value="first_touch" selected>' in page.text
    credits = dict(
        re.findall(r'<tr data-credit="([^"]+)"><td>[^<]*</td><td class="num">([^<]+)<', page.text)
    )
    # Two paid orders: the first after the ad click, the second after the email.
    assert credits and sum(float(v) for v in credits.values()) == pytest.approx(2.0)
    chart = ui.get("/ui/data/attribution", params={"model": "first_touch", "days": 30}).json()
    assert sorted(chart["labels"]) == sorted(credits)
    assert sum(chart["conversions"]) == pytest.approx(2.0)
    for model in ("last_touch", "linear", "time_decay", "position_based", "markov", "shapley"):
        answer = ui.get("/ui/data/attribution", params={"model": model, "days": 30}).json()
        assert sum(answer["conversions"]) == pytest.approx(2.0), model
        assert ui.get("/ui/reports", params={"model": model}).status_code == 200, model
    # An unknown model or period falls back to Markov over 90 days, never a 500.
    fallback = ui.get("/ui/reports", params={"model": "nope", "by": "x", "days": 3})
    assert '<option value="markov" selected>' in fallback.text
    assert '<option value="90" selected>' in fallback.text
    by_campaign = ui.get("/ui/reports", params={"by": "campaign", "days": 30}).text
    assert "spring" in by_campaign


def test_a_person_s_path_in_customer_360(analyst_on_paths):
    ui, person, _c = analyst_on_paths
    page = ui.get(f"/ui/customers/{person}").text
    path = re.search(r'<section class="card" id="path">.*?</section>', page, re.S).group(0)
    assert "order ord-1" in path and "order ord-2" in path
    assert path.index("order ord-2") < path.index("order ord-1")  # newest first
    assert "email" in path


def test_the_campaign_report_shows_funnel_saving_and_uplift_with_its_interval(
    campaign,  # noqa: F811
    tenant,
):
    c, ws, held, buyers = campaign
    expected = c.analytics.campaign_report(ws, "spring")
    for ui in signed_in(c, ws, "marketer"):
        page = ui.get("/ui/reports/campaigns/spring")
        assert page.status_code == 200
        h = expected["holdout"]
        estimate = re.search(r'id="uplift-estimate">([^<]+)<', page.text).group(1)
        assert estimate == f"{100 * h['uplift']['estimate']:+.1f} pp"
        assert (
            f"{100 * h['uplift']['low']:+.1f} to {100 * h['uplift']['high']:+.1f} pp" in page.text
        )
        funnel = re.search(r'<tr data-channel="email">.*?</tr>', page.text, re.S).group(0)
        email = expected["byChannel"]["email"]
        assert f'<td class="num">{email["sent"]}</td>' in funnel
        assert re.search(r'id="report-saved">([^<]+)<', page.text).group(1) == (
            f"{float(expected['report']['saved']):.2f}"
        )
        assert 'href="/ui/reports/campaigns/spring"' in ui.get("/ui/campaigns/spring").text
        assert ui.get("/ui/reports/campaigns/nope").status_code == 404
        assert held and buyers
