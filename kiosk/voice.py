"""Spoken prompts (语音播报): what a screen says, read aloud by espeak-ng, without Qt.

A screen's prompt is a short sequence of parts: catalog text (``Say``), text already on
screen (``Text``), a queue number read one character at a time (``Digits``: A 零 二 三) and
an amount of money (``Amount``: 一百二十三元五角). Text is rendered by espeak-ng to a WAV
file once and kept under ``<data>/voice/`` (about 15 ms a prompt), so speaking is playing a
file. Numbers and amounts are put together from one clip per syllable, so no file is ever
written that says what a citizen's number or payment was.

Mandarin goes through pinyin: espeak-ng's own Mandarin dictionary (as Debian ships it)
knows few characters, so the text is turned into tone-numbered pinyin by pypinyin (which
knows the phrases that decide a character's reading: 银行 háng, 重新 chóng) and read by
the ``cmn-latn-pinyin`` voice. English is read by ``en-us``.

Playing is the audio layer's (``kiosk.audio``): one prompt at a time, a new one cuts the
old. Nothing here speaks a name or an ID number: the prompts are the screens' instructions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Protocol

from kiosk.i18n import translator

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
VOICES = {"zh_CN": "cmn-latn-pinyin", "en": "en-us"}
WORDS_PER_MINUTE = 140  # a little slower than espeak's 175: the kiosk's citizens are old
RENDER_TIMEOUT = 10.0


# --- what a prompt is made of --------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    """A catalog text, in the language on screen when it is spoken."""

    key: str
    fmt: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return translator.tr(self.key, **dict(self.fmt))


@dataclass(frozen=True)
class Text:
    """Words already on screen (a label's text)."""

    value: str

    def text(self) -> str:
        return self.value


@dataclass(frozen=True)
class Digits:
    """A queue number or code, one character at a time: A023 → A 零 二 三."""

    value: str

    def text(self) -> str:
        return self.value


@dataclass(frozen=True)
class Amount:
    """Money in yuan: 123.5 → 一百二十三元五角."""

    value: Decimal

    def text(self) -> str:
        return f"{self.value:.2f}"


Part = Say | Text | Digits | Amount
Prompt = tuple[Part, ...]


def say(key: str, **fmt: object) -> Say:
    return Say(key, tuple(sorted(fmt.items())))


# --- numbers as words ----------------------------------------------------------------------
_ZH_DIGITS = "零一二三四五六七八九"
_ZH_UNITS = ("", "十", "百", "千")
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
            "ninety")
# Letters as a Mandarin speaker says them, in pinyin for the pinyin voice.
_ZH_LETTERS = {
    "A": "ei1", "B": "bi4", "C": "xi1", "D": "di4", "E": "yi4", "F": "ai2 fu1", "G": "ji4",
    "H": "ai1 qi1", "I": "ai4", "J": "jie4", "K": "kai4", "L": "ai2 le5", "M": "ai2 mu5",
    "N": "en1", "O": "ou1", "P": "pi4", "Q": "qiu1", "R": "a4 er5", "S": "ai2 si1",
    "T": "ti4", "U": "you1", "V": "wei1", "W": "da2 bu5 liu5", "X": "ai4 ke4 si1",
    "Y": "wai4", "Z": "zei4",
}


def _zh_below_10000(n: int) -> str:
    out, zero = "", False
    for power in range(3, -1, -1):
        d = n // 10**power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _ZH_DIGITS[d] + _ZH_UNITS[power]
    return out


def number_zh(n: int) -> str:
    """0 → 零, 10 → 十, 105 → 一百零五, 12030 → 一万二千零三十."""
    if n < 0:
        return "负" + number_zh(-n)
    if n == 0:
        return "零"
    groups, words = [], ("", "万", "亿")
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            continue
        if out and g < 1000:
            out += "零"
        out += _zh_below_10000(g) + words[i]
    out = out.replace("零零", "零")
    return out[1:] if out.startswith("一十") else out  # 十五, not 一十五


def number_en(n: int) -> str:
    if n < 0:
        return "minus " + number_en(-n)
    if n < 10:
        return _EN_DIGITS[n]
    if n < 20:
        return _EN_TEENS[n - 10]
    if n < 100:
        return _EN_TENS[n // 10] + ("" if n % 10 == 0 else " " + _EN_DIGITS[n % 10])
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand"),
                       (100, "hundred")):
        if n >= size:
            rest = n % size
            return f"{number_en(n // size)} {name}" + ("" if rest == 0 else " " + number_en(rest))
    raise AssertionError(n)


