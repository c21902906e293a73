"""维护模式's outbox page: a case the platform refused gets 导出, which writes it to a USB
stick (a temporary folder as the mount root) as a zip for a counter: README.txt, the form
and its files; audited by the record's id, never with the ID number it holds."""

from __future__ import annotations

import json
import zipfile

from kiosk import usb
from kiosk.flows.staff import PAGES
from offline_cache.outbox import State
from tests.gui.conftest import tap
from tests.gui.test_staff_logs import kiosk_toml, media, pin_hash
from tests.gui.test_staff_mode import audit, open_staff

ID_NUMBER = "11010519491231002X"
PHOTO = b"\xff\xd8\xff\xe0 a photo of a birth certificate"

__all__ = ["kiosk_toml", "media", "pin_hash"]  # the fixtures, shared with the logs page's


def test_a_refused_case_is_exported_for_a_counter(window, qtbot, ctx, media, monkeypatch):
    monkeypatch.setattr(usb, "is_mount", lambda _path: True)  # a folder stands for a stick
    box = ctx.outbox
    refused = "birth_" + "x" * 60  # a service name the platform finds too long: invalid_body
    uuid = box.create_case(refused, {"applicant": "王小明", "id_number": ID_NUMBER})
    sha = box.add_attachment(uuid, PHOTO, "image/jpeg", "birth_certificate")
    box.finalize(uuid)
    qtbot.waitUntil(lambda: box.record(uuid).state is State.REJECTED, timeout=10000)

    open_staff(window, qtbot)
    staff = window.screen(PAGES)
    tap(window, staff.nav_buttons["outbox"])
    qtbot.waitUntil(lambda: staff.outbox_rows[0][0].isVisible(), timeout=5000)
    assert "被拒收 · 申报" in staff.outbox_rows[0][0].text()
    assert staff.outbox_rows[0][1].isVisible()  # 重新发送 beside it
    export = staff.outbox_exports[0]
    assert export.isVisible() and export.text() == "导出"
    tap(window, export)  # no stick yet
    qtbot.waitUntil(lambda: staff.record_export_line.text() == "✕ 未检测到U盘", timeout=5000)

    stick = media / "kiosk" / "STICK"
    stick.mkdir(parents=True)
    tap(window, export)
    qtbot.waitUntil(lambda: "已导出到U盘" in staff.record_export_line.text(), timeout=10000)
    (folder,) = stick.iterdir()
    (path,) = folder.glob("*.zip")
    where = f"STICK/{folder.name}/{path.name}"
    assert staff.record_export_line.text() == f"● 已导出到U盘：{where}"
    with zipfile.ZipFile(path) as z:
        readme = z.read("README.txt").decode("utf-8")
        form = json.loads(z.read("form.json"))
        photo = z.read(f"attachments/birth_certificate-{sha[:8]}.jpg")
    assert "拒收原因：平台认为资料不完整或格式不对" in readme and uuid in readme
    assert "删除" in readme
    assert ID_NUMBER not in readme and "王小明" not in readme
    assert form["body"]["form"]["id_number"] == ID_NUMBER and form["uuid"] == uuid
    assert photo == PHOTO
    entries = audit(ctx)
    assert entries[-1] == {**entries[-1], "event": "record_export_done", "record": uuid,
                           "result": "done", "file": where}
    logged = (ctx.config.data_dir / "staff" / "audit.jsonl").read_text(encoding="utf-8")
    assert ID_NUMBER not in logged
