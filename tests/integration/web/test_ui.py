"""The UI over the real app and store (both backends): sign-in and its cookie, throttling,
CSRF, roles, and the pages answering with what the services hold."""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from omniweave.bootstrap import Container
from omniweave.cli.app import app as cli
from omniweave.cli.context import container as cli_container
from omniweave.server import create
from omniweave.store.ui_tables import ui_sessions
from omniweave.web.users import add_user, session_secret

PASSWORD = "correct horse battery"


@pytest.fixture
def ui(container: Container, tenant) -> Iterator[TestClient]:
    with container.engine.begin() as conn:
        for role in ("marketer", "analyst"):
            add_user(
                conn, tenant.workspace_id, f"{role}@example.com", role, PASSWORD, container.clock()
            )
    with TestClient(create(container), raise_server_exceptions=True) as client:
        yield client


def sign_in(client: TestClient, who: str, password: str = PASSWORD):
    return client.post(
        "/ui/login",
        data={"email": who, "password": password, "next": "/ui/segments"},
        follow_redirects=False,
    )


def csrf(client: TestClient) -> str:
    page = client.get("/ui/segments").text
    return re.search(r'"X-CSRF-Token": "([^"]+)"', page).group(1)


def test_pages_need_a_session(ui):
    answer = ui.get("/ui/campaigns", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?next=/ui/campaigns"
    htmx = ui.get("/ui/data/revenue", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/ui/login"


def test_sign_in_sets_a_signed_http_only_cookie_and_sign_out_ends_it(ui, container):
    answer = sign_in(ui, "Marketer@Example.com ")
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/segments"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/ui" in cookie
    assert ui.get("/ui/segments").status_code == 200
    # A tampered cookie is no session.
    value = ui.cookies.get("ow_session")
    forged = TestClient(
        ui.app, cookies={"ow_session": value[:-1] + ("0" if value[-1] != "0" else "1")}
    )
    assert forged.get("/ui/", follow_redirects=False).status_code == 303
    out = ui.post("/ui/logout", data={"csrf": csrf(ui)}, follow_redirects=False)
    assert out.status_code == 303
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ui_sessions)).scalar() == 0
    again = TestClient(ui.app, cookies={"ow_session": value})
    assert again.get("/ui/", follow_redirects=False).status_code == 303


def test_a_wrong_password_is_named_and_five_in_a_row_lock_the_user_out(ui):
    wrong = sign_in(ui, "marketer@example.com", "nope")
    assert wrong.status_code == 400 and "wrong email or password" in wrong.text
    unknown = sign_in(ui, "nobody@example.com", "nope")
    assert unknown.status_code == 400 and "wrong email or password" in unknown.text
    for _ in range(4):
        sign_in(ui, "marketer@example.com", "nope")
    locked = sign_in(ui, "marketer@example.com")  # even the right password waits
    assert locked.status_code == 429 and "try later" in locked.text
    assert sign_in(ui, "analyst@example.com").status_code == 303  # another user is not


