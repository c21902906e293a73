"""End to end over a real pty: SamSimulator <-> pyserial <-> IdCardReader."""

from __future__ import annotations

import dataclasses
import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from drivers.base import DeviceGone, DeviceState, DeviceTimeout
from drivers.idcard.errors import IdCardFrameError, IdCardStatusError
from drivers.idcard.protocol import SW3_INFO, FrameDecoder, Response, Sw3, encode_command
from drivers.idcard.reader import IdCardReader
from sim.id_samples import SAMPLE_CARDS
from sim.sam import SamSimulator

TIMEOUT = 0.2  # short: silence and drop faults cost one timeout each


@pytest.fixture
def reader(sim: SamSimulator) -> Iterator[IdCardReader]:
    assert sim.link_path is not None
    r = IdCardReader(sim.link_path, timeout=TIMEOUT)
    r.open()
    yield r
    r.close()


def test_sam_commands(reader: IdCardReader) -> None:
    reader.reset()
    reader.sam_status()
    assert reader.sam_id() == "01.03-134678021-0202050057-0269422093"
    assert reader.status().state == DeviceState.READY


@pytest.mark.parametrize("key", sorted(SAMPLE_CARDS))
def test_reads_every_sample(sim: SamSimulator, reader: IdCardReader, key: str) -> None:
    sample = SAMPLE_CARDS[key]
    sim.place_card(sample)
    assert reader.find_card()
    assert reader.read_card() == dataclasses.replace(sample, fingerprint=b"")


def test_read_with_fingerprint(sim: SamSimulator, reader: IdCardReader) -> None:
    sample = SAMPLE_CARDS["resident"]
    assert len(sample.fingerprint) == 1024  # the largest frame of the protocol
    sim.place_card(sample)
    assert reader.find_card()
    assert reader.read_card(with_fingerprint=True) == sample


def test_no_card(reader: IdCardReader) -> None:
    assert not reader.find_card()
    assert reader.poll() is None
    with pytest.raises(IdCardStatusError) as err:
        reader.select_card()
    assert err.value.code == "idcard.select_failed"


def test_poll_once_per_placement_and_removal(sim: SamSimulator, reader: IdCardReader) -> None:
    sim.place_card(SAMPLE_CARDS["hmt_residence"])
    card = reader.poll()
    assert card is not None and card.id_number == SAMPLE_CARDS["hmt_residence"].id_number
    assert reader.poll() is None  # same card still in the field
    assert not reader.find_card()  # real modules answer 80 for an already-read card
    assert reader.card_still_present()
    sim.remove_card()
    assert not reader.card_still_present()
    assert reader.poll() is None
    sim.place_card(SAMPLE_CARDS["resident"])
    card = reader.poll()
    assert card is not None and card.name == SAMPLE_CARDS["resident"].name


def test_unplug_and_replug_via_the_same_link(sim: SamSimulator, reader: IdCardReader) -> None:
    assert sim.link_path is not None
    sim.unplug()
    assert not os.path.lexists(sim.link_path)
    with pytest.raises(DeviceGone) as err:
        reader.find_card()
    assert err.value.code == "idcard.gone"
    assert not reader.is_open
    with pytest.raises(DeviceGone) as err:
        reader.open()
    assert err.value.code == "idcard.no_reader"
    assert reader.status().state == DeviceState.ABSENT

    sim.plug()
    assert os.path.exists(sim.link_path)
    reader.open()
    sim.place_card(SAMPLE_CARDS["foreign_permanent_2023"])
    card = reader.poll()
    assert card is not None and card.name_en == SAMPLE_CARDS["foreign_permanent_2023"].name_en


def test_open_missing_port(tmp_path: Path) -> None:
    with pytest.raises(DeviceGone) as err:
        IdCardReader(str(tmp_path / "nothing-here")).open()
    assert err.value.code == "idcard.no_reader"


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [("bad_checksum", IdCardFrameError, "idcard.frame_checksum"),
     ("silence", DeviceTimeout, "idcard.timeout"),
     ("drop", DeviceTimeout, "idcard.timeout"),
     ("sw:41", IdCardStatusError, "idcard.read_failed"),
     ("sw:60", IdCardStatusError, "idcard.sam_self_test_failed")],
)  # fmt: skip
def test_fault_gives_typed_error_then_recovers(
    sim: SamSimulator, reader: IdCardReader, fault: str, error: type[Exception], code: str
) -> None:
    sim.inject(fault)
    with pytest.raises(error) as err:
        reader.sam_status()
    assert getattr(err.value, "code", None) == code
    reader.sam_status()  # the next exchange works again
    assert reader.is_open


def test_garbage_before_reply_is_skipped(sim: SamSimulator, reader: IdCardReader) -> None:
    sim.place_card(SAMPLE_CARDS["resident"])
    sim.inject("garbage")
    sim.inject("garbage")
    assert reader.find_card()
    assert reader.read_card().id_number == SAMPLE_CARDS["resident"].id_number


