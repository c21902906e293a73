"""The receipt printer's templates by name, each fed from JSON data (``samples/*.json``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drivers.escpos.profiles import ReceiptProfile
from printer_templates.acceptance_receipt import AcceptanceReceipt, render_acceptance_receipt
from printer_templates.data import TemplateDataError, from_mapping
from printer_templates.guide_notice import GuideNotice, render_guide_notice
from printer_templates.payment_receipt import PaymentReceipt, render_payment_receipt
from printer_templates.queue_ticket import QueueTicket, render_queue_ticket


@dataclass(frozen=True)
class ReceiptTemplate:
    data_type: type
    render: Callable[[Any, str | None, ReceiptProfile | None], bytes]


RECEIPT_TEMPLATES: dict[str, ReceiptTemplate] = {
    "queue_ticket": ReceiptTemplate(QueueTicket, render_queue_ticket),
    "acceptance_receipt": ReceiptTemplate(AcceptanceReceipt, render_acceptance_receipt),
    "guide_notice": ReceiptTemplate(GuideNotice, render_guide_notice),
    "payment_receipt": ReceiptTemplate(PaymentReceipt, render_payment_receipt),
}


def render_receipt(
    name: str,
    data: Mapping[str, object],
    job_id: str | None = None,
    profile: ReceiptProfile | None = None,
) -> bytes:
    """ESC/POS bytes of template ``name`` filled with ``data``; TemplateDataError if wrong."""
    template = RECEIPT_TEMPLATES.get(name)
    if template is None:
        known = ", ".join(RECEIPT_TEMPLATES)
        raise TemplateDataError(f"unknown receipt template {name!r}; known: {known}")
    return template.render(from_mapping(template.data_type, data), job_id, profile)