def test_an_open_redirect_is_not_possible(ui):
    answer = ui.post(
        "/ui/login",
        data={"email": "marketer@example.com", "password": PASSWORD, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/ui/"


def test_a_post_without_the_csrf_token_is_refused(ui, container, tenant):
    sign_in(ui, "marketer@example.com")
    body = {"name": "vip", "definition": "identifier: {type: email}"}
    refused = ui.post("/ui/segments", data=body)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert container.segments.list(tenant.workspace_id) == []
    saved = ui.post("/ui/segments", data=body, headers={"X-CSRF-Token": csrf(ui)})
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == "/ui/segments"
    assert [s["name"] for s in container.segments.list(tenant.workspace_id)] == ["vip"]


def test_an_analyst_reads_but_cannot_change_or_send(ui, container, tenant):
    ws = tenant.workspace_id
    container.messaging.save_template(
        ws, {"name": "promo", "topic": "marketing", "channels": {"sms": {"text": "Hi"}}}
    )
    container.segments.save(ws, "all", {"identifier": {"type": "user_id"}}, None)
    container.campaigns.save(ws, {"name": "spring", "segment": "all", "template": "promo"})
    sign_in(ui, "analyst@example.com")
    token = csrf(ui)
    page = ui.get("/ui/campaigns/spring")
    assert page.status_code == 200 and "Campaign spring" in page.text
    assert 'id="test-send"' not in page.text and 'id="start-campaign"' not in page.text
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    start = ui.post("/ui/campaigns/spring/start", headers=headers)
    assert start.status_code == 403
    assert "analyst can read everything but cannot send" in start.text
    assert container.campaigns.get(ws, "spring")["status"] == "draft"
    edit = ui.post("/ui/segments", data={"name": "x", "definition": "{}"}, headers=headers)
    assert edit.status_code == 403 and "cannot change" in edit.text
    # Reading, previews included, is allowed.
    preview = ui.post(
        "/ui/segments/preview", data={"definition": "identifier: {type: user_id}"}, headers=headers
    )
    assert preview.status_code == 200 and 'id="size-value">0<' in preview.text


def test_the_pages_show_what_the_services_hold(ui, container, tenant):
    ws = tenant.workspace_id
    container.ingest.batch(
        ws,
        tenant.site_id,
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": "u1",
                    "messageId": "m1",
                    "traits": {"email": "anna@example.com", "firstName": "Anna"},
                },
                {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m2"},
            ]
        },
    )
    while container.catch_up():
        pass
    sign_in(ui, "marketer@example.com")
    found = ui.get("/ui/customers", params={"q": "ANNA@example.com"}, follow_redirects=False)
    assert found.status_code == 303
    person = ui.get(found.headers["location"])
    assert "Anna" in person.text and "Signed Up" in person.text
    missing = ui.get("/ui/customers", params={"q": "nobody@example.com"})
    assert "no profile holds" in missing.text
    per_minute = ui.get("/ui/data/events-per-minute").json()
    assert per_minute["total"] >= 2 and len(per_minute["values"]) == 60
    # A journey with a wrong step: every wrong path, in place; a right one is saved.
    token = csrf(ui)
    wrong = ui.post(
        "/ui/journeys",
        data={"definition": "name: j\ntrigger: {event: {name: X}}\nsteps: [{id: a, send: {}}]"},
        headers={"X-CSRF-Token": token},
    )
    assert wrong.status_code == 200 and "steps[0].send.template" in wrong.text
    broken = ui.post(
        "/ui/journeys", data={"definition": "name: [j"}, headers={"X-CSRF-Token": token}
    )
    assert "line 1" in broken.text
    for path in ("/ui/", "/ui/journeys", "/ui/channels", "/ui/sources", "/ui/identity/reviews"):
        assert ui.get(path).status_code == 200, path


def test_the_session_secret_is_generated_once(container):
    first = session_secret(container.engine, "", container.clock())
    assert len(first) == 64
    assert session_secret(container.engine, "", container.clock()) == first
    assert (
        session_secret(container.engine, "set-by-operator", container.clock()) == b"set-by-operator"
    )


def test_users_add_from_the_command_line(database_url, ui):
    runner = CliRunner()
    cli_container.cache_clear()
    env = {"OMNIWEAVE_DATABASE_URL": database_url}
    try:
        added = runner.invoke(
            cli,
            ["users", "add", "lead@example.com", "--role", "admin", "--password-stdin", "--json"],
            input="a long enough secret\n",
            env=env,
        )
        assert added.exit_code == 0, added.output
        assert orjson.loads(added.output)["role"] == "admin"
        again = runner.invoke(
            cli,
            ["users", "add", "lead@example.com", "--role", "analyst", "--password-stdin"],
            input="a long enough secret\n",
            env=env,
        )
        assert again.exit_code == 1 and "exists already" in again.output
        short = runner.invoke(
            cli,
            ["users", "add", "x@example.com", "--role", "analyst", "--password-stdin"],
            input="short\n",
            env=env,
        )
        assert short.exit_code == 1 and "password" in short.output
        listed = runner.invoke(cli, ["users", "list", "--json"], env=env)
        assert "lead@example.com" in listed.output and "password" not in listed.output
    finally:
        cli_container().close()
        cli_container.cache_clear()
    assert sign_in(ui, "lead@example.com", "a long enough secret").status_code == 303


