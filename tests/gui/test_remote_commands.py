"""Remote commands end to end: issued on the embedded platform (its store, or the CLI),
received by the kiosk's heartbeat, carried out through the window, acknowledged."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint

from kiosk import power
from kiosk.cli import main
from kiosk.config import parse_config
from kiosk.context import KioskContext
from kiosk.flows.staff import PIN
from kiosk.navigator import HOME
from kiosk.privacy import mask_id_number, mask_name
from kiosk.remote import _with_keys, ledger_path, with_remote_config
from kiosk.watchdog import EXIT_RESTART
from sim.id_samples import SAMPLE_CARDS
from tests.gui.conftest import all_texts, tap, tap_at

ACK_WAIT = 15000  # ms: a heartbeat round, the command, its acknowledgement


@pytest.fixture
def ctx(tmp_path) -> Iterator[KioskContext]:
    """The kiosk of tests/gui/conftest.py, its sync worker beating every 0.2 s: a command
    issued reaches it at once."""
    config = parse_config(f'[data]\ndir = "{tmp_path.as_posix()}"\n')
    c = KioskContext.build(config)
    assert c.sync is not None
    c.sync.settings = dataclasses.replace(c.sync.settings, interval=0.2,
                                          heartbeat_interval=0.2)
    c.start()
    c.devices.wait_first_status(5)
    yield c
    c.stop()


@pytest.fixture
def exits(window) -> list[int]:
    """The exit statuses the kiosk asked for (staff mode's exit, recorded)."""
    codes: list[int] = []
    window.staff.exit = codes.append
    return codes


def issue(ctx, name: str, **args: str) -> str:
    return ctx.link.server.store.enqueue_command(ctx.config.terminal.id, name, args)


def wait_ack(qtbot, ctx, cid: str) -> tuple[str, str]:
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: store.command_ack(cid)[0] in ("done", "refused", "failed"),
                    timeout=ACK_WAIT)
    return store.command_ack(cid)


def test_lock_shows_out_of_service_taps_and_cards_do_nothing_unlock_returns_home(
        qtbot, window, ctx, caplog):
    caplog.set_level("INFO", logger="kiosk.remote")
    home = window.screen("home")
    queue_tile = home.tiles["queue"].mapTo(window, home.tiles["queue"].rect().center())
    cid = issue(ctx, "lock", message="设备维护中，请到3号窗口办理")
    assert wait_ack(qtbot, ctx, cid) == ("done", "locked: out-of-service screen shown")
    overlay = window.remote.host.overlay
    assert overlay.isVisible() and overlay.geometry() == window.rect()
    assert overlay.texts()[:3] == ["本机暂停服务", "设备维护中，请到3号窗口办理",
                                   "请到人工窗口办理，或联系工作人员。给您带来不便，敬请谅解。"]
    assert "This kiosk is out of service" in overlay.texts()

    for point in (queue_tile, window.footer.lang_btn.mapTo(window, QPoint(5, 5))):
        hit = tap_at(window, point, after=2)  # the tile, the language button: under it
        assert hit is overlay or overlay.isAncestorOf(hit)
    assert window.nav.step == HOME and window.nav.flow is None
    assert window.footer.lang_btn.text() == "English"  # not switched
    ctx.sim.place_card("resident")  # a card starts nothing either
    qtbot.wait(1500)
    assert ctx.sessions.current.identity is None and overlay.isVisible()
    assert f"remote command {cid} lock done" in caplog.text

    cid = issue(ctx, "unlock")
    assert wait_ack(qtbot, ctx, cid) == ("done", "unlocked: home screen shown")
    assert not overlay.isVisible() and window.current is home
    assert not any("暂停服务" in t for t in all_texts(window))
    tap(window, home.tiles["queue"], after=2)
    assert window.nav.step != HOME  # services again


def test_staff_on_site_open_staff_mode_through_the_lock(qtbot, window, ctx):
    cid = issue(ctx, "lock", message="等待维修")
    wait_ack(qtbot, ctx, cid)
    overlay = window.remote.host.overlay
    for _ in range(5):
        tap_at(window, QPoint(20, 20), after=0.3)  # the corner gesture, on the lock
    assert window.nav.step == PIN and not overlay.isVisible()
    tap(window, window.footer.home_btn, after=2)  # staff leave: locked again
    assert window.nav.step == HOME and overlay.isVisible()
    assert overlay.message.text() == "等待维修"


