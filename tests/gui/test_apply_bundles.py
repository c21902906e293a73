"""The other two bundles by real taps. 退休一件事 applied for by someone else (帮代办: a son
for his mother — her name typed in pinyin, her ID number with its X on the pad, the
postal address picked province → city → district → town, then the street typed), with a
material replaced by a signed 告知承诺. 社会保障卡申领 for oneself, the ID photo taken under
the document camera in photo mode, the card collected from the hall's pickup locker."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtGui import QGuiApplication

from kiosk.flows.progress import PROGRESS_URL
from tests.gui.conftest import tap, tap_service
from tests.gui.test_apply_journey import choose, digits, edit, tap_at_pad
from tests.gui.test_guide_search import tap_key
from tests.gui.test_progress_journey import supplied_after_correction_then_done

MOTHER_ID = "43010419560308018X"  # invented, with a valid check character (X)


@pytest.fixture
def kiosk_toml() -> str:
    return '[terminal]\npickup_cabinet = "一楼大厅东侧"\n'


def open_entry(qtbot, window, ctx, entry: str, who: str) -> None:
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap_service(window, "apply")
    listing = window.screen("apply_list")
    qtbot.waitUntil(lambda: listing.tile(entry) is not None, timeout=10000)
    tap(window, listing.tile(entry))
    tap(window, window.screen("apply_who").tile(who))
    condition = window.screen("apply_condition")
    while window.current is condition:
        tap(window, condition.yes)


def type_pinyin(qtbot, window, *words: tuple[str, str]) -> None:
    """Each (pinyin, word): the letters, then the word offered above the keys; then 确定."""
    text = window.screen("apply_text")
    qtbot.waitUntil(lambda: "x" in text.keyboard.key_items(), timeout=10000)
    tap(window, text.edit)
    qtbot.waitUntil(lambda: QGuiApplication.inputMethod().isVisible(), timeout=5000)
    # A finger takes longer than this to reach the first key; the keyboard needs a moment
    # after the last word it committed (its next-word guesses are still up).
    qtbot.wait(300)
    for pinyin, word in words:
        for letter in pinyin:
            tap_key(qtbot, window, text.keyboard, letter)
        qtbot.wait(300)  # the words offered settle (a finger looks for its word meanwhile)
        qtbot.waitUntil(lambda w=word: w in text.keyboard.candidates(), timeout=5000)
        tap_key(qtbot, window, text.keyboard, word, candidate=True)
        qtbot.waitUntil(lambda w=word: text.edit.text().endswith(w), timeout=5000)
    tap(window, text.ok)


def pick(window, code: str) -> None:
    """A tile of the region pickers, turning their pages as a finger would."""
    screen = window.screen("apply_region")
    while screen.tile(code) is None:
        tap(window, screen.grid.pager.next)
    tap(window, screen.tile(code))


def test_retirement_for_a_mother_by_her_son_with_a_promise(qtbot, window, ctx):
    open_entry(qtbot, window, ctx, "retirement", "agent")
    form = window.screen("apply_form")
    assert window.current is form
    rows = {r["id"]: r for r in form.rows}
    assert rows["applicant_name"]["value"] == ""  # nothing of the son's card is hers
    assert rows["applicant_name"]["editable"] and rows["applicant_id"]["editable"]
    edit(window, "applicant_name")
    type_pinyin(qtbot, window, ("wang", "王"), ("xiu", "秀"), ("lan", "兰"))
    card = ctx.sessions.current.identity
    edit(window, "applicant_id")  # his own number first: refused
    pad = window.screen("apply_digits")
    for d in card.id_number[:17]:
        tap(window, pad.keys[d])
    tap(window, pad.keys["clear"])  # the X key: the last character of his number
    assert pad.digits == card.id_number
    tap(window, pad.ok)
    assert form.error_labels["applicant_id"].isVisible()
    edit(window, "applicant_id")
    pad = window.screen("apply_digits")
    for _ in range(18):
        tap(window, pad.keys["del"])
    assert not pad.keys["clear"].isEnabled()  # X only as the 18th character
    for d in MOTHER_ID[:17]:
        tap(window, pad.keys[d])
    tap(window, pad.keys["clear"])
    assert pad.digits == MOTHER_ID
    tap(window, pad.ok)
    assert not form.error_labels["applicant_id"].isVisible()
    choose(window, "agent_relation", "child")
    digits(window, "phone", "13800138000")
    choose(window, "delivery", "mail")
    edit(window, "address")
    for code in ("430000", "430100", "430104", "430104010"):
        pick(window, code)
    text = window.screen("apply_text")  # the house number, on the keyboard's digits
    qtbot.waitUntil(lambda: "SymbolModeKey" in text.keyboard.key_items(), timeout=10000)
    tap(window, text.edit)
    qtbot.wait(300)
    tap_key(qtbot, window, text.keyboard, "SymbolModeKey")  # &123
    qtbot.waitUntil(lambda: "8" in text.keyboard.key_items(), timeout=5000)
    for key in "18":
        tap_key(qtbot, window, text.keyboard, key)
    qtbot.waitUntil(lambda: text.edit.text() == "18", timeout=5000)
    tap(window, text.ok)
    assert form.rows[[r["id"] for r in form.rows].index("address")]["value"] == \
        "湖南省长沙市岳麓区梅溪湖街道18"
    tap(window, form.next)
    materials = window.screen("apply_materials")
    assert window.current is materials
    promise_row = next(i for i, r in enumerate(materials.rows) if r["pledgeable"])
    tap(window, materials.toggles[promise_row])  # 告知承诺 instead of the paper
    assert materials.rows[promise_row]["status"] == "pledged"
    assert not materials.next.isEnabled()
    tap(window, materials.promise)
    signing = window.screen("apply_sign")
    assert "告知承诺" in signing.text.text() and "受申请人委托" in signing.text.text()
    sign_promise(window)
    assert materials.next.isEnabled()
    tap(window, materials.next)
    review = window.screen("apply_review")
    assert "王*兰" in review.text.text() and "代办人" in review.text.text()
    assert "告知承诺 1 项" in review.materials.text()
    tap(window, review.submit)
    done = window.screen("apply_done")
    qtbot.waitUntil(lambda: window.current is done and done.done.isEnabled(), timeout=15000)
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("case")) == 1, timeout=20000)
    body = store.records("case")[0]["body"]["form"]
    assert body["applicant"] == {"name": "王秀兰", "id_number": MOTHER_ID}
    assert body["agent"] == {"name": card.name, "id_number": card.id_number,
                             "relation": "child"}
    assert body["fields"]["address"] == "湖南省长沙市岳麓区梅溪湖街道18"
    assert body["promise_signed"] and body["signature"]
    assert [m["status"] for m in body["materials"] if m["name"].endswith("承诺书")] == \
        ["pledged"]
    end_visit_then_follow(qtbot, window, ctx, body["case_number"], "退休审批表")  # by the son


def end_visit_then_follow(qtbot, window, ctx, case: str, material: str) -> None:
    """The 受理回执's QR leads to the case; the visit ends at 完成; the same card later finds
    the case, takes 补交材料 for its 补正, and sees it 办结."""
    receipt = Image.open(ctx.sim.printer.pages[-1])
    assert [c.text for c in zxingcpp.read_barcodes(receipt)] == [PROGRESS_URL.format(case=case)]
    tap(window, window.screen("apply_done").done)
    tap(window, window.screen("apply_rating").done)
    supplied_after_correction_then_done(qtbot, window, ctx, case, material)


def sign_promise(window) -> None:
    """A finger writes on the pad, then 确认签名."""
    screen = window.screen("apply_sign")
    tap_at_pad(screen.pad, [(60 + 12 * i, 150 + (25 if i % 4 < 2 else -25))
                            for i in range(30)])
    tap(window, screen.ok)


def test_social_security_card_with_a_photo_and_the_pickup_locker(qtbot, window, ctx):
    ctx.sim.camera.remove()  # the test places the photo, not the demo citizen
    open_entry(qtbot, window, ctx, "sscard", "self")
    form = window.screen("apply_form")
    choose(window, "reason", "first")
    digits(window, "phone", "13800138000")
    edit(window, "delivery")
    locker = window.screen("apply_choice").tile("cabinet")
    assert locker is not None  # the hall has one: offered
    tap(window, locker)
    tap(window, form.next)
    materials = window.screen("apply_materials")
    photo_row = next(i for i, r in enumerate(materials.rows) if "照片" in r["name"])
    tap(window, materials.photos[photo_row])
    capture = window.screen("apply_capture")
    qtbot.waitUntil(lambda: capture.camera_ready, timeout=5000)
    assert window.nav.flows["apply"].taker.mode == "photo"  # colours kept, not a document
    ctx.sim.camera.place("photo")
    qtbot.waitUntil(lambda: len(capture.pages) == 1, timeout=20000)
    tap(window, capture.finish)
    assert materials.rows[photo_row]["status"] == "photo"
    tap(window, materials.next)
    tap(window, window.screen("apply_review").submit)
    done = window.screen("apply_done")
    qtbot.waitUntil(lambda: window.current is done and done.done.isEnabled(), timeout=15000)
    store = ctx.link.server.store
    qtbot.waitUntil(lambda: len(store.records("case")) == 1, timeout=20000)
    body = store.records("case")[0]["body"]
    assert body["form"]["fields"]["delivery"] == "cabinet"
    material = next(m for m in body["form"]["materials"] if "照片" in m["name"])
    blob = store.read_blob(material["attachment"])
    assert blob.startswith(b"%PDF") and blob.count(b"/Type /Page\n") == 1
    end_visit_then_follow(qtbot, window, ctx, body["form"]["case_number"], "居民户口簿")