def test_fault_during_read_then_card_must_be_replaced(
    sim: SamSimulator, reader: IdCardReader
) -> None:
    sim.place_card(SAMPLE_CARDS["resident"])
    assert reader.find_card()
    sim.inject("sw:32")
    with pytest.raises(IdCardStatusError) as err:
        reader.read_card()
    assert err.value.code == "idcard.sam_auth_card_failed"
    assert reader.read_card().name == "王小明"  # select works while the card stays


@pytest.mark.parametrize("sw3", sorted(set(Sw3) - {Sw3.OK}))
def test_every_error_status_maps_to_its_code(
    sim: SamSimulator, reader: IdCardReader, sw3: Sw3
) -> None:
    sim.inject(f"sw:{sw3:02x}")
    with pytest.raises(IdCardStatusError) as err:
        reader.reset()
    assert (err.value.code, err.value.sw3) == (SW3_INFO[sw3].code, sw3)


def test_timeout_waits_about_the_deadline(sim: SamSimulator, reader: IdCardReader) -> None:
    sim.inject("silence")
    start = time.monotonic()
    with pytest.raises(DeviceTimeout):
        reader.sam_status()
    elapsed = time.monotonic() - start
    assert TIMEOUT <= elapsed < TIMEOUT + 1.0


def test_simulator_delay(sim: SamSimulator, reader: IdCardReader) -> None:
    sim.delay = 0.05
    start = time.monotonic()
    reader.sam_status()
    assert time.monotonic() - start >= 0.05


# -- the simulator on its own, driven with raw bytes ---------------------------------------


def exchange_raw(
    port: serial.Serial, data: bytes, want: int = 1, wait: float = 2.0
) -> list[Response]:
    """Write ``data`` and collect ``want`` replies (deadline ``wait`` s)."""
    port.write(data)
    dec = FrameDecoder()
    replies: list[Response] = []
    deadline = time.monotonic() + wait
    while len(replies) < want and time.monotonic() < deadline:
        replies += [Response.from_frame(f) for f in dec.feed(port.read(max(1, port.in_waiting)))]
    return replies


@pytest.fixture
def raw(sim: SamSimulator) -> Iterator[serial.Serial]:
    port = serial.Serial(sim.link_path, 115200, timeout=0.05)
    yield port
    port.close()


def test_simulator_answers_bad_host_frames(raw: serial.Serial) -> None:
    good = encode_command(0x11, 0xFF)
    bad_chk = good[:-1] + bytes([good[-1] ^ 0x5A])
    too_long = bytes.fromhex("AAAAAA9669 0400") + bytes(8)
    unknown = encode_command(0x77, 0x01)
    assert [r.sw3 for r in exchange_raw(raw, bad_chk)] == [0x10]
    assert [r.sw3 for r in exchange_raw(raw, too_long)] == [0x11]
    assert [r.sw3 for r in exchange_raw(raw, unknown)] == [0x21]
    assert [r.sw3 for r in exchange_raw(raw, encode_command(0x60, 0x04))] == [0x90]
    # The module now listens at 9600 baud only.
    assert exchange_raw(raw, good, wait=0.3) == []
    raw.baudrate = 9600
    assert [r.sw3 for r in exchange_raw(raw, encode_command(0x60, 0x07))] == [0x21]
    find = exchange_raw(raw, encode_command(0x20, 0x01))
    assert [(r.sw3, r.data) for r in find] == [(0x80, bytes(4))]


def test_simulator_survives_junk(sim: SamSimulator, raw: serial.Serial) -> None:
    rng = random.Random(467)
    junk = bytearray()
    for _ in range(200):
        junk += rng.choice(
            [rng.randbytes(rng.randint(1, 30)), bytes.fromhex("AAAAAA9669") + rng.randbytes(4),
             encode_command(rng.randrange(256), rng.randrange(256), rng.randbytes(3))]
        )  # fmt: skip
    junk += bytes(64)  # completes any frame the junk left half-open
    raw.write(bytes(junk))
    # The SAM status reply must come, after whatever the junk provoked.
    deadline = time.monotonic() + 3.0
    dec = FrameDecoder()
    raw.write(encode_command(0x12, 0xFF))
    seen_sam_id = False
    while not seen_sam_id and time.monotonic() < deadline:
        for f in dec.events(raw.read(max(1, raw.in_waiting))):
            if isinstance(f, IdCardFrameError):
                continue
            r = Response.from_frame(f)
            seen_sam_id = seen_sam_id or (r.sw3 == 0x90 and len(r.data) == 16)
    assert seen_sam_id
    assert sim.running


def test_stop_is_prompt_and_removes_link(tmp_path: Path) -> None:
    link = tmp_path / "reader"
    simulator = SamSimulator(link_path=str(link))
    slave = simulator.start()
    assert os.readlink(link) == slave
    before = threading.active_count()
    start = time.monotonic()
    simulator.stop()
    assert time.monotonic() - start < 1.0
    assert not os.path.lexists(link)
    assert threading.active_count() == before - 1


def test_inject_rejects_unknown_faults() -> None:
    simulator = SamSimulator()
    with pytest.raises(ValueError):
        simulator.inject("meltdown")
    for bad in ("sw:zz", "sw:1ff"):
        with pytest.raises(ValueError):
            simulator.inject(bad)