def test_lock_survives_a_restart_of_the_kiosk(qtbot, window, ctx):
    cid = issue(ctx, "lock", message="")
    wait_ack(qtbot, ctx, cid)
    state = json.loads(ledger_path(ctx.config).read_text(encoding="utf-8"))
    assert state["lock"] == "" and state["commands"][cid]["status"] == "done"
    from kiosk.remote_gui import attach_remote

    again = attach_remote(window)  # what the next start does with the same data folder
    try:
        assert again.host.overlay.isVisible()
        assert not again.host.overlay.message.isVisible()  # no message: the standard lines
    finally:
        again.stop()


def test_restart_waits_while_a_citizen_is_served_then_exits_with_status_3(
        qtbot, window, ctx, exits):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    cid = issue(ctx, "restart_kiosk")
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: store.command_ack(cid)[0] == "received", timeout=ACK_WAIT)
    qtbot.wait(1500)  # several rounds: the citizen is not thrown out
    assert exits == [] and store.command_ack(cid)[0] == "received"
    window.end_session("citizen_left")
    assert wait_ack(qtbot, ctx, cid) == ("done", "restarting the kiosk (exit status 3)")
    qtbot.waitUntil(lambda: exits == [EXIT_RESTART], timeout=2000)


def test_restart_machine_calls_the_reboot_command(qtbot, window, ctx):
    calls: list[str] = []
    window.remote.reboot = lambda: calls.append("reboot")
    cid = issue(ctx, "restart_machine")
    assert wait_ack(qtbot, ctx, cid) == ("done", "rebooting the machine")
    qtbot.waitUntil(lambda: calls == ["reboot"], timeout=2000)


def test_restart_machine_with_a_failing_command_is_acknowledged_failed(qtbot, window, ctx):
    window.remote.reboot = ("false",)
    cid = issue(ctx, "restart_machine")
    status, detail = wait_ack(qtbot, ctx, cid)
    assert status == "failed" and detail.startswith("false did not run")


