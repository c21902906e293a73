"""Finding an item the ways citizens look: 个人/法人 → 主题, department, words, pinyin."""

from __future__ import annotations

import json

import pytest

from central.app import CATALOG_PATH
from kiosk.catalog import parse_catalog
from kiosk.guide import GuideIndex, pinyin_start, syllables


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    return GuideIndex(parse_catalog(json.loads(CATALOG_PATH.read_text(encoding="utf-8"))))


def names(index: GuideIndex, query: str, n: int = 20) -> list[str]:
    return [h.entry.name for h in index.search(query).hits[:n]]


def test_person_then_topic_lists_the_bundle_first(index):
    c = index.catalog
    assert [t.name for t in c.topics_for("person")][:2] == ["生育收养", "户籍办理"]
    entries = [e.name for e in c.browse("person", "birth-adoption")]
    assert entries[0] == "新生儿出生一件事"
    assert {"出生医学证明签发", "出生登记（新生儿落户）", "收养登记"} <= set(entries)
    business = [e.name for e in c.browse("legal_person", "business-start")]
    assert "企业设立登记" in business and "出生医学证明签发" not in business


def test_a_department_lists_its_items_and_the_bundles_it_works_in(index):
    police = [e.name for e in index.catalog.browse(department="police")]
    assert "新生儿出生一件事" in police  # 出生登记 is the police's part of it
    assert {"居民身份证换领、补领", "户籍证明开具", "公章刻制备案"} <= set(police)
    assert "结婚登记" not in " ".join(police)


def test_what_people_call_it_finds_it(index):
    assert names(index, "生孩子")[:2] == ["新生儿出生一件事", "出生医学证明签发"]
    assert names(index, "我要生孩子了")[0] == "新生儿出生一件事"  # a keyword in a sentence
    assert "居民身份证换领、补领" in names(index, "身份证丢了")


def test_pinyin_initials_find_retirement_first(index):
    hits = index.search("tx").hits
    assert [h.entry.name for h in hits[:2]] == ["退休一件事", "退休提取住房公积金"]
    assert hits[0].match == "pinyin_start"
    rest = [h.entry.name for h in hits[2:5]]
    assert "企业职工基本养老保险待遇申领" in rest  # its keyword 退休


@pytest.mark.parametrize("query", ["cs", "chsh", "chusheng", "chus", "csyxzm", "CHUSHENG",
                                   "chu sheng", "ｃｓ"])
def test_initials_full_or_mixed_pinyin_find_the_birth_certificate(index, query):
    assert names(index, query)[0] == "出生医学证明签发"


def test_ranked_name_start_then_pinyin_then_keyword(index):
    hits = index.search("出生").hits
    assert [h.match for h in hits[:2]] == ["name_start", "name_start"]
    assert hits[2].entry.name == "新生儿出生一件事" and hits[2].via == "出生医学证明签发"
    exact = index.search("出生登记（新生儿落户）").hits
    assert exact[0].entry.name == "出生登记（新生儿落户）" and exact[0].match == "exact"
    matches = [h.match for h in index.search("tx").hits]
    assert matches == sorted(matches, key=["pinyin_start", "pinyin", "keyword",
                                           "department"].index)


def test_a_bundle_ranks_where_its_items_match(index):
    hits = index.search("预防接种").hits
    assert [h.entry.name for h in hits[:2]] == ["预防接种证办理", "新生儿出生一件事"]
    assert hits[1].via == "预防接种证办理" and hits[1].match == hits[0].match


def test_english_words_find_items_for_the_english_screen(index):
    assert names(index, "birth")[0] == "新生儿出生一件事"
    assert "社会保障卡补领、换领" in names(index, "Social security card")[:5]


def test_a_department_name_finds_its_items_and_bundles(index):
    hits = index.search("公安").hits
    assert hits and {h.match for h in hits} == {"department"}
    assert all("police" in index.catalog.departments_of(h.entry) for h in hits)
    assert "新生儿出生一件事" in [h.entry.name for h in hits]


@pytest.mark.parametrize("query", ["zzzz", "火星签证", ""])
def test_no_result_still_offers_the_most_common_items(index, query):
    result = index.search(query)
    assert result.hits == ()
    assert [e.id for e in result.suggestions][:3] == ["birth", "sscard", "retirement"]


def test_pinyin_of_names_as_people_type_it():
    assert syllables("绿色通道（A4）") == ("lv", "se", "tong", "dao", "a4")
    assert syllables("银行卡") == ("yin", "hang", "ka")  # the reading in the word
    assert pinyin_start("tx", syllables("办理退休")) == 2
    assert pinyin_start("tx", syllables("退休"), whole=True) == 0
    assert pinyin_start("txt", syllables("退休"), whole=True) is None
