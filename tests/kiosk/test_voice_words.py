"""What the voice says: numbers, amounts, queue numbers and Mandarin through pinyin, and the
WAV files espeak-ng renders (cached, whole, joined by the audio layer)."""

from __future__ import annotations

import shutil
import wave
from decimal import Decimal

import pytest

from kiosk.audio import RecordingSink, join_clips, wav_seconds
from kiosk.voice import (
    Amount,
    Digits,
    SpeechEngine,
    Voice,
    amount_words,
    digit_words,
    number_en,
    number_zh,
    pinyin_text,
    say,
)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (scripts/bootstrap.sh)")


@pytest.mark.parametrize(("n", "zh", "en"), [
    (0, "零", "zero"), (10, "十", "ten"), (15, "十五", "fifteen"), (105, "一百零五",
     "one hundred five"), (1010, "一千零一十", "one thousand ten"),
    (12030, "一万二千零三十", "twelve thousand thirty"), (100000, "十万", "one hundred thousand"),
])
def test_numbers_as_words(n, zh, en):
    assert number_zh(n) == zh
    assert number_en(n) == en


def test_amounts_read_as_yuan_jiao_fen():
    assert "".join(amount_words(Decimal("123.5"), "zh_CN")) == "一百二十三元五角"
    assert "".join(amount_words(Decimal("3.05"), "zh_CN")) == "三元零五分"
    assert "".join(amount_words(Decimal("380"), "zh_CN")) == "三百八十元整"
    assert " ".join(amount_words(Decimal("123.45"), "en")) == (
        "one hundred twenty three yuan forty five fen")


def test_queue_numbers_digit_by_digit():
    assert digit_words("A023", "zh_CN") == ["A", "零", "二", "三"]
    assert digit_words("B1001", "en") == ["B", "one", "zero", "zero", "one"]


def test_mandarin_goes_to_the_engine_as_pinyin_with_the_right_readings():
    assert pinyin_text("请放置身份证") == "qing3 fang4 zhi4 shen1 fen4 zheng4"
    assert pinyin_text("打印完成，请取走凭条") == (
        "da3 yin4 wan2 cheng2 , qing3 qu3 zou3 ping2 tiao2")
    assert pinyin_text("银行") == "yin2 hang2"  # 行 read háng here, not xíng
    assert pinyin_text("前面还有 12 人") == "qian2 mian4 hai2 you3 shi2 er4 ren2"
    # A phone number digit by digit, a symbol dropped, a letter by its Mandarin name.
    assert pinyin_text("◀ 拨打 0738") == "bo1 da3 ling2 qi1 san1 ba1"
    assert pinyin_text("A4打印") == "ei1 si4 da3 yin4"


@needs_espeak
def test_prompts_render_to_cached_wav_files(tmp_path):
    engine = SpeechEngine(tmp_path)
    prompt = (say("card.title"), Digits("A023"), Amount(Decimal("12.5")))
    clips = engine.clips(prompt, "zh_CN")
    assert len(clips) == 1 + 4 + 5  # the sentence, A 零 二 三, 十 二 元 五 角
    for clip in clips:
        with wave.open(str(clip)) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getnframes() > 1000
    before = {p: p.stat().st_mtime_ns for p in clips}
    assert engine.clips(prompt, "zh_CN") == clips  # the second time from the cache
    assert {p: p.stat().st_mtime_ns for p in clips} == before
    # Digits are one clip each, shared: 零 of A023 is 零 of A101.
    assert engine.clips((Digits("A101"),), "zh_CN")[2] == clips[2]
    joined = join_clips(clips)
    assert wav_seconds(joined) > sum(wav_seconds(p.read_bytes()) for p in clips)  # + pauses


@needs_espeak
def test_voice_says_only_when_on_and_a_new_prompt_cuts_the_old(tmp_path):
    sink = RecordingSink()
    voice = Voice(SpeechEngine(tmp_path), sink, volume=0.4)
    voice.show((say("card.title"),))
    assert sink.played == []  # off: shown, not said
    voice.replay()  # 重听 turns it on and says the prompt shown
    voice.show((say("category.title"),))
    first, second = sink.played
    assert first.cut and first.stopped_by == "play" and not second.cut
    assert second.volume == 0.4
    voice.set_on(False)
    assert second.cut and second.stopped_by == "stop"
