"""自助申报 by real taps: card → 新生儿出生一件事 → 受理条件 → the form (keyboard with pinyin,
digit pad, choices) → materials (one 免提交, one 容缺 on a promise) → review → 提交 → the
受理回执 printed, its QR read back → the platform holds the case; offline, the receipt says
so and the case reaches the platform once the link returns, once."""

from __future__ import annotations

import hashlib

import zxingcpp
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from tests.gui.conftest import tap, tap_service
from tests.gui.test_guide_search import tap_key


def start_birth(qtbot, window, ctx):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap_service(window, "apply")
    listing = window.screen("apply_list")
    qtbot.waitUntil(lambda: listing.tile("birth") is not None, timeout=10000)
    tap(window, listing.tile("birth"))
    tap(window, window.screen("apply_who").tile("self"))


def edit(window, field: str) -> None:
    """Turn to the form's page with ``field`` (as a citizen would) and tap its 修改."""
    form = window.screen("apply_form")
    while field not in form.edit_buttons:
        later = [r["id"] for r in form.rows].index(field) >= form.page * form.per_page()
        tap(window, form.more if later else form.prev)
    tap(window, form.edit_buttons[field])


def choose(window, field: str, value: str) -> None:
    edit(window, field)
    tap(window, window.screen("apply_choice").tile(value))


def digits(window, field: str, number: str) -> None:
    edit(window, field)
    pad = window.screen("apply_digits")
    assert window.current is pad
    tap(window, pad.keys["clear"])  # what was typed before is on the pad: start again
    for d in number:
        tap(window, pad.keys[d])
    tap(window, pad.ok)


def fill_form(qtbot, window) -> None:
    form = window.screen("apply_form")
    choose(window, "relation", "mother")
    edit(window, "child_name")
    text = window.screen("apply_text")
    qtbot.waitUntil(lambda: "x" in text.keyboard.key_items(), timeout=10000)
    tap(window, text.edit)
    for letter in "xiaoming":
        tap_key(qtbot, window, text.keyboard, letter)
    qtbot.waitUntil(lambda: "小明" in text.keyboard.candidates(), timeout=5000)
    tap_key(qtbot, window, text.keyboard, "小明", candidate=True)
    qtbot.waitUntil(lambda: text.edit.text() == "小明", timeout=5000)
    tap(window, text.ok)
    choose(window, "child_sex", "female")
    digits(window, "child_birth", "20261130")
    digits(window, "phone", "1380013800")  # one digit short
    assert form.error_labels["phone"].text() == "电话号码不对，请检查"  # said beside it
    digits(window, "phone", "13800138000")
    assert not form.error_labels["phone"].isVisible()
    choose(window, "delivery", "mail")


def through_materials(window) -> None:
    materials = window.screen("apply_materials")
    assert window.current is materials
    marriage = next(i for i, r in enumerate(materials.rows) if r["name"] == "结婚证")
    ids = next(r for r in materials.rows if r["name"] == "父母双方居民身份证")
    assert ids["status"] == "e_license"  # 免提交: the platform holds it
    tap(window, materials.toggles[marriage])  # 容缺: hand it in later
    assert not materials.next.isEnabled()  # not without the promise
    tap(window, materials.promise)
    sign(window)
    assert window.current is materials and materials.next.isEnabled()
    tap(window, materials.next)


def sign(window) -> None:
    """A finger writes on the pad (strokes, not a tap), then 确认签名."""
    screen = window.screen("apply_sign")
    assert window.current is screen and "结婚证" in screen.text.text()
    pad = screen.pad
    tap_at_pad(pad, [(60, 150)])  # a dot is not a signature
    assert not screen.ok.isEnabled()
    tap(window, screen.clear)
    tap_at_pad(pad, [(60 + 12 * i, 150 + (25 if i % 4 < 2 else -25)) for i in range(30)])
    assert screen.ok.isEnabled()
    tap(window, screen.ok)


def tap_at_pad(pad, points) -> None:
    left = Qt.MouseButton.LeftButton
    QTest.mousePress(pad, left, Qt.KeyboardModifier.NoModifier, QPoint(*points[0]))
    for x, y in points[1:]:
        pos = QPointF(x, y)
        QApplication.sendEvent(pad, QMouseEvent(QEvent.Type.MouseMove, pos,
                                                pad.mapToGlobal(pos), Qt.MouseButton.NoButton,
                                                left, Qt.KeyboardModifier.NoModifier))
    QTest.mouseRelease(pad, left, Qt.KeyboardModifier.NoModifier, QPoint(*points[-1]))


