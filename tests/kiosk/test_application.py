"""The application's form and materials, without a screen (kiosk.application)."""

from __future__ import annotations

from datetime import date, datetime

import cv2
import numpy as np
import pytest

from central.app import CATALOG_PATH
from drivers.camera.output import encode_jpeg
from kiosk.application import Application, Slot, _pages_of, add_working_days
from kiosk.catalog import parse_catalog
from kiosk.identity import Identity
from sim.paper import render_paper

TODAY = date(2026, 12, 4)  # a Friday
CATALOG = parse_catalog(__import__("json").loads(CATALOG_PATH.read_text(encoding="utf-8")))
WHO = Identity(source="idcard", document="resident", id_number="11010519491231002X",
               id_number_valid=True, name="王小明", address="北京市东城区示例路1号")


def birth() -> Application:
    return Application.start(CATALOG.entry("birth"), WHO, TODAY)


def test_the_form_is_prefilled_from_the_card_and_the_card_fields_cannot_change():
    app = birth()
    ids = [f.id for f in app.visible_fields()]
    assert ids[:2] == ["applicant_name", "applicant_id"] and "child_name" in ids
    assert app.values["applicant_name"] == "王小明"
    assert app.display(app.field("applicant_id")) == "1101**********002X"
    assert app.set("applicant_name", "李四") == "apply.error.read_only"
    assert app.values["applicant_name"] == "王小明"


@pytest.mark.parametrize(("field", "value", "error"), [
    ("phone", "13800138000", ""), ("phone", "0731-88761000", ""),
    ("phone", "1380013800", "apply.error.phone"), ("phone", "", "apply.error.required"),
    ("child_birth", "2026-11-30", ""), ("child_birth", "2026-02-30", "apply.error.date"),
    ("child_birth", "2027-01-01", "apply.error.future"),
    ("child_sex", "girl", "apply.error.choice"), ("child_name", "小" * 11, "apply.error.too_long"),
])
def test_each_field_says_what_is_wrong(field, value, error):
    assert birth().set(field, value) == error


def test_the_address_is_asked_only_when_the_result_is_posted():
    app = birth()
    assert app.values["delivery"] == ""  # nothing chosen for the citizen
    assert "address" not in [f.id for f in app.visible_fields()]
    assert app.errors()["delivery"] == "apply.error.required"
    app.set("delivery", "mail")
    assert "address" in [f.id for f in app.visible_fields()]
    app.set("delivery", "pickup")
    assert "address" not in [f.id for f in app.visible_fields()]


def test_deferring_needs_the_promise_and_the_case_lists_the_deadline():
    app = birth()
    for f, v in (("phone", "13800138000"), ("child_name", "王小宝"), ("relation", "father"),
                 ("child_sex", "female"), ("child_birth", "2026-11-30"), ("delivery", "mail")):
        assert app.set(f, v) == ""
    ids = next(s for s in app.slots if s.name == "父母双方居民身份证")
    assert ids.status == "e_license"  # the platform holds it: 免提交
    form = next(i for i, s in enumerate(app.slots) if s.name.endswith("申请表"))
    app.toggle_defer(form)  # not deferrable: stays
    assert app.slots[form].status == "counter"
    marriage = next(i for i, s in enumerate(app.slots) if s.name == "结婚证")
    assert app.slots[marriage].status == "counter"
    app.toggle_defer(marriage)
    assert app.slots[marriage].status == "deferred"
    with pytest.raises(ValueError, match="promise"):
        app.case_form("SIM-0001", datetime(2026, 12, 4, 20, 0))
    app.promise_signed = True
    case = app.case_form("SIM-0001", datetime(2026, 12, 4, 20, 0))
    deferred = [m for m in case.materials if m.status == "deferred"]
    assert [m.deadline for m in deferred] == [add_working_days(TODAY, 10)]
    assert case.items == CATALOG.entry("birth").members and case.fields["child_name"] == "王小宝"
    assert "applicant_name" not in case.fields  # who applies is in ``applicant``, once


def test_working_days_skip_weekends():
    assert add_working_days(TODAY, 1) == date(2026, 12, 7)  # Friday + 1 → Monday
    assert add_working_days(TODAY, 5) == date(2026, 12, 11)


def test_for_someone_else_the_applicant_is_typed_and_checked_and_the_agent_recorded():
    app = Application.start(CATALOG.entry("retirement"), WHO, TODAY, on_behalf=True)
    assert app.values["applicant_name"] == "" and app.values["address"] == ""
    assert app.set("applicant_id", "110105194912310021") == "apply.error.id_number"
    app.set("applicant_id", WHO.id_number.lower())
    assert app.errors()["applicant_id"] == "apply.error.same_person"
    for f, v in (("applicant_name", "王秀兰"), ("applicant_id", "43010419560308018x"),
                 ("agent_relation", "child"), ("phone", "13800138000"),
                 ("delivery", "pickup")):
        app.set(f, v)
    assert app.errors() == {}
    case = app.case_form("SIM-0001", datetime(2026, 12, 4, 9, 30))
    assert case.applicant == {"name": "王秀兰", "id_number": "43010419560308018X"}
    assert case.agent == {"name": "王小明", "id_number": WHO.id_number, "relation": "child"}
    assert app.masked_applicant() == "王*兰" and app.masked_agent() == "王*明（子女）"


def test_a_pledged_material_needs_the_signed_promise_and_its_words():
    app = Application.start(CATALOG.entry("retirement"), WHO, TODAY)
    i = next(n for n, s in enumerate(app.slots) if s.pledgeable)
    app.toggle_pledge(i)
    assert app.slots[i].status == "pledged" and app.needs_promise()
    assert "告知承诺" in app.promise_text() and app.slots[i].name in app.promise_text()
    app.toggle_pledge(i)
    assert app.slots[i].status == "counter" and not app.needs_promise()


def test_an_id_card_photographed_front_and_back_is_one_copy_page():
    pages = [bytearray(encode_jpeg(render_paper(kind), 300))
             for kind in ("idcard_front", "idcard_back")]
    card = Slot("居民身份证", "ID card", "required", "photo", False, 1, "original")
    (page,) = _pages_of(card, pages)
    sheet = cv2.imdecode(np.frombuffer(page, np.uint8), cv2.IMREAD_COLOR)
    assert sheet.shape[0] > sheet.shape[1]  # one A4 portrait sheet with both sides
    other = Slot("户口簿", "Hukou", "required", "photo", False, 1, "original")
    assert len(_pages_of(other, pages)) == 2
