import re
import string

import pytest

from kiosk.i18n import LANGUAGES, Translator, catalog


def _fields(text: str) -> set[str]:
    return {f[1].split(".")[0] for f in string.Formatter().parse(text) if f[1]}


def test_every_language_has_every_key_with_the_same_placeholders():
    ref = catalog("zh_CN")
    for lang in LANGUAGES:
        cat = catalog(lang)
        assert set(cat) == set(ref), f"{lang} keys differ"
        for key, text in ref.items():
            assert _fields(cat[key]) == _fields(text), f"{lang}:{key} placeholders differ"


def test_english_catalog_has_no_untranslated_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    leftovers = {k for k, v in catalog("en").items()
                 if cjk.search(v) and k != "footer.language"}
    assert not leftovers


def test_switching_language_tells_listeners_and_changes_text():
    t = Translator()
    seen = []
    t.on_change(seen.append)
    assert t.tr("footer.home") == "首页"
    t.set_language("en")
    assert seen == ["en"] and t.tr("footer.home") == "Home"
    assert t.tr("header.countdown", s=45) == "45 s left"


def test_unknown_language_and_key_are_errors():
    t = Translator()
    with pytest.raises(ValueError):
        t.set_language("fr")
    with pytest.raises(KeyError):
        t.tr("no.such.key")


def test_a_service_brings_its_own_words_and_may_not_redefine_anothers(tmp_path, monkeypatch):
    import kiosk.i18n as i18n

    (tmp_path / "zh_CN.toml").write_text('[home]\ntitle = "首页"\n', encoding="utf-8")
    (tmp_path / "toy.zh_CN.toml").write_text('[toy]\ntitle = "玩具"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "_LOCALES", tmp_path)
    i18n.catalog.cache_clear()
    try:
        assert i18n.catalog("zh_CN") == {"home.title": "首页", "toy.title": "玩具"}
        (tmp_path / "zz.zh_CN.toml").write_text('[home]\ntitle = "又一个"\n', encoding="utf-8")
        i18n.catalog.cache_clear()
        with pytest.raises(ValueError, match="home.title"):
            i18n.catalog("zh_CN")
    finally:
        i18n.catalog.cache_clear()
