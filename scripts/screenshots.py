"""Drive the kiosk on simulated devices and save a PNG of every screen, in normal and elder
mode, landscape and portrait, plus the last printed ticket. Run:
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QEventLoop, QIODevice, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from central.cases import advance_cli
from kiosk.config import parse_config
from kiosk.context import KioskContext
from kiosk.qt_main import create_window


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def until(cond, timeout_ms: int = 8000) -> None:  # noqa: ANN001
    for _ in range(timeout_ms // 50):
        if cond():
            return
        wait(50)
    raise TimeoutError("screen did not reach the expected state")


def keep(image: QImage, path: Path) -> None:
    """A screen as a 256-colour PNG: the flat colours of the UI lose nothing visible, and
    the pictures of every screen stay a few MB in the repository."""
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    with Image.open(io.BytesIO(bytes(buf.data()))) as img:
        img.convert("RGB").quantize(256).save(path, optimize=True)


def shoot_capture(win, ctx, save) -> None:  # noqa: ANN001
    """材料拍照 from the empty desk to the summary, the sheets put down as the simulator
    panel does."""
    cam, screen = ctx.sim, win.screen("capture")
    cam.clear_desk()
    shown = screen.preview.frames_shown
    until(lambda: screen.preview.frames_shown > shown + 10)
    save("capture-empty")
    for n, paper in enumerate(("letter", "idcard_front", "form"), start=1):
        cam.place_page(paper)
        if n == 1:  # the page found and lying still: the bar fills, then it is taken
            until(lambda: screen.preview.frame is not None and screen.preview.frame.progress > 0.4)
            save("capture-hold", 0)
        until(lambda n=n: len(ctx.sessions.current.scans) == n, 20000)
    save("capture-pages")
    win.screen("capture").finish.click()
    save("summary")


def shoot_guide(win, ctx, save) -> None:  # noqa: ANN001
    """办事指南 in both languages: start, topics, items, the page, details, QR, search."""
    from kiosk.i18n import translator

    guide = win.nav.flows["guide"]
    for lang in ("zh_CN", "en"):
        translator.set_language(lang)
        suffix = "" if lang == "zh_CN" else "-en"
        win.nav.home()
        win.nav.start("guide")
        until(lambda: guide.guide.ready)
        save(f"guide-start{suffix}")
        guide.choose_start("person")
        save(f"guide-topics{suffix}")
        guide.choose_topic("birth-adoption")
        save(f"guide-items{suffix}")
        guide.open_entry("birth")
        save(f"guide-page{suffix}")
        win.screen("guide_page").more_requested.emit()
        save(f"guide-more{suffix}")
        win.nav.back()
        win.screen("guide_page").qr_requested.emit()
        save(f"guide-qr{suffix}")
        win.nav.home()
        win.nav.start("guide")
        guide.choose_start("search")
        win.screen("guide_search").edit.setText("tx")
        save(f"guide-search{suffix}", 800)
    translator.set_language("zh_CN")
    win.nav.home()


def shoot_certificate(win, ctx, save) -> None:  # noqa: ANN001
    """证明打印 in both languages: the list, purpose, period, preview, a stop mid-way, done;
    and offline, the notice with the online service's QR."""
    from kiosk.i18n import translator

    flow = win.nav.flows["certificate"]
    for lang in ("zh_CN", "en"):
        translator.set_language(lang)
        suffix = "" if lang == "zh_CN" else "-en"
        win.nav.home()
        ctx.sim.place_card("resident")
        until(lambda: ctx.sessions.current.identity is not None)
        win.nav.start("certificate")
        until(lambda: bool(flow.offers))
        save(f"certificate-list{suffix}")
        flow.choose("social_insurance_payment")
        save(f"certificate-purpose{suffix}")
        flow.choose_purpose("school")
        save(f"certificate-period{suffix}")
        flow.prepare(36)
        until(lambda: win.screen("cert_preview").print_btn.isEnabled())
        save(f"certificate-preview{suffix}")
        ctx.sim.a4printer.load_paper(2)
        flow.print()
        until(lambda: not flow.printing)
        save(f"certificate-stopped{suffix}")
        ctx.sim.a4printer.set_paper(True)
        flow.print()
        until(lambda: not flow.printing)
        save(f"certificate-done{suffix}")
        win.nav.end_visit("screenshots")
        ctx.network.set_up(False)
        ctx.sim.place_card("resident")
        until(lambda: ctx.sessions.current.identity is not None)
        win.nav.start("certificate")
        save(f"offline-notice{suffix}")
        ctx.network.set_up(True)
        win.nav.end_visit("screenshots")  # the next shots start with nobody at the kiosk
    translator.set_language("zh_CN")
    win.nav.home()


