"""The 社保卡 reader over the real PC/SC stack: pyscard -> pcscd -> vpcd -> the virtual card."""

from __future__ import annotations

import pytest

from drivers.sscard.errors import SsCardError, SsCardGone, SsCardStatusError
from drivers.sscard.protocol import EF_HOLDER
from drivers.sscard.reader import SocialSecurityCardReader
from sim.pcscd import PrivatePcscd
from sim.ss_samples import SAMPLE_SSCARDS
from sim.sscard_virtual import VirtualSsCard
from sim.vpcd import VpcdSlot
from tests.sscard.conftest import wait_for_card

READABLE = [k for k, s in SAMPLE_SSCARDS.items() if s.card is not None and not s.protected]


@pytest.mark.parametrize("key", READABLE)
def test_reads_every_sample(slot: VpcdSlot, reader: SocialSecurityCardReader, key: str) -> None:
    sample = SAMPLE_SSCARDS[key]
    slot.insert(sample.virtual())
    wait_for_card(reader)
    assert reader.read_card() == sample.card
    assert reader.protocol == f"T={sample.protocol}"


def test_t0_card_is_read_with_get_response_and_le_correction(
    slot: VpcdSlot, reader: SocialSecurityCardReader
) -> None:
    card = SAMPLE_SSCARDS["second_gen_t0"].virtual()
    slot.insert(card)
    wait_for_card(reader)
    reader.read_card()
    sent = [c.hex().upper() for c, _ in card.trace]
    answers = [r.hex().upper() for _, r in card.trace]
    assert answers[0].startswith("61") and sent[1].startswith("00C00000")
    assert "00B2010000" in sent and "00B2010012" in sent  # Le 00, told 6C12, asked again


def test_card_that_wants_authentication(slot: VpcdSlot, reader: SocialSecurityCardReader) -> None:
    slot.insert(SAMPLE_SSCARDS["needs_auth"].virtual())
    wait_for_card(reader)
    with pytest.raises(SsCardStatusError) as info:
        reader.read_card()
    assert info.value.code == "sscard.needs_auth" and info.value.sw == 0x6982
    slot.insert(VirtualSsCard(SAMPLE_SSCARDS["third_gen"].card, protected={EF_HOLDER: 0x63C2}))
    wait_for_card(reader, present=False)
    wait_for_card(reader)
    with pytest.raises(SsCardStatusError) as info:
        reader.read_card()
    assert info.value.code == "sscard.needs_auth" and "2 tries left" in info.value.tech


def test_a_bank_card_is_not_a_social_security_card(
    slot: VpcdSlot, reader: SocialSecurityCardReader
) -> None:
    slot.insert(SAMPLE_SSCARDS["not_ssse"].virtual())
    wait_for_card(reader)
    with pytest.raises(SsCardStatusError) as info:
        reader.read_card()
    assert info.value.code == "sscard.not_ssse"


def test_card_pulled_in_the_middle_of_a_read(
    slot: VpcdSlot, reader: SocialSecurityCardReader
) -> None:
    slot.insert(SAMPLE_SSCARDS["third_gen"].virtual(), remove_after=4)
    wait_for_card(reader)
    with pytest.raises(SsCardError) as info:
        reader.read_card()
    assert not isinstance(info.value, SsCardGone)  # the reader itself is fine
    assert info.value.code == "sscard.removed"
    wait_for_card(reader, present=False)


def test_presence_follows_the_card(slot: VpcdSlot, reader: SocialSecurityCardReader) -> None:
    assert not reader.card_present()
    slot.insert(SAMPLE_SSCARDS["third_gen"].virtual())
    wait_for_card(reader)
    first = reader.wait_for_change(0).events
    slot.remove()
    wait_for_card(reader, present=False)
    slot.insert(SAMPLE_SSCARDS["second_gen_t0"].virtual())
    wait_for_card(reader)
    assert reader.wait_for_change(0).events != first  # a new placement, not the same one


def test_a_reader_that_is_not_there(pcscd: PrivatePcscd) -> None:
    with pytest.raises(SsCardGone) as info:
        SocialSecurityCardReader("No Such Reader").open()
    assert info.value.code == "sscard.no_reader"
    assert "Virtual PCD 00 00" in info.value.tech  # names the readers that are there
