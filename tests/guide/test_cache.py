"""The kiosk's copy of the catalog, against the reference platform over real HTTP."""

from __future__ import annotations

import functools
import json
import types

import pytest

import central.server
from central.app import CATALOG_PATH, create_app
from kiosk.guide import CatalogCache, GuideUnavailable
from offline_cache.client import PlatformClient
from tests.platform.harness import make_client, start_platform

DAY = 86400.0


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "guide"


def cache(folder, url) -> CatalogCache:
    return CatalogCache(folder, make_client(url))


def clock_at(monkeypatch, when: float) -> None:
    """The cache's clock (only) reads ``when``."""
    monkeypatch.setattr("kiosk.guide.time", types.SimpleNamespace(time=lambda: when))


def test_the_catalog_is_fetched_stored_and_read_by_another_reader(platform, cache_dir):
    got = cache(cache_dir, platform.url).refresh()
    assert got.online and got.etag and len(got.catalog.services) >= 40
    assert got.age() < 5 and not got.stale()
    other = CatalogCache(cache_dir, None).load()  # e.g. ``kiosk guide`` in another process
    assert other is not None and other.etag == got.etag
    assert other.catalog.entry("birth").name == "新生儿出生一件事"


def test_a_current_copy_is_confirmed_with_its_etag_not_downloaded_again(platform, cache_dir,
                                                                         monkeypatch):
    c = cache(cache_dir, platform.url)
    clock_at(monkeypatch, 1_000_000.0)
    first = c.refresh()
    clock_at(monkeypatch, 1_000_000.0 + 3 * DAY)
    again = c.refresh()
    assert again.online and again.etag == first.etag
    assert again.fetched_at == first.fetched_at  # 304 Not Modified: the same copy …
    assert again.checked_at == first.checked_at + 3 * DAY  # … confirmed now
    assert again.age_text() == "目录刚刚更新"


def test_a_changed_catalog_replaces_the_copy(platform, cache_dir):
    c = cache(cache_dir, platform.url)
    c.refresh()
    saved = json.loads(c.path.read_text(encoding="utf-8"))
    saved["etag"], saved["catalog"]["version"] = '"older"', "2025.9"
    c.path.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    assert c.load().catalog.version == "2025.9"
    got = c.refresh()
    assert got.catalog.version != "2025.9" and got.etag != '"older"'
    assert CatalogCache(cache_dir, None).load().catalog.version == got.catalog.version


def test_offline_the_copy_answers_and_says_how_old_it_is(tmp_path, cache_dir, monkeypatch):
    server = start_platform(tmp_path / "p")
    c = cache(cache_dir, server.url)
    clock_at(monkeypatch, 1_000_000.0)
    c.refresh()
    server.stop()
    clock_at(monkeypatch, 1_000_000.0 + 3 * DAY + 600)
    got = c.refresh()
    assert not got.online and "not reachable" in got.problem
    assert got.catalog.entry("retirement").name == "退休一件事"
    assert got.stale() and got.age_text() == "目录更新于 3 天前"
    assert got.age_text("en") == "catalog updated 3 days ago"


def test_offline_with_nothing_cached_there_is_no_guide(tmp_path, cache_dir):
    server = start_platform(tmp_path / "p")
    server.stop()
    with pytest.raises(GuideUnavailable) as e:
        cache(cache_dir, server.url).refresh()
    assert e.value.code == "guide.unavailable"
    assert CatalogCache(cache_dir, None).load() is None


def test_a_catalog_the_kiosk_cannot_read_does_not_replace_a_good_one(platform, tmp_path,
                                                                       cache_dir, monkeypatch):
    good = cache(cache_dir, platform.url).refresh()
    broken = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    broken["bundles"][0]["members"] = ["no-such-item", "nor-this"]
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    monkeypatch.setattr(central.server, "create_app",
                        functools.partial(create_app, catalog_path=tmp_path / "broken.json"))
    server = start_platform(tmp_path / "bad")
    try:
        got = cache(cache_dir, server.url).refresh()
    finally:
        server.stop()
    assert not got.online and "not valid" in got.problem
    assert got.etag == good.etag
    assert CatalogCache(cache_dir, None).load().etag == good.etag


def test_a_damaged_copy_is_ignored_and_fetched_again(platform, cache_dir):
    c = cache(cache_dir, platform.url)
    c.refresh()
    c.path.write_bytes(c.path.read_bytes()[:1000])  # e.g. a disk that lost the end
    assert c.load() is None
    assert c.refresh().online and c.load() is not None


def test_current_asks_the_platform_only_when_the_copy_is_old(tmp_path, cache_dir, monkeypatch):
    server = start_platform(tmp_path / "p")
    c = cache(cache_dir, server.url)
    clock_at(monkeypatch, 1_000_000.0)
    c.refresh()
    server.stop()
    clock_at(monkeypatch, 1_000_000.0 + 60)
    assert c.current(max_age=300).problem == ""  # recent enough: not asked
    clock_at(monkeypatch, 1_000_000.0 + 600)
    assert "not reachable" in c.current(max_age=300).problem


def test_a_platform_that_refuses_the_terminal_leaves_the_copy_in_use(platform, cache_dir):
    cache(cache_dir, platform.url).refresh()
    stranger = CatalogCache(cache_dir, PlatformClient(platform.url, "T-9999", b"x" * 32,
                                                      deadline=5.0))
    got = stranger.refresh()
    assert not got.online and "refused" in got.problem and "bad_signature" in got.problem
    assert got.catalog.entry("birth") is not None