def amount_words(value: Decimal, language: str) -> list[str]:
    """The words of an amount of yuan, one item per word (one clip each)."""
    fen_total = int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if language == "en":
        words = [*number_en(yuan).split(), "yuan"]
        if jiao or fen:
            words += [*number_en(jiao * 10 + fen).split(), "fen"]
        return words
    words = list(number_zh(yuan)) + ["元"]
    if jiao:
        words += [_ZH_DIGITS[jiao], "角"]
    if fen:
        words += (["零"] if not jiao else []) + [_ZH_DIGITS[fen], "分"]
    if not (jiao or fen):
        words.append("整")
    return words


def digit_words(value: str, language: str) -> list[str]:
    """A number read one character at a time: A023 → A 零 二 三 (A zero two three)."""
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(_EN_DIGITS[int(ch)] if language == "en" else _ZH_DIGITS[int(ch)])
        elif ch.isalnum():
            out.append(ch.upper())
    return out


# --- text as the engine should read it ----------------------------------------------------
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEAR = re.compile(r"(\d{4})(?=\s*年)")
_LATIN = re.compile(r"[A-Za-z]+")
_ZH_PAUSE = str.maketrans({"，": ",", "、": ",", "；": ",", "：": ",", "（": ",", "）": ",",
                           "。": ".", "！": ".", "？": "?", "…": ".", "—": ",", "-": " ",
                           "·": ","})
# What is drawn rather than said: arrows, marks, bullets, emoji.
_SYMBOLS = re.compile(r"[^\w\s,.?!;:'\"()\-，。！？、；：（）…—]")


def _zh_number(m: re.Match[str]) -> str:
    s = m.group(0)
    if "." in s:
        whole, frac = s.split(".")
        return number_zh(int(whole)) + "点" + "".join(_ZH_DIGITS[int(d)] for d in frac)
    if len(s) >= 5 or (len(s) > 1 and s.startswith("0")):  # a phone or account number
        return "".join(_ZH_DIGITS[int(d)] for d in s)
    return number_zh(int(s))


@cache
def _pinyin() -> Callable[[str], list[str]]:
    from pypinyin import Style, lazy_pinyin, load_phrases_dict

    load_phrases_dict(_PHRASES)
    return partial(lazy_pinyin, style=Style.TONE3, neutral_tone_with_five=True,
                   tone_sandhi=True)


@lru_cache(maxsize=2048)
def pinyin_text(text: str) -> str:
    """Chinese text as tone-numbered pinyin for espeak-ng's ``cmn-latn-pinyin`` voice:
    numbers as words (a year and a phone number digit by digit), Latin letters by their
    Mandarin names, punctuation as pauses, symbols dropped."""
    text = _SYMBOLS.sub(" ", text)
    text = _YEAR.sub(lambda m: "".join(_ZH_DIGITS[int(d)] for d in m.group(1)), text)
    text = _NUMBER.sub(_zh_number, text)
    text = _LATIN.sub(lambda m: " " + " ".join(_ZH_LETTERS[c] for c in m.group(0).upper())
                      + " ", text)
    syllables = _pinyin()(text)
    return re.sub(r"\s+", " ", " ".join(syllables).translate(_ZH_PAUSE)).strip()


def english_text(text: str) -> str:
    return re.sub(r"\s+", " ", _SYMBOLS.sub(" ", text)).strip()


# Readings pypinyin's dictionary gets wrong for the kiosk's words.
_PHRASES = {
    "重听": [["chóng"], ["tīng"]],
    "凭条": [["píng"], ["tiáo"]],
}


# --- the engine and its cache --------------------------------------------------------------
class RenderError(Exception):
    pass


