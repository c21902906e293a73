"""The records the kiosk sends are typed (kiosk.records) and are what the platform accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from central.models import DOCUMENTS
from kiosk.records import REPORT_REASONS, Callback, Evaluation, OfflineTicket, Report

NOW = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "record"), [
    ("evaluation", Evaluation(score=5)),
    ("evaluation", Evaluation.of(1, ["slow", "other"], str(uuid4()))),
    ("report", Report.of("repeat")),
    ("report", Callback.of("13812345678", "no_answer")),
    ("ticket", OfflineTicket(number="A1001", prefix="A", issued_at=NOW,
                             request_id=uuid4())),
])
def test_each_record_is_a_document_the_platform_accepts(kind, record):
    body = record.body()
    envelope = {"revision": 1, "service": "queue:A", "created_at": NOW.isoformat()}
    DOCUMENTS[kind].model_validate({**envelope, **body})  # raises if the contract broke


def test_a_report_says_the_reason_in_the_platforms_words_whatever_the_screen_says():
    assert Report.of("device").body() == {"reason": "device",
                                          "description": REPORT_REASONS["device"]}
    with pytest.raises(KeyError):
        Report.of("no such reason")


@pytest.mark.parametrize("bad", [
    lambda: Evaluation(score=6),
    lambda: Evaluation(score=3, name="张三"),  # nothing about the person, by construction
    lambda: OfflineTicket(number="A1", prefix="A", issued_at=NOW),
    lambda: Callback.of("02812345678", "closed"),  # a number staff cannot call back
    lambda: Evaluation.of(2, []),  # a 差评 says why
    lambda: OfflineTicket(number="A1001", prefix="A", issued_at=datetime(2026, 12, 4)),
])
def test_a_record_that_is_not_right_is_refused_before_it_reaches_the_outbox(bad):
    with pytest.raises((ValidationError, ValueError)):
        bad()
