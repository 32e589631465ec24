"""Which saved demo keys to keep, and the file that keeps them (owner-only)."""

from __future__ import annotations

import stat

from omniweave.access.model import Principal, Scope
from omniweave.demo.keys import DEMO_KEYS, keys_to_replace, read_keys_file, write_keys_file
from omniweave.demo.model import DemoWorkspace

WORKSPACE = DemoWorkspace(1, {"site": 10, "app": 11})
VALID = {
    "ow_w_site": Principal(1, 1, Scope.WRITE, 10),
    "ow_w_app": Principal(2, 1, Scope.WRITE, 11),
    "ow_r_read": Principal(3, 1, Scope.READ),
    "ow_a_admin": Principal(4, 1, Scope.ADMIN),
}
SAVED = {"site": "ow_w_site", "app": "ow_w_app", "read": "ow_r_read", "admin": "ow_a_admin"}


def test_keys_that_still_verify_are_kept():
    assert keys_to_replace(SAVED, VALID.get, WORKSPACE) == []


def test_missing_revoked_or_misdirected_keys_are_replaced():
    assert keys_to_replace({}, VALID.get, WORKSPACE) == list(DEMO_KEYS)
    revoked = {**VALID, "ow_r_read": None}
    assert [k.name for k in keys_to_replace(SAVED, revoked.get, WORKSPACE)] == ["read"]
    swapped = {**SAVED, "site": "ow_w_app", "app": "ow_w_site"}
    assert [k.name for k in keys_to_replace(swapped, VALID.get, WORKSPACE)] == ["site", "app"]
    elsewhere = DemoWorkspace(2, {"site": 10, "app": 11})
    assert len(keys_to_replace(SAVED, VALID.get, elsewhere)) == 4


def test_the_file_is_owner_only_and_round_trips(tmp_path):
    path = tmp_path / "nested" / "demo-keys.json"
    write_keys_file(path, SAVED)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_keys_file(path) == SAVED
    path.chmod(0o644)
    write_keys_file(path, {"site": "other"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_keys_file(path) == {"site": "other"}


def test_a_missing_or_foreign_file_reads_as_no_keys(tmp_path):
    assert read_keys_file(tmp_path / "absent.json") == {}
    (tmp_path / "garbage.json").write_text("not json")
    assert read_keys_file(tmp_path / "garbage.json") == {}
    (tmp_path / "list.json").write_text("[1, 2]")
    assert read_keys_file(tmp_path / "list.json") == {}