def test_birth_bundle_applied_for_by_taps_is_saved_printed_and_delivered(qtbot, window, ctx):
    start_birth(qtbot, window, ctx)
    condition = window.screen("apply_condition")
    for _ in range(3):
        tap(window, condition.yes)
    form = window.screen("apply_form")
    assert window.current is form
    tap(window, form.next)  # nothing filled in: stays, each missing field says so
    assert window.current is form
    assert form.error_labels["child_name"].text() == "这一项必须填写"
    fill_form(qtbot, window)
    tap(window, form.next)
    materials = window.screen("apply_materials")
    # 电子证照: the platform says it holds the parents' ID cards, so they are received.
    qtbot.waitUntil(lambda: materials.rows[0]["licence"] != "", timeout=10000)
    assert materials.rows[0]["name"] == "父母双方居民身份证"
    assert "已调取电子证照 DZZZ" in " ".join(w.text() for w in materials.findChildren(QLabel))
    through_materials(window)
    review = window.screen("apply_review")
    assert window.current is review
    assert "新生儿出生一件事" in review.text.text() and "新生儿姓名：小明" in review.fields.text()
    assert "容缺 1 项" in review.materials.text()
    tap(window, review.submit)
    done = window.screen("apply_done")
    qtbot.waitUntil(lambda: window.current is done, timeout=10000)
    case = window.nav.flows["apply"].case
    assert done.case.text() == f"受理编号：{case.case_number}"
    qtbot.waitUntil(lambda: done.done.isEnabled(), timeout=15000)
    assert done.status.text() == "请取走受理回执，凭它查询办理进度。"
    receipt = ctx.sim.printer.pages[-1]
    codes = [c.text for c in zxingcpp.read_barcodes(Image.open(receipt))]
    assert codes == [f"https://zwfw.example.gov.cn/progress?case={case.case_number}"]
    # The platform holds the case, once, with what was typed.
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("case")) == 1, timeout=20000)
    body = store.records("case")[0]["body"]["form"]
    assert body["case_number"] == case.case_number and body["fields"]["child_name"] == "小明"
    assert [m["status"] for m in body["materials"] if m["name"] == "结婚证"] == ["deferred"]
    assert body["materials"][0]["licence"].startswith("DZZZ")
    roles = {a["role"]: a["sha256"] for a in store.records("case")[0]["body"]["attachments"]}
    assert roles["signature"] == body["signature"]  # the signed promise, with its strokes
    assert store.read_blob(roles["signature"]).startswith(b"\x89PNG")
    assert "signature-strokes" in roles
    tap(window, done.done)  # 完成 → 好差评 of this case (一事一评)
    rating = window.screen("apply_rating")
    assert window.current is rating
    tap(window, rating.scores[2])  # 不满意: not without a reason
    assert window.current is rating and not rating.send.isEnabled()
    tap(window, rating.reasons["materials"])
    tap(window, rating.send)
    assert rating.title.text() == "感谢您的评价！"
    uuid = window.nav.flows["apply"].case_uuid
    qtbot.waitUntil(lambda: len(store.records("evaluation")) == 1, timeout=20000)
    evaluation = store.records("evaluation")[0]["body"]
    assert (evaluation["score"], evaluation["case_id"], evaluation["reasons"]) == (
        2, uuid, ["材料要求多、反复提交"])
    tap(window, rating.done)
    assert ctx.sessions.current.identity is None  # the visit is over


def test_offline_the_receipt_says_so_and_the_case_arrives_once_when_back(qtbot, window, ctx):
    start_birth(qtbot, window, ctx)  # online once: the kiosk keeps the catalog
    tap(window, window.footer.home_btn)
    ctx.network.set_up(False)
    tap_service(window, "apply")
    tap(window, window.screen("apply_list").tile("birth"))
    tap(window, window.screen("apply_who").tile("self"))
    for _ in range(3):
        tap(window, window.screen("apply_condition").yes)
    fill_form(qtbot, window)
    tap(window, window.screen("apply_form").next)
    through_materials(window)
    tap(window, window.screen("apply_review").submit)
    done = window.screen("apply_done")
    qtbot.waitUntil(lambda: window.current is done and done.done.isEnabled(), timeout=15000)
    assert done.offline.isVisible() and "联网后自动提交" in done.offline.text()
    store = ctx.link.server.store
    assert store.records("case") == []
    ctx.network.set_up(True)
    qtbot.waitUntil(lambda: len(store.records("case")) == 1, timeout=30000)
    qtbot.wait(500)
    assert len(store.records("case")) == 1


def test_a_condition_not_met_says_where_to_go(qtbot, window, ctx):
    start_birth(qtbot, window, ctx)
    tap(window, window.screen("apply_condition").no)
    refused = window.screen("apply_refused")
    assert window.current is refused
    assert "人工窗口" in refused.text.text() and "0731-88761000" in refused.where.text()


def test_a_material_photographed_reaches_the_platform_byte_for_byte(qtbot, window, ctx):
    """拍照提交: the application form's pages under the document camera, kept as one PDF
    with the case; the platform's copy is the same bytes."""
    ctx.sim.camera.remove()  # the test places the page, not the demo citizen
    start_birth(qtbot, window, ctx)
    for _ in range(3):
        tap(window, window.screen("apply_condition").yes)
    fill_form(qtbot, window)
    tap(window, window.screen("apply_form").next)
    materials = window.screen("apply_materials")
    form_row = next(i for i, r in enumerate(materials.rows) if r["name"].endswith("申请表"))
    while form_row not in materials.photos:
        tap(window, materials.more)
    tap(window, materials.photos[form_row])
    capture = window.screen("apply_capture")
    assert window.current is capture and "申请表" in capture.title.text()
    qtbot.waitUntil(lambda: capture.camera_ready, timeout=5000)
    ctx.sim.camera.place("form")  # laid still: taken by itself
    qtbot.waitUntil(lambda: len(capture.pages) == 1, timeout=20000)
    tap(window, capture.finish)
    assert window.current is materials
    assert materials.rows[form_row]["status"] == "photo"
    while materials.page > 0:
        tap(window, materials.prev)
    through_materials(window)
    tap(window, window.screen("apply_review").submit)
    done = window.screen("apply_done")
    qtbot.waitUntil(lambda: window.current is done and done.done.isEnabled(), timeout=15000)
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("case")) == 1, timeout=30000)
    body = store.records("case")[0]["body"]
    material = next(m for m in body["form"]["materials"] if m["name"].endswith("申请表"))
    assert material["status"] == "photo" and material["pages"] == 1
    (attachment,) = [a for a in body["attachments"] if a["role"].startswith("material:")]
    assert attachment["sha256"] == material["attachment"]
    blob = store.read_blob(attachment["sha256"])
    assert blob.startswith(b"%PDF") and hashlib.sha256(blob).hexdigest() == material["attachment"]
