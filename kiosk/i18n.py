"""The one translation mechanism: key-based catalogs, one TOML file per language.

Screens and messages ask ``tr("home.title")``; the catalogs live in ``kiosk/locales/``:
``<language>.toml`` for the shell and ``<part>.<language>.toml`` for a service of its own
(e.g. ``certificate.en.toml``), so a new service brings its words without editing the
shared files. A key defined twice is an error.
Simplified Chinese is the reference catalog; a key missing from another language falls back
to Chinese (a tested invariant keeps both complete). Switching language at run time calls
the registered listeners so every screen can re-label itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGUAGES = ("zh_CN", "en")
_LOCALES = Path(__file__).with_name("locales")


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = str(v)
    return out


@cache
def catalog(language: str) -> dict[str, str]:
    out: dict[str, str] = {}
    files = [_LOCALES / f"{language}.toml", *sorted(_LOCALES.glob(f"*.{language}.toml"))]
    for path in files:
        with path.open("rb") as f:
            part = _flatten(tomllib.load(f))
        twice = out.keys() & part.keys()
        if twice:
            raise ValueError(f"{path.name}: keys already defined: {', '.join(sorted(twice))}")
        out.update(part)
    return out


class Translator:
    def __init__(self, language: str = "zh_CN") -> None:
        self._language = language
        self._listeners: list[Callable[[str], None]] = []

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; allowed: {', '.join(LANGUAGES)}")
        if language != self._language:
            self._language = language
            for cb in list(self._listeners):
                cb(language)

    def on_change(self, cb: Callable[[str], None]) -> Callable[[], None]:
        """Call ``cb(language)`` on every switch; returns the function that unsubscribes."""
        self._listeners.append(cb)
        return lambda: self._listeners.remove(cb)

    def tr(self, key: str, **fmt: object) -> str:
        text = catalog(self._language).get(key) or catalog("zh_CN").get(key)
        if text is None:
            raise KeyError(f"no translation for {key!r}")
        return text.format(**fmt) if fmt else text

    def has(self, key: str) -> bool:
        return key in catalog("zh_CN")


# The application's translator. Tests may switch its language; they restore it after.
translator = Translator()
tr = translator.tr