def shoot_apply(win, ctx, save, out: Path) -> None:  # noqa: ANN001
    """自助申报 and 进度查询: list, a condition, the form with its errors, materials, the
    signature, review, accepted, the rating; then the case followed by card."""
    flow = win.nav.flows["apply"]
    win.nav.home()
    ctx.sim.place_card("resident")
    until(lambda: ctx.sessions.current.identity is not None)
    win.nav.start("apply")
    until(lambda: win.screen("apply_list").tile("birth") is not None)
    save("apply-list")
    flow.choose("birth")
    save("apply-who")  # for oneself or 帮代办
    flow.who_chosen("self")
    save("apply-condition")
    for _ in flow.app.entry.conditions:
        flow.answer(True)
    flow.form_done()
    save("apply-form-errors")
    for field, value in (("relation", "mother"), ("child_name", "王小宝"),
                         ("child_sex", "female"), ("child_birth", "2026-11-30"),
                         ("phone", "13800138000"), ("delivery", "mail")):
        flow.app.set(field, value)
    flow.edit("phone")
    save("apply-digits")
    win.nav.back()
    flow.form_done()
    until(lambda: flow.app.slots[0].licence != "")
    marriage = next(i for i, s in enumerate(flow.app.slots) if s.name == "结婚证")
    flow.toggle(marriage)
    save("apply-materials")
    flow.promise()
    save("apply-sign")
    flow.signed(b"", [])
    flow.review()
    save("apply-review")
    flow.submit()
    until(lambda: win.current is win.screen("apply_done")
          and win.screen("apply_done").done.isEnabled())
    save("apply-done")
    shutil.copy(ctx.sim.printer.pages[-1], out / "print-receipt-case.png")
    flow.rate()
    win.screen("apply_rating").scores[2].click()
    save("apply-rating-why")
    case = flow.case.case_number
    win.nav.end_visit("screenshots")
    # The platform takes the case, then asks for a material (补正): what 进度查询 shows.
    store = ctx.link.server.store
    until(lambda: any(r["body"].get("form", {}).get("case_number") == case
                      for r in store.records("case")), timeout_ms=30000)
    advance_cli(store.root, case, "accepted", "")
    advance_cli(store.root, case, "correction", "户籍信息需核实", ("结婚证复印件",), "2026-12-20")
    ctx.sim.place_card("resident")
    until(lambda: ctx.sessions.current.identity is not None)
    win.nav.start("progress")
    until(lambda: bool(win.nav.flows["progress"].cases))
    save("progress-list")
    win.nav.flows["progress"].open_case(next(iter(win.nav.flows["progress"].cases)))
    save("progress-case")
    win.nav.end_visit("screenshots")


def shoot_payment(win, ctx, save) -> None:  # noqa: ANN001
    """缴费: the choice, an account on the digit pad."""
    win.nav.home()
    win.nav.start("payment")
    save("payment-start")
    account = win.screen("pay_account")
    account.start("water")
    win.nav.go("pay_account")
    for k in "3301001234":
        account.keys[k].click()
    save("payment-account")
    win.nav.end_visit("screenshots")


def shoot_video(win, ctx, save) -> None:  # noqa: ANN001
    """视频咨询: outside the hall's hours, then each state of a call with pictures made here
    (a real call needs staff at the other end: tests/gui/test_video_help.py makes one)."""
    from datetime import datetime

    import cv2
    import numpy as np

    flow, screen = win.nav.flows["video_help"], win.screen("video_help")
    win.nav.home()
    flow.clock = lambda: datetime(2026, 12, 12, 10, 0)  # a Saturday
    win.nav.start("video_help")
    save("video-closed")
    staff = np.full((480, 640, 3), (120, 110, 100), np.uint8)  # a person at a desk
    cv2.circle(staff, (320, 190), 80, (150, 170, 200), -1)
    cv2.ellipse(staff, (320, 480), (210, 150), 0, 180, 360, (90, 60, 40), -1)
    ctx.sim.place_page("form")  # what the citizen holds up to staff: a form on the desk
    own = ctx.sim.camera.preview()
    screen.show_call("ringing", 12)
    screen.relay.push_own(own)
    save("video-ringing")
    screen.show_call("connected", 40)
    screen.relay.push_own(own)
    screen.relay.push_staff(staff)
    save("video-connected")
    screen.show_ended("no_answer")
    save("video-no-answer")
    flow.ask_number()
    for d in "1381234567":
        win.screen("video_callback").press(d)
    save("video-callback")
    screen.show_callback_kept("138****5678")
    win.screen("video_callback").reset()
    win.nav.back()
    save("video-kept")
    flow.clock = datetime.now
    win.nav.home()


