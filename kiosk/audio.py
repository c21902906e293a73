"""The audio layer: plays one utterance (a list of WAV clips) at a time, a new one cutting
the old. ``QtSink`` plays through Qt Multimedia; ``RecordingSink`` keeps what it was given
(tests, and kiosks without sound); ``NullSink`` plays nothing.

The clips of an utterance are joined into one WAV in memory (with a short pause between
them), so stopping it stops everything it would have said, and nothing more is written to
disk than the cached clips themselves.
"""

from __future__ import annotations

import io
import logging
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PAUSE_SECONDS = 0.12  # between two clips: a number's digits, a sentence's parts


def join_clips(clips: Sequence[Path], pause: float = PAUSE_SECONDS) -> bytes:
    """The clips as one WAV (they share espeak-ng's format: mono, 16 bit, 22050 Hz; a clip
    of another format is left out rather than played as noise)."""
    out = io.BytesIO()
    params = None
    with wave.open(out, "wb") as w:
        for clip in clips:
            with wave.open(str(clip), "rb") as r:
                p = r.getparams()
                frames = r.readframes(p.nframes)
            if params is None:
                params = p
                w.setnchannels(p.nchannels)
                w.setsampwidth(p.sampwidth)
                w.setframerate(p.framerate)
            elif (p.nchannels, p.sampwidth, p.framerate) != (
                    params.nchannels, params.sampwidth, params.framerate):
                log.warning("audio: %s has another format, left out", clip.name)
                continue
            else:
                w.writeframes(b"\x00" * int(pause * p.framerate) * p.sampwidth * p.nchannels)
            w.writeframes(frames)
        if params is None:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(22050)
    return out.getvalue()


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data), "rb") as r:
        return r.getnframes() / r.getframerate()


@dataclass
class Utterance:
    clips: list[Path]
    volume: float
    cut: bool = False  # stopped (or replaced) before it was over
    stopped_by: str = ""  # "stop" or "play": what cut it


@dataclass
class RecordingSink:
    """Keeps every utterance it is asked to play, and which ones were cut short. An
    utterance is "playing" until ``finish()`` (the test's stand-in for its end) or until
    something cuts it."""

    played: list[Utterance] = field(default_factory=list)
    playing: Utterance | None = None

    def play(self, clips: Sequence[Path], volume: float) -> None:
        self._cut("play")
        self.playing = Utterance(list(clips), volume)
        self.played.append(self.playing)

    def stop(self) -> None:
        self._cut("stop")

    def finish(self) -> None:
        self.playing = None

    def _cut(self, by: str) -> None:
        if self.playing is not None:
            self.playing.cut, self.playing.stopped_by = True, by
            self.playing = None


class NullSink:
    def play(self, clips: Sequence[Path], volume: float) -> None:
        pass

    def stop(self) -> None:
        pass


class QtSink:
    """Qt Multimedia's player. Made at the first utterance (not at import: the kiosk starts
    as fast without a sound card); with no audio output at all it plays nothing and says so
    once in the log, and an output plugged in later is used from the next utterance on."""

    def __init__(self) -> None:
        self._player = None
        self._output = None
        self._buffer = None
        self._warned = False

    def _ready(self) -> bool:
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        if not QMediaDevices.audioOutputs():
            if not self._warned:
                log.warning("voice: no audio output device; prompts are not played")
                self._warned = True
            return False
        if self._player is None:
            self._player = QMediaPlayer()
            self._output = QAudioOutput()
            self._player.setAudioOutput(self._output)
            self._player.errorOccurred.connect(
                lambda _e, msg: log.warning("voice: audio error: %s", msg))
        self._output.setDevice(QMediaDevices.defaultAudioOutput())
        return True

    def play(self, clips: Sequence[Path], volume: float) -> None:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QUrl

        self.stop()
        if not clips or not self._ready():
            return
        buf = QBuffer()
        buf.setData(QByteArray(join_clips(clips)))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        self._output.setVolume(max(0.0, min(1.0, volume)))
        self._player.setSourceDevice(buf, QUrl("prompt.wav"))
        self._buffer = buf  # the player reads it while playing: keep it alive
        self._player.play()

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player.setSourceDevice(None)
        self._buffer = None