def test_a_merge_shows_its_reason_and_a_marketer_splits_it(ui, container, tenant):
    ws = tenant.workspace_id
    container.ingest.batch(
        ws,
        tenant.site_id,
        {
            "batch": [
                {"type": "track", "event": "Viewed", "anonymousId": "a1", "messageId": "m1"},
                {
                    "type": "identify",
                    "userId": "u9",
                    "messageId": "m2",
                    "traits": {"email": "kim@example.com"},
                },
                {
                    "type": "track",
                    "event": "Login",
                    "anonymousId": "a1",
                    "userId": "u9",
                    "messageId": "m3",
                },
            ]
        },
    )
    while container.catch_up():
        pass
    person = container.identity.lookup(ws, "user_id", "u9")
    assert person["merges"], person
    merge = person["merges"][0]
    sign_in(ui, "analyst@example.com")
    page = ui.get(f"/ui/customers/{person['id']}").text
    assert merge["rule"] in page and "kim@example.com" in page
    assert "/split" not in page  # an analyst is not offered the split
    ui.post("/ui/logout", data={"csrf": csrf(ui)})
    sign_in(ui, "marketer@example.com")
    assert "/split" in ui.get(f"/ui/customers/{person['id']}").text
    done = ui.post(
        f"/ui/customers/{person['id']}/split",
        data={"merge_id": str(merge["id"]), "reason": "two people share the address"},
        headers={"X-CSRF-Token": csrf(ui)},
    )
    assert done.status_code == 200 and done.headers["HX-Redirect"].startswith("/ui/customers/")
    after = container.identity.profile(ws, person["id"])
    assert after["merges"][0]["undoReason"] == "two people share the address"
    assert "two people share the address" in ui.get(f"/ui/customers/{person['id']}").text


def test_a_marketer_creates_schedules_tests_and_cancels_a_campaign(ui, container, tenant):
    ws = tenant.workspace_id
    container.ingest.batch(
        ws,
        tenant.site_id,
        {"batch": [{"type": "identify", "userId": "u5", "messageId": "m5", "traits": {}}]},
    )
    while container.catch_up():
        pass
    container.messaging.save_template(
        ws, {"name": "promo", "topic": "transactional", "channels": {"sms": {"text": "Hi"}}}
    )
    container.segments.save(ws, "all", {"identifier": {"type": "user_id"}}, None)
    sign_in(ui, "marketer@example.com")
    headers = {"X-CSRF-Token": csrf(ui), "HX-Request": "true"}
    form = {"name": "autumn", "segment": "all", "template": "promo", "holdout": "10"}
    wrong = ui.post("/ui/campaigns", data={**form, "name": "Autumn!"}, headers=headers)
    assert "name" in wrong.text and container.campaigns.list(ws) == []
    made = ui.post("/ui/campaigns", data=form, headers=headers)
    assert made.headers["HX-Redirect"] == "/ui/campaigns/autumn"
    assert container.campaigns.get(ws, "autumn")["definition"]["holdout"] == 10

    page = ui.get("/ui/campaigns/autumn").text
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    sent = ui.post(
        "/ui/test-send",
        data={"template": "promo", "who": "u5", "nonce": nonce},
        headers=headers,
    )
    assert "Message #" in sent.text and "suppressed" in sent.text  # no phone: why, shown
    again = ui.post(
        "/ui/test-send", data={"template": "promo", "who": "u5", "nonce": nonce}, headers=headers
    )
    assert re.search(r"Message #\d+", again.text).group(0) == re.search(
        r"Message #\d+", sent.text
    ).group(0)  # a double submit is one message

    bad_time = ui.post("/ui/campaigns/autumn/start", data={"at": "soon"}, headers=headers)
    assert "a date and time" in bad_time.text
    later = ui.post("/ui/campaigns/autumn/start", data={"at": "2030-01-02T09:30"}, headers=headers)
    assert later.headers["HX-Redirect"] == "/ui/campaigns/autumn"
    scheduled = container.campaigns.get(ws, "autumn")
    assert scheduled["status"] == "scheduled"
    assert str(scheduled["scheduledAt"]).startswith("2030-01-02")
    ui.post("/ui/campaigns/autumn/cancel", headers=headers)
    assert container.campaigns.get(ws, "autumn")["status"] == "cancelled"
    assert ui.get("/ui/data/campaigns/autumn").json()["channels"] == []