def shoot_closed(win, save) -> None:  # noqa: ANN001
    """Outside opening hours (config [hours]): the closed screen, at 19:00 on a Saturday."""
    from datetime import datetime

    from kiosk.cover import OpeningHours
    from kiosk.hours import Hours

    opening = OpeningHours(win, win.cover, Hours.parse(["08:00-18:00"], range(1, 8)))
    opening.backlight = lambda _on: None
    opening.now = lambda: datetime(2026, 12, 5, 19, 0)
    opening.check()
    save("closed")
    opening.timer.stop()
    win.cover.open_hours()


def shoot(out: Path, orientation: str, elder: bool,
          check: Callable[[str, QWidget], None] | None = None) -> None:
    """Every state in one orientation and mode: saved to ``out`` as a PNG, or, given
    ``check``, handed to it instead (tests/gui/test_elder_measured.py measures each)."""
    data = Path(tempfile.mkdtemp(prefix="kiosk-shots-"))
    cfg = parse_config(f'[data]\ndir = "{data.as_posix()}"\n'
                       f'[terminal]\nfullscreen = false\norientation = "{orientation}"\n',
                       dev=True)
    ctx = KioskContext.build(cfg)
    ctx.start()
    win = create_window(cfg, ctx)
    win.show()
    win.default_elder = elder  # the hall's look, which every visit starts from (--elder)
    win.set_elder(elder)
    tag = f"{orientation}-{'elder' if elder else 'normal'}"

    def save(name: str, settle_ms: int = 300) -> None:  # 0: a moment in passing
        wait(settle_ms)
        if check is not None:
            check(name, win)
        else:
            keep(win.grab().toImage(), out / f"{name}-{tag}.png")

    def take_ticket(card: str, prefix: str) -> None:  # a new citizen takes a number
        win.nav.home()
        ctx.sim.place_card(card)
        until(lambda: ctx.sessions.current.identity is not None)
        win.nav.start("queue")
        win.nav.flows["queue"].choose(prefix)
        until(lambda: win.screen("ticket").view is not None)

    until(lambda: all(w.status.state == "ready" for w in ctx.devices.workers.values()))
    save("home")
    win.nav.start("queue")
    ctx.sim.place_card("expired_resident")
    until(lambda: win.screen("card_prompt").error.isVisible())
    save("card-error")
    ctx.sim.place_card("resident")
    until(lambda: win.current is win.screen("category"))
    save("category")
    win.nav.home()
    save("home-greeted")
    win.nav.start("queue")
    win.nav.flows["queue"].choose("A")
    until(lambda: win.screen("ticket").view is not None)
    save("ticket")
    shutil.copy(ctx.sim.printer.pages[-1], out / f"ticket-paper-{tag}.png")
    win.screen("ticket").done.click()  # 完成 → the 好差评 question
    save("rating")
    ctx.sim.printer.set_paper("out")
    until(lambda: "缺纸" in win.header.indicators["printer"].text())
    take_ticket("resident_long_term", "B")
    save("ticket-paper-out")
    ctx.sim.printer.set_paper("ok")
    ctx.network.set_up(False)  # the hall's queue service is out of reach: an offline number
    take_ticket("hmt_residence", "C")
    save("ticket-offline")
    shutil.copy(ctx.sim.printer.pages[-1], out / f"ticket-offline-paper-{tag}.png")
    ctx.network.set_up(True)
    win.nav.home()
    ctx.sim.place_card("resident")
    until(lambda: ctx.sessions.current.identity is not None)
    win.nav.start("scan")
    until(lambda: win.current is win.screen("capture"))
    shoot_capture(win, ctx, save)
    shoot_guide(win, ctx, save)
    shoot_certificate(win, ctx, save)
    shoot_apply(win, ctx, save, out)
    shoot_payment(win, ctx, save)
    win.nav.home()
    win.nav.start("report")  # 办不成事
    save("report")
    win.screen("report").reasons["repeat"].click()
    save("report-sent")
    shoot_video(win, ctx, save)
    win.end_session("shots")
    shoot_closed(win, save)
    win.nav.home()
    ctx.sim.place_card("resident")  # someone who walks away after reading their card
    until(lambda: ctx.sessions.current.identity is not None)
    win.clock = lambda: time.monotonic() + ctx.idle_policy.timeout + 2  # a minute later
    until(win.idle_overlay.isVisible)
    save("idle")
    if orientation == "landscape" and not elder and check is None:
        from sim.panel import SimulatorPanel

        panel = SimulatorPanel(ctx)
        panel.show()
        panel._show_page(str(ctx.sim.printer.pages[-1]))
        wait(300)
        keep(panel.grab().toImage(), out / "simulator-panel.png")
        panel.close()
    win.allow_close()  # the kiosk's window refuses close requests
    win.close()
    ctx.stop()
    shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    QApplication.instance() or QApplication([])
    for orientation in ("landscape", "portrait"):
        for elder in (False, True):
            shoot(out, orientation, elder)
    print(f"saved to {out}")


if __name__ == "__main__":
    main()