def test_restart_machine_uses_the_kiosks_reboot_as_staff_mode_does(qtbot, window, ctx,
                                                                   monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(power, "reboot", lambda: calls.append("reboot") or power.REBOOTING)
    assert window.remote.reboot is None  # kiosk.power.reboot, staff mode's 重启设备's too
    cid = issue(ctx, "restart_machine")
    assert wait_ack(qtbot, ctx, cid) == ("done", "rebooting the machine (systemctl reboot)")
    assert calls == ["reboot"]


def test_restart_machine_is_refused_where_reboot_is_not_allowed(qtbot, window, ctx,
                                                                 monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(power, "reboot", lambda: calls.append("reboot") or power.REBOOTING)
    ctx.config = _with_keys(ctx.config, {"staff.allow_reboot": False})
    cid = issue(ctx, "restart_machine")
    assert wait_ack(qtbot, ctx, cid) == (
        "refused", "rebooting is not allowed on this kiosk (staff.allow_reboot = false)")
    assert calls == []


def test_purge_wipes_the_session_drafts_and_what_has_synced(qtbot, window, ctx):
    outbox = ctx.outbox
    sent = outbox.create_case("birth", {"applicant": "王小明"})
    outbox.finalize(sent)
    qtbot.waitUntil(lambda: outbox.record(sent).state == "synced", timeout=ACK_WAIT)
    draft = outbox.create_case("birth", {"applicant": "李四"})
    assert outbox.body(sent) is not None
    cid = issue(ctx, "purge")
    status, detail = wait_ack(qtbot, ctx, cid)
    assert status == "done" and "2 synced record(s) and draft(s) purged" in detail
    assert outbox.body(sent) is None
    assert [r.uuid for r in outbox.records()] == [sent]  # the draft is gone whole
    assert draft not in [r.uuid for r in outbox.records()]
    assert ctx.sessions.current.identity is None and window.nav.step == HOME


def test_refresh_catalog_fetches_the_platforms_catalog(qtbot, window, ctx):
    path = ctx.config.data_dir / "guide" / "catalog.json"
    path.unlink(missing_ok=True)
    cid = issue(ctx, "refresh_catalog")
    status, detail = wait_ack(qtbot, ctx, cid)
    assert status == "done" and detail.endswith("current")
    assert json.loads(path.read_bytes())["catalog"]["services"]


def test_diagnostics_upload_has_no_plain_id_number_of_an_earlier_citizen(
        qtbot, window, ctx, tmp_path, capsys):
    card = SAMPLE_CARDS["resident"]
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    window.end_session("citizen_left")
    logs = ctx.config.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    # A line that reached the log file by another way than the masking formatter.
    (logs / "kiosk.log").write_text(f"INFO served {card.id_number} at the kiosk\n",
                                    encoding="utf-8")
    cid = issue(ctx, "diagnostics")
    status, detail = wait_ack(qtbot, ctx, cid)
    assert status == "done", detail
    sha = detail.split("sha256 ")[1].split()[0]
    blob = gzip.decompress(ctx.link.server.store.read_blob(sha)).decode("utf-8")
    assert card.id_number not in blob
    doc = json.loads(blob)
    masked = mask_id_number(card.id_number)
    assert doc["logs"]["kiosk.log"] == f"INFO served {masked} at the kiosk\n"
    assert {d["device"] for d in doc["doctor"]["devices"]} >= {"idcard", "printer"}
    assert doc["doctor"]["terminal"] == ctx.config.terminal.id

    cfg = _config_file(tmp_path, ctx)
    out = tmp_path / "diag.json"
    assert main(["--config", cfg, "platform", "command", "diagnostics", sha, "-o",
                 str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == doc


def test_diagnostics_mask_the_name_of_a_citizen_being_served(qtbot, window, ctx):
    card = SAMPLE_CARDS["resident"]
    ctx.sim.place_card("resident")  # still at the kiosk while staff collect diagnostics
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    logs = ctx.config.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    (logs / "kiosk.log").write_text(f"INFO {card.name} asked for help\n", encoding="utf-8")
    status, detail = wait_ack(qtbot, ctx, issue(ctx, "diagnostics"))
    assert status == "done", detail
    sha = detail.split("sha256 ")[1].split()[0]
    blob = gzip.decompress(ctx.link.server.store.read_blob(sha)).decode("utf-8")
    assert card.name not in blob
    assert json.loads(blob)["logs"]["kiosk.log"] == (
        f"INFO {mask_name(card.name)} asked for help\n")


def test_set_config_from_the_allow_list_applies_and_persists(qtbot, window, ctx):
    cid = issue(ctx, "set_config", **{"terminal.hall_name": "城关镇便民服务中心",
                                      "staff.idle_timeout": "300", "voice.volume": "35"})
    status, detail = wait_ack(qtbot, ctx, cid)
    assert status == "done", detail
    assert ctx.volume.value == 35  # what the voice plays at, kept for the next start
    assert json.loads((ctx.config.data_dir / "staff" / "voice.json").read_text()) == {
        "volume": 35}
    assert ctx.config.terminal.hall_name == "城关镇便民服务中心"
    assert ctx.config.staff.idle_timeout == 300
    assert window.header.hall.text() == "城关镇便民服务中心"
    fresh = parse_config(f'[data]\ndir = "{ctx.config.data_dir.as_posix()}"\n')
    assert with_remote_config(fresh).staff.idle_timeout == 300  # the next start's


def test_set_config_outside_the_allow_list_or_invalid_is_refused(qtbot, window, ctx):
    url = ctx.config.platform.url
    cid = issue(ctx, "set_config", **{"platform.url": "http://203.0.113.9"})
    status, detail = wait_ack(qtbot, ctx, cid)
    assert status == "refused" and detail.startswith("not allowed from afar: platform.url")
    cid = issue(ctx, "set_config", **{"voice.volume": "500"})
    status, detail = wait_ack(qtbot, ctx, cid)
    assert status == "refused" and "voice.volume" in detail
    assert ctx.config.platform.url == url and ctx.config.voice.volume != 500
    cid = issue(ctx, "reformat_disk")
    assert wait_ack(qtbot, ctx, cid) == ("refused", "unknown command 'reformat_disk'")


def _config_file(tmp_path, ctx) -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[data]\ndir = "{ctx.config.data_dir.as_posix()}"\n', encoding="utf-8")
    return str(path)


def test_cli_sends_a_command_and_lists_its_result(qtbot, window, ctx, tmp_path, capsys):
    cfg = _config_file(tmp_path, ctx)
    assert main(["--config", cfg, "platform", "command", "send", ctx.config.terminal.id,
                 "lock", "--arg", "message=午休，14:00恢复"]) == 0
    cid = capsys.readouterr().out.split()[0]
    assert wait_ack(qtbot, ctx, cid)[0] == "done"
    assert window.remote.host.overlay.message.text() == "午休，14:00恢复"
    assert main(["--config", cfg, "platform", "command", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == cid and rows[0]["status"] == "done"
    assert rows[0]["args"] == {"message": "午休，14:00恢复"}
    assert main(["--config", cfg, "platform", "command", "send", ctx.config.terminal.id,
                 "set_config", "--arg", "novalue"]) == 2
    assert main(["--config", cfg, "platform", "command", "send", "SIM-9999", "unlock"]) == 1
    assert "no terminal SIM-9999" in capsys.readouterr().err
