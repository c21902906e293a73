"""证明打印, without Qt: what the hall offers, one certificate made for the person at the kiosk
(the platform's data, rendered here to PDF), registered with the platform before the first
page, and printed one page per CUPS job so that a printer stopping mid-way (paper out, a
jam) leaves a known set of printed pages and only the missing ones are printed again.

Everything here runs off the GUI thread (the flow calls it through ``host.run``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from drivers.a4printer.cups import A4PrinterError
from drivers.base import DeviceError
from drivers.idcard.privacy import mask_id_number, mask_name
from kiosk.identity import Identity
from kiosk.link import citizen_client
from printer_templates.certificate_pdf import render_certificate

if TYPE_CHECKING:
    from kiosk.context import KioskContext

log = logging.getLogger(__name__)

PAGE_TIMEOUT = 120.0  # seconds one page may take at the printer before it is called stuck
# 用途: the words the certificate and the platform's record carry (domain text, not the
# screen's: the screens word the same keys in each language).
PURPOSES = {"school": "子女入学", "hukou": "落户", "travel": "出入境", "loan": "贷款",
            "other": "其他"}

Text = dict[str, str]


@dataclass(frozen=True)
class Offer:
    """One certificate this hall offers."""

    kind: str
    template: str
    title: Text
    sub: Text
    periods: tuple[int, ...]  # months a citizen may choose; () = no choice
    fee_cents: int


@dataclass
class Certificate:
    """One certificate made for one person: its PDF and which of its pages are out."""

    kind: str
    title: str
    purpose: str
    pdf: bytes
    pages: int
    code: str  # the verify code printed under the QR
    digest: str
    verify_url: str
    printed_at: datetime
    expires_on: Any
    holder_masked: str
    printed: set[int] = field(default_factory=set)

    def missing(self) -> list[int]:
        return [p for p in range(1, self.pages + 1) if p not in self.printed]

    @property
    def done(self) -> bool:
        return not self.missing()


class CertificateDesk:
    def __init__(self, ctx: KioskContext) -> None:
        self.ctx = ctx
        assert ctx.link is not None
        self.client = citizen_client(ctx.config, ctx.link.url)

    def offered(self) -> list[Offer]:
        return [Offer(o["kind"], o["template"], dict(o["title"]), dict(o["sub"]),
                      tuple(int(p) for p in o["periods"]), int(o["fee_cents"]))
                for o in self.client.certificates_offered()]

    def prepare(self, who: Identity, offer: Offer, purpose: str, months: int) -> Certificate:
        """The certificate for ``who`` for ``purpose`` (the words printed: one of
        ``PURPOSES`` or what the citizen typed): the platform's data, rendered, then
        registered (so its QR resolves before any page exists)."""
        answer = self.client.certificate(offer.kind, who.id_number, who.name, purpose, months,
                                         presence=who.presence)
        rendered = render_certificate(answer["template"], answer["data"],
                                      terminal_id=self.ctx.config.terminal.id)
        filled = rendered.filled
        cert = Certificate(
            kind=offer.kind, title=filled.title, purpose=purpose, pdf=rendered.pdf,
            pages=rendered.pages, code=filled.code, digest=filled.digest,
            verify_url=filled.verify_url, printed_at=filled.printed_at,
            expires_on=filled.expires_on, holder_masked=mask_name(who.name) + " "
            + mask_id_number(who.id_number))
        self.client.register_certificate({
            "code": cert.code, "digest": cert.digest, "template": answer["template"],
            "title": cert.title, "printed_at": cert.printed_at.astimezone().isoformat(),
            "expires_on": cert.expires_on.isoformat(), "pages": cert.pages,
            "purpose": cert.purpose, "holder_masked": cert.holder_masked})
        log.info("certificate %s (%s) made for %s: %d page(s), purpose %s", cert.code,
                 cert.kind, cert.holder_masked, cert.pages, cert.purpose)
        return cert

    def print_page(self, cert: Certificate, page: int) -> str:
        """Print one page (its own CUPS job, once per certificate and page); "" when it
        came out, else the error code the screen words (a4printer.paper_out, …)."""
        worker = self.ctx.devices.a4printer
        if worker is None:
            return "a4printer.gone"
        try:
            worker.print_pdf(f"{cert.code}-p{page}", cert.pdf, (page, page)).result(PAGE_TIMEOUT)
        except (A4PrinterError, DeviceError) as e:
            log.warning("certificate %s page %d of %d not printed: %s", cert.code, page,
                        cert.pages, e)
            return e.code
        except TimeoutError:
            log.warning("certificate %s page %d: no answer from the printer in %.0f s",
                        cert.code, page, PAGE_TIMEOUT)
            return "a4printer.job_timeout"
        cert.printed.add(page)
        # The audit line: which certificate, whose (masked), which page, what for.
        log.info("certificate %s page %d of %d printed for %s (%s)", cert.code, page,
                 cert.pages, cert.holder_masked, cert.purpose)
        return ""

    def close(self) -> None:
        self.client.close()