def test_a_reviewer_approves_a_probable_match_with_the_model_s_reasons_in_view(
    ui, container, tenant
):
    from omniweave.identity.reviews import Proposal, Thresholds

    ws = tenant.workspace_id
    container.ingest.batch(
        ws,
        tenant.site_id,
        {
            "batch": [
                {"type": "identify", "anonymousId": "x1", "messageId": "r1", "traits": {}},
                {"type": "identify", "anonymousId": "x2", "messageId": "r2", "traits": {}},
            ]
        },
    )
    container.resolver.catch_up()
    a = container.identity.lookup(ws, "anonymous_id", "x1")["id"]
    b = container.identity.lookup(ws, "anonymous_id", "x2")["id"]
    why = {"comparisons": [{"name": "surname", "level": "exact", "weight": 6.2}]}
    assert container.identity.propose([Proposal(a, b, 0.9, why)], Thresholds())["review"] == 1
    review = container.identity.reviews(ws, "pending", 10)[0]

    sign_in(ui, "analyst@example.com")
    page = ui.get("/ui/identity/reviews").text
    assert "90.0% the same person" in page and "surname" in page
    assert "Approve merge" not in page  # an analyst decides nothing
    ui.post("/ui/logout", data={"csrf": csrf(ui)})

    sign_in(ui, "marketer@example.com")
    page = ui.get("/ui/identity/reviews").text
    assert "Approve merge" in page
    headers = {"X-CSRF-Token": csrf(ui), "HX-Request": "true"}
    done = ui.post(
        f"/ui/identity/reviews/{review['id']}", data={"decision": "approve"}, headers=headers
    )
    assert done.status_code == 200 and "approved" in done.text
    assert container.identity.reviews(ws, "approved", 10)[0]["decided_by"] == (
        "ui user marketer@example.com"
    )
    twice = ui.post(
        f"/ui/identity/reviews/{review['id']}", data={"decision": "approve"}, headers=headers
    )
    assert "already approved" in twice.text
    assert (
        "approved by ui user marketer@example.com"
        in ui.get("/ui/identity/reviews", params={"status": "approved"}).text
    )


def test_templates_and_journeys_are_edited_with_errors_in_place_and_paused(ui, container, tenant):
    ws = tenant.workspace_id
    sign_in(ui, "marketer@example.com")
    headers = {"X-CSRF-Token": csrf(ui), "HX-Request": "true"}
    bad = 'name: t1\ntopic: marketing\nchannels:\n  sms:\n    text: "Hi {{ profile.nope( }}"\n'
    refused = ui.post("/ui/templates", data={"definition": bad}, headers=headers)
    assert "channels.sms.text" in refused.text and container.messaging.templates(ws) == []
    good = bad.replace("{{ profile.nope( }}", "{{ profile | first_name_or('you') }}")
    saved = ui.post("/ui/templates", data={"definition": good}, headers=headers)
    assert saved.headers["HX-Redirect"] == "/ui/templates/edit?name=t1"
    assert "first_name_or" in ui.get("/ui/templates/edit", params={"name": "t1"}).text

    journey = (
        "name: j1\ntrigger: {event: {name: Joined}}\nsteps:\n  - id: hi\n    send: {template: t1}\n"
    )
    assert (
        ui.post("/ui/journeys", data={"definition": journey}, headers=headers).headers[
            "HX-Redirect"
        ]
        == "/ui/journeys/j1"
    )
    ui.post("/ui/journeys/j1/pause", headers=headers)
    assert container.journeys.get(ws, "j1")["status"] == "paused"
    assert "Resume" in ui.get("/ui/journeys/j1").text
    ui.post("/ui/journeys/j1/resume", headers=headers)
    assert container.journeys.get(ws, "j1")["status"] == "active"
    odd = ui.post("/ui/journeys/j1/explode", headers=headers)
    assert "pause or resume" in odd.text
