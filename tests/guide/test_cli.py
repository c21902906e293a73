"""``kiosk guide search|show`` against the reference platform over HTTP, and offline from
the copy the screens read."""

from __future__ import annotations

import json
import time
import types
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import parse_config
from kiosk.guide import CatalogCache, guide_folder
from tests.platform.harness import SECRET, TERMINAL, start_platform

DAY = 86400.0


def config_file(tmp_path, url: str) -> str:
    (tmp_path / "platform.secret").write_text(SECRET.hex())
    text = (f'[data]\ndir = "{tmp_path.as_posix()}"\n[terminal]\nid = "{TERMINAL}"\n'
            f'[platform]\nurl = "{url}"\n')
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    return str(tmp_path / "kiosk.toml")


@pytest.fixture
def hall(tmp_path):
    """A reference platform that a test may stop, and a kiosk configured for it."""
    server = start_platform(tmp_path / "p")
    (tmp_path / "kiosk").mkdir()
    yield server, config_file(tmp_path / "kiosk", server.url)
    server.stop()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_search_online_refreshes_the_copy_the_screens_read(hall, capsys):
    _, cfg = hall
    code, out, _ = run(capsys, "--config", cfg, "guide", "search", "tx")
    lines = out.splitlines()
    assert code == 0 and "checked with the platform just now" in lines[0]
    assert "退休一件事 (retirement)" in lines[1] and "退休提取住房公积金" in lines[2]
    config = parse_config(Path(cfg).read_text(encoding="utf-8"))
    on_disk = CatalogCache(guide_folder(config), None).load()
    assert on_disk is not None and on_disk.catalog.entry("retirement") is not None


def test_show_as_json_gives_the_whole_guide(hall, capsys):
    _, cfg = hall
    code, out, _ = run(capsys, "--config", cfg, "guide", "show", "birth", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["kind"] == "bundle" and doc["catalog"]["online"]
    assert doc["entry"]["name"] == "新生儿出生一件事"
    assert "出生登记（新生儿落户）" in [m["name"] for m in doc["members"]]
    assert doc["entry"]["materials"][0]["name"] == "父母双方居民身份证"


def test_show_reads_out_an_item_found_by_any_of_its_codes(hall, capsys):
    _, cfg = hall
    code, out, _ = run(capsys, "--config", cfg, "guide", "show", "id-card-renewal")
    assert code == 0
    assert "收费：居民身份证工本费20元/证" in out and "承诺办结时限：20个工作日" in out
    assert "申请材料（共2项）：" in out and "通办范围：全国通办" in out
    item = json.loads(run(capsys, "--config", cfg, "guide", "show", "birth-registration",
                          "--json")[1])["entry"]
    for code_ in (item["impl_code"], item["basic_code"]):
        code, out, _ = run(capsys, "--config", cfg, "guide", "show", code_)
        assert code == 0 and out.splitlines()[1].startswith("出生登记（新生儿落户）")
        assert "也可一件事联办：新生儿出生一件事 (birth)" in out


def test_offline_they_answer_from_the_copy_and_say_its_age(hall, capsys, monkeypatch):
    server, cfg = hall
    three_days_ago = time.time() - 3 * DAY - 60
    monkeypatch.setattr("kiosk.guide.time", types.SimpleNamespace(time=lambda: three_days_ago))
    assert run(capsys, "--config", cfg, "guide", "search", "出生")[0] == 0
    monkeypatch.undo()
    server.stop()
    code, out, _ = run(capsys, "--config", cfg, "guide", "search", "tx")
    assert code == 0 and out.startswith("offline (platform not reachable")
    assert "catalog updated 3 days ago (目录更新于 3 天前)" in out.splitlines()[0]
    assert "退休一件事" in out.splitlines()[1]
    code, out, _ = run(capsys, "--config", cfg, "guide", "show", "retirement", "--json")
    doc = json.loads(out)
    assert code == 0 and not doc["catalog"]["online"] and doc["catalog"]["stale"]
    assert doc["catalog"]["age_text"] == "目录更新于 3 天前"


def test_offline_with_no_copy_there_is_no_guide(hall, capsys):
    server, cfg = hall
    server.stop()
    code, out, err = run(capsys, "--config", cfg, "guide", "search", "tx")
    assert code == 1 and out == "" and "no service guide" in err


def test_nothing_found_offers_the_most_asked_and_an_unknown_code_fails(hall, capsys):
    _, cfg = hall
    code, out, _ = run(capsys, "--config", cfg, "guide", "search", "火星签证")
    assert code == 1 and "nothing matches" in out and "新生儿出生一件事" in out
    code, _, err = run(capsys, "--config", cfg, "guide", "show", "no-such-item")
    assert code == 1 and "no item or bundle" in err


def test_the_embedded_platform_serves_the_guide_by_default(tmp_path, capsys):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path.as_posix()}"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(cfg), "guide", "search", "shebaoka", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["catalog"]["online"]
    assert doc["hits"][0]["id"] == "sscard"
