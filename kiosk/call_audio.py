"""The staff member's voice in a 视频咨询 call, on the kiosk's speaker.

The call's thread hands over PCM (signed 16 bit, mono, 48 kHz) as it is decoded; the
screen's timer takes it on the GUI thread and writes it to the speaker. ``PcmQueue`` keeps
at most ``MAX_DELAY`` seconds: a voice late by more than that is dropped, not queued (a
conversation needs it now). ``QtSpeaker`` plays through Qt Multimedia's QAudioSink in push
mode (made when the call connects: the kiosk starts as fast without a sound card, and with
none the call goes on without sound, said once in the log); ``RecordingSpeaker`` keeps
what it was given (tests, and kiosks without sound).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

log = logging.getLogger(__name__)

RATE = 48000
BYTES_PER_SECOND = RATE * 2
MAX_DELAY = 0.4  # seconds of voice kept waiting for the speaker


class Speaker(Protocol):
    def start(self, volume: float) -> bool: ...
    def write(self, pcm: bytes) -> int: ...
    def stop(self) -> None: ...


class PcmQueue:
    """From the call's thread to the GUI thread, newest voice only."""

    def __init__(self, max_delay: float = MAX_DELAY) -> None:
        self._lock = threading.Lock()
        self._buf = bytearray()
        self._cap = int(max_delay * BYTES_PER_SECOND) & ~1
        self.dropped = 0  # bytes dropped for being late

    def put(self, pcm: bytes) -> None:
        with self._lock:
            self._buf += pcm
            over = len(self._buf) - self._cap
            if over > 0:
                over += over & 1  # whole samples
                del self._buf[:over]
                self.dropped += over

    def take(self) -> bytes:
        with self._lock:
            out = bytes(self._buf)
            self._buf.clear()
        return out

    def clear(self) -> None:
        with self._lock:
            self._buf.clear()


class QtSpeaker:
    def __init__(self) -> None:
        self._sink: Any = None
        self._device: Any = None
        self._warned = False

    def start(self, volume: float) -> bool:
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        self.stop()
        if not QMediaDevices.audioOutputs():
            if not self._warned:
                log.warning("remote help: no audio output device; staff are not heard")
                self._warned = True
            return False
        fmt = QAudioFormat()
        fmt.setSampleRate(RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self._sink = QAudioSink(QMediaDevices.defaultAudioOutput(), fmt)
        self._sink.setVolume(max(0.0, min(1.0, volume)))
        self._device = self._sink.start()  # push mode: we write, it plays
        return self._device is not None

    def write(self, pcm: bytes) -> int:
        if self._device is None:
            return 0
        room = self._sink.bytesFree()
        return int(self._device.write(pcm[: room & ~1])) if room > 1 else 0

    def stop(self) -> None:
        if self._sink is not None:
            self._sink.stop()
        self._sink = self._device = None


class RecordingSpeaker:
    def __init__(self) -> None:
        self.volume: float | None = None
        self.written = 0  # bytes played
        self.playing = False

    def start(self, volume: float) -> bool:
        self.volume, self.playing = volume, True
        return True

    def write(self, pcm: bytes) -> int:
        if self.playing:
            self.written += len(pcm)
            return len(pcm)
        return 0

    def stop(self) -> None:
        self.playing = False


default_speaker: type[Speaker] = QtSpeaker  # tests set RecordingSpeaker
