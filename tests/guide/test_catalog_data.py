"""The reference platform's catalog (``central/catalog.json``): valid, complete and
big enough to find things in the ways citizens look."""

from __future__ import annotations

import json
import typing

import pytest
from pydantic import BaseModel, ValidationError

from central.app import CATALOG_PATH
from kiosk.catalog import Catalog, label, parse_catalog
from offline_cache.client import MAX_REPLY

RAW = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return parse_catalog(RAW)


def unknown_keys(model: type[BaseModel], doc: dict, where: str) -> list[str]:
    """Keys the models do not know (they are ignored when read, so a typo would be lost)."""
    wrong = [f"{where}.{k}" for k in doc if k not in model.model_fields]
    for key, field in model.model_fields.items():
        inner = [a for a in typing.get_args(field.annotation)
                 if isinstance(a, type) and issubclass(a, BaseModel)]
        for i, child in enumerate(doc.get(key, []) if inner else []):
            wrong += unknown_keys(inner[0], child, f"{where}.{key}[{i}]")
    return wrong


def test_the_shipped_catalog_is_valid_with_no_unknown_field():
    parse_catalog(RAW)
    assert unknown_keys(Catalog, RAW, "catalog") == []


def test_it_has_40_items_8_departments_and_both_audiences(catalog):
    assert len(catalog.services) >= 40
    assert len({i.department for i in catalog.services}) >= 8
    for audience in ("person", "legal_person"):
        assert sum(audience in i.audience for i in catalog.services) >= 10
    kinds = {i.kind for i in catalog.services}
    assert {"license", "benefit", "confirmation", "public_service"} <= kinds


def test_the_topics_citizens_look_for_are_there(catalog):
    person = {t.name for t in catalog.topics_for("person")}
    assert {"生育收养", "户籍办理", "社会保障", "就业创业", "婚姻登记", "住房", "退休",
            "医疗卫生", "教育"} <= person
    assert "企业开办" in {t.name for t in catalog.topics_for("legal_person")}


def test_the_three_bundles_list_their_items_and_one_set_of_materials(catalog):
    names = {b.id: b for b in catalog.bundles}
    birth = names["birth"]
    assert birth.name == "新生儿出生一件事"
    members = {m.name for m in catalog.members(birth)}
    assert {"出生医学证明签发", "出生登记（新生儿落户）", "城乡居民基本医疗保险参保登记",
            "社会保障卡申领"} <= members
    assert "父母双方居民身份证" in {m.name for m in birth.materials}
    assert names["retirement"].name == "退休一件事"
    assert "住房公积金个人账户封存" in {m.name for m in catalog.members(names["retirement"])}
    assert "社会保障卡补领、换领" in {m.name for m in catalog.members(names["sscard"])}
    assert len(catalog.departments_of(birth)) >= 4  # offices working together


def test_every_item_can_be_told_to_a_citizen(catalog):
    """The fields the guide page and the notice show are there and mean something."""
    for e in catalog.entries():
        assert e.materials and e.steps and e.conditions, e.id
        assert e.guide_url.startswith("https://"), e.id
        assert all(m.copies >= 1 or m.form == "electronic" for m in e.materials), e.id
        assert e.phone and e.complaint_phone and e.location and e.hours, e.id
    assert any(i.charged for i in catalog.services)
    assert any(i.terminal for i in catalog.services) and any(not i.terminal
                                                            for i in catalog.services)
    assert {i.scope for i in catalog.services} >= {"national", "cross_province", "province",
                                                   "city"}
    assert any(m.deferrable for i in catalog.services for m in i.materials)
    assert any(m.blank_form_url and m.sample_url for i in catalog.services for m in i.materials)


def test_every_code_has_chinese_and_english_names(catalog):
    i = catalog.entry("id-card-renewal")
    assert (label("kind", i.kind), label("kind", i.kind, "en")) == (
        "公共服务", "Public service")
    assert label("necessity", "deferrable") == "容缺后补"


def test_an_item_is_found_by_its_id_basic_code_or_implementation_code(catalog):
    item = catalog.entry("household-certificate")
    assert catalog.entry(item.basic_code) is item
    assert catalog.entry(item.impl_code.lower()) is item
    assert catalog.entry("no-such-item") is None


def test_the_answer_stays_well_under_what_the_client_accepts():
    served = json.dumps(RAW, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(served) < MAX_REPLY * 0.6  # room for the catalog to grow


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["bundles"][0]["members"].append("no-such-item"), "not items"),
    (lambda d: d["services"][0].update(department="nobody"), "unknown department"),
    (lambda d: d["services"][1].update(id=d["services"][0]["id"]), "used by"),
    (lambda d: d["services"][0].update(promised_days=400), "less than or equal"),
    (lambda d: d["services"][0].update(impl_code="1" * 33), "实施编码"),
    (lambda d: d["services"][0]["materials"][0].update(necessity="maybe"), "necessity"),
])
def test_a_catalog_that_contradicts_itself_is_refused(change, message):
    doc = json.loads(json.dumps(RAW))
    change(doc)
    with pytest.raises(ValidationError, match=message):
        parse_catalog(doc)