class SpeechEngine:
    """espeak-ng, rendering text to WAV files kept in ``cache_dir`` (one per text and
    language; the file's name is a hash of what the engine was asked)."""

    def __init__(self, cache_dir: Path, binary: str = ESPEAK,
                 words_per_minute: int = WORDS_PER_MINUTE) -> None:
        self.cache_dir = cache_dir
        self.binary = shutil.which(binary) or ""
        self.wpm = words_per_minute
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return bool(self.binary)

    def phonetic(self, text: str, language: str) -> str:
        """What the engine is given for ``text``."""
        return english_text(text) if language == "en" else pinyin_text(text)

    def clip(self, text: str, language: str) -> Path | None:
        """The WAV file saying ``text`` (rendered now if it is not cached yet); None when
        there is nothing to say or no engine."""
        spoken = self.phonetic(text, language)
        if not spoken.strip(" ,.?") or not self.available:
            return None
        voice = VOICES[language]
        digest = hashlib.sha256(f"{voice}|{self.wpm}|{spoken}".encode()).hexdigest()[:32]
        path = self.cache_dir / language / f"{digest}.wav"
        if path.is_file():
            return path
        self._render(spoken, voice, path)
        return path

    def _render(self, spoken: str, voice: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        os.close(fd)
        try:
            done = subprocess.run(
                [self.binary, "-v", voice, "-s", str(self.wpm), "-b", "1", "-w", tmp],
                input=spoken.encode(), capture_output=True, timeout=RENDER_TIMEOUT,
                check=False)
            if done.returncode != 0 or os.path.getsize(tmp) <= 44:
                raise RenderError(f"{ESPEAK} failed ({done.returncode}): "
                                  f"{done.stderr.decode(errors='replace')[:200]}")
            os.replace(tmp, path)  # whole or not at all: another thread may render it too
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def clips(self, prompt: Prompt, language: str) -> list[Path]:
        """One clip per sentence, per digit of a number, per word of an amount."""
        out: list[Path | None] = []
        for part in prompt:
            if isinstance(part, Digits):
                out += [self.clip(w, language) for w in digit_words(part.value, language)]
            elif isinstance(part, Amount):
                out += [self.clip(w, language) for w in amount_words(part.value, language)]
            else:
                out.append(self.clip(part.text(), language))
        return [p for p in out if p is not None]

    def prepare(self, texts: Iterable[str], languages: Sequence[str]) -> int:
        """Render what is not cached yet (at start, off the GUI thread); returns how many
        clips there are."""
        n = 0
        for language in languages:
            for text in texts:
                try:
                    if self.clip(text, language) is not None:
                        n += 1
                except (RenderError, OSError, subprocess.SubprocessError) as e:
                    log.warning("voice: could not render a prompt: %s", e)
        return n


def prompt_texts(language: str) -> list[str]:
    """The catalog's texts that screens speak as they are: titles and error messages
    without placeholders, plus the syllables numbers and amounts are made of."""
    from kiosk.i18n import catalog

    texts = [v for k, v in catalog(language).items()
             if "{" not in v and (k.startswith(("error.", "voice.")) or k.endswith("title"))]
    if language == "en":
        words = [*_EN_DIGITS, *_EN_TEENS, *_EN_TENS[2:], "hundred", "thousand", "million",
                 "yuan", "fen", *_ZH_LETTERS]
    else:
        words = [*_ZH_DIGITS, "十", "百", "千", "万", "亿", "元", "角", "分", "整", "负",
                 *_ZH_LETTERS]
    return texts + words


# --- speaking ------------------------------------------------------------------------------
class AudioSink(Protocol):
    """Where clips are played (``kiosk.audio``): one utterance at a time."""

    def play(self, clips: Sequence[Path], volume: float) -> None: ...
    def stop(self) -> None: ...


@dataclass
class Voice:
    """The kiosk's voice: says a screen's prompt (cutting whatever it was saying), says it
    again on 重听, and is quiet when off. ``on`` is the citizen's (on by default in elder
    mode and at village stations); ``enabled`` is the kiosk's (config ``voice.enabled``)."""

    engine: SpeechEngine
    sink: AudioSink
    volume: float = 0.6  # 0..1, config voice.volume / 100
    enabled: bool = True
    on: bool = False
    current: Prompt = ()

    def show(self, prompt: Prompt) -> None:
        """A screen (or its state) changed: this is now what it says; said if voice is on."""
        self.current = prompt
        if self.enabled and self.on:
            self._speak(prompt)
        else:
            self.sink.stop()  # a prompt of a screen left is not finished

    def replay(self) -> None:
        """重听: the current prompt again, and voice on for the rest of the visit."""
        if not self.enabled:
            return
        self.on = True
        self._speak(self.current)

    def sample(self, prompt: Prompt) -> None:
        """Say ``prompt`` now whether or not the voice is on: staff trying the volume."""
        if self.enabled:
            self._speak(prompt)

    def set_on(self, on: bool) -> None:
        self.on = on
        if not on:
            self.sink.stop()

    def stop(self) -> None:
        self.current = ()
        self.sink.stop()

    def _speak(self, prompt: Prompt) -> None:
        try:
            clips = self.engine.clips(prompt, translator.language)
        except (RenderError, OSError, subprocess.SubprocessError) as e:
            log.warning("voice: could not render %s: %s", [type(p).__name__ for p in prompt], e)
            clips = []
        if clips:
            self.sink.play(clips, self.volume)
        else:
            self.sink.stop()
