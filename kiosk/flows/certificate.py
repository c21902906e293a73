"""证明打印: a citizen identified by card chooses a certificate, what it is for and, where it
takes one, a period; sees every page; prints it on the A4 printer, page by page, so a
printer that stops mid-way is said plainly (which pages are out) and only the missing pages
are printed again. Needs the network: a certificate is never printed from stale data.

The work (platform, PDF, printer) is in ``kiosk.certificates``, off the GUI thread.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from kiosk.certificates import PURPOSES, Certificate, CertificateDesk, Offer
from kiosk.flow import Flow, IdentityNeed, Needs, NetworkNeed, Tile
from kiosk.guide_view import Choice, both
from kiosk.i18n import catalog
from offline_cache.client import OutcomeUnknown, PlatformRefused
from printer_templates.data import TemplateDataError

log = logging.getLogger(__name__)

_CHOICE = "screens.certificate:CertChoiceScreen"
ONLINE_URL = "https://zwfw.example.gov.cn/certificates"  # the online service, for 扫码带走
_PURPOSE_GLYPHS = {"school": "学", "hukou": "户", "travel": "境", "loan": "贷", "other": "他"}


def _both(key: str, **fmt: object) -> dict[str, str]:
    return {lang: catalog(lang)[key].format(**fmt) for lang in ("zh_CN", "en")}


def _ranges(pages: list[int]) -> str:
    """[1, 2, 3, 5] → "1–3、5"."""
    out: list[str] = []
    for p in sorted(pages):
        if out and out[-1].split("–")[-1] == str(p - 1):
            out[-1] = out[-1].split("–")[0] + f"–{p}"
        else:
            out.append(str(p))
    return "、".join(out)


class CertificateFlow(Flow):
    id = "certificate"
    tile = Tile("证", order=20)
    needs = Needs(identity=IdentityNeed.ANY_CARD, network=NetworkNeed.REQUIRED,
                  devices=("a4printer",))
    online_url = ONLINE_URL
    steps = {
        "cert_list": f"{_CHOICE}:cert_list",
        "cert_purpose": f"{_CHOICE}:cert_purpose",
        "cert_other": "screens.certificate:CertOtherScreen",
        "cert_period": f"{_CHOICE}:cert_period",
        "cert_preview": "screens.certificate:CertPreviewScreen",
        "cert_print": "screens.certificate:CertPrintScreen",
    }

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self._desk: CertificateDesk | None = None
        self.offers: dict[str, Offer] = {}
        self.left()

    @property
    def desk(self) -> CertificateDesk:
        if self._desk is None:
            self._desk = CertificateDesk(self.ctx)
        return self._desk

    def left(self) -> None:
        self.offer: Offer | None = None
        self.purpose = ""  # the key of the 用途 chosen
        self.purpose_text = ""  # what the certificate says: its words, or what was typed
        self.cert: Certificate | None = None
        self.printing = False

    def bind(self, step: str, screen: Any) -> None:
        if step == "cert_list":
            screen.chosen.connect(self.choose)
        elif step == "cert_purpose":
            screen.chosen.connect(self.choose_purpose)
        elif step == "cert_other":
            screen.entered.connect(self.enter_purpose)
        elif step == "cert_period":
            screen.chosen.connect(lambda key: self.prepare(int(key)))
        elif step == "cert_preview":
            screen.print_requested.connect(self.print)
        elif step == "cert_print":
            screen.resume_requested.connect(self.print)
            screen.finished.connect(lambda: self.host.end_visit("certificate_done"))

    def start(self) -> None:
        self.host.screen("cert_list").set_content("certificate.list_title", [], "loading")
        self.host.go("cert_list")
        self.host.run(self.desk.offered, on_done=self._offered)

    def holds(self) -> bool:
        return self.printing  # a page under way is the citizen's: back and home wait

    def tick(self, now: float) -> bool:
        return self.printing

    def defers_cards(self) -> bool:
        """The pages at the printer are this citizen's until they take them."""
        return self.host.step == "cert_print"

    def close(self) -> None:
        if self._desk is not None:
            self._desk.close()

    # --- the steps -----------------------------------------------------------------------
    def _offered(self, fut: Future[list[Offer]]) -> None:
        screen = self.host.screen("cert_list")
        try:
            offers = fut.result()
        except (OutcomeUnknown, PlatformRefused, OSError) as e:
            log.warning("certificates: the list is not available: %s", e)
            screen.set_content("certificate.list_title", [], "unavailable")
            return
        self.offers = {o.kind: o for o in offers}
        screen.set_content("certificate.list_title", [
            Choice(o.kind, o.title, {lang: o.sub.get(lang, "") + " · " + _both(
                "certificate.free" if o.fee_cents == 0 else "certificate.fee",
                fee=f"{o.fee_cents / 100:.2f}")[lang] for lang in ("zh_CN", "en")}, "证")
            for o in offers])
        self.host.content_changed()

    def choose(self, kind: str) -> None:
        self.offer = self.offers[kind]
        self.host.screen("cert_purpose").set_content("certificate.purpose_title", [
            Choice(key, _both(f"certificate.purpose.{key}"), both("", ""), _PURPOSE_GLYPHS[key])
            for key in PURPOSES])
        self.host.go("cert_purpose")

    def choose_purpose(self, purpose: str) -> None:
        self.purpose = purpose
        if purpose == "other":  # 其他: the citizen says what for
            self.host.screen("cert_other").reset()
            self.host.go("cert_other")
            return
        self.enter_purpose(PURPOSES[purpose])

    def enter_purpose(self, text: str) -> None:
        assert self.offer is not None
        self.purpose_text = text
        if self.offer.periods:
            self.host.screen("cert_period").set_content("certificate.period_title", [
                Choice(str(m), _both("certificate.months", n=m), both("", ""), str(m))
                for m in self.offer.periods])
            self.host.go("cert_period")
        else:
            self.prepare(0)

    def prepare(self, months: int) -> None:
        who = self.ctx.sessions.current.identity
        assert self.offer is not None and who is not None
        self.host.screen("cert_preview").show_loading()
        self.host.go("cert_preview")
        self.host.run(self.desk.prepare, who, self.offer, self.purpose_text, months,
                      on_done=self._prepared)

    def _prepared(self, fut: Future[Certificate]) -> None:
        screen = self.host.screen("cert_preview")
        try:
            self.cert = fut.result()
        except PlatformRefused as e:
            log.warning("certificates: the platform refused: %s", e)
            screen.show_error("refused")
            return
        except (OutcomeUnknown, OSError) as e:
            log.warning("certificates: no answer from the platform: %s", e)
            screen.show_error("unavailable")
            return
        except TemplateDataError as e:  # e.g. a character the certificate font lacks
            log.warning("certificates: cannot be printed: %s", e)
            screen.show_error("unprintable")
            return
        assert self.offer is not None
        shown = ({lang: self.purpose_text for lang in ("zh_CN", "en")}
                 if self.purpose == "other" else _both(f"certificate.purpose.{self.purpose}"))
        screen.show_certificate(self.cert.pdf, self.offer.title, shown,
                                self.offer.fee_cents, self.cert.expires_on.isoformat())
        self.host.content_changed()

    def print(self) -> None:
        """Print the pages not yet out, one at a time (a double tap does nothing twice)."""
        if self.printing or self.cert is None:
            return
        self.printing = True
        if self.host.step != "cert_print":
            self.host.go("cert_print")
        self._next_page()

    def _next_page(self) -> None:
        cert = self.cert
        assert cert is not None
        missing = cert.missing()
        screen = self.host.screen("cert_print")
        if not missing:
            self.printing = False
            screen.show_done(cert.pages, cert.expires_on.isoformat())
            return
        screen.show_printing(missing[0], cert.pages)
        self.host.run(self.desk.print_page, cert, missing[0], on_done=self._page_done,
                      keep_on_leave=True)

    def _page_done(self, fut: Future[str]) -> None:
        cert = self.cert
        if cert is None:
            return
        code = fut.result()
        if code:
            self.printing = False
            self.host.screen("cert_print").show_stopped(
                code, _ranges(sorted(cert.printed)), _ranges(cert.missing()))
            return
        self._next_page()
