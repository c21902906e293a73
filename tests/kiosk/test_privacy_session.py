import logging

from kiosk.identity import Identity
from kiosk.privacy import MaskingFilter, mask_id_number, mask_name, mask_text
from kiosk.session import IdlePolicy, IdleState, SessionManager


def test_masks_match_the_ui_guide():
    assert mask_id_number("43010519491231123X") == "4301**********123X"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"


def test_log_text_never_carries_an_id_number():
    text = "read 11010519491231002X and 360426199101010071 ok"
    masked = mask_text(text)
    assert "11010519491231002X" not in masked and "1101**********002X" in masked
    assert "360426199101010071" not in masked
    assert mask_text("order 12345 at 2026-11-23") == "order 12345 at 2026-11-23"


def test_masking_filter_hides_names_of_people_being_served(caplog):
    f = MaskingFilter()
    f.protect("李四光")
    logger = logging.getLogger("test.privacy")
    logger.addFilter(f)
    with caplog.at_level(logging.INFO, logger="test.privacy"):
        logger.info("greeted %s (%s)", "李四光", "11010519491231002X")
    assert "李四光" not in caplog.text and "李*光" in caplog.text
    assert "11010519491231002X" not in caplog.text


def test_wipe_clears_everything_the_citizen_brought():
    sm = SessionManager()
    reasons = []
    sm.on_wipe(reasons.append)
    s = sm.identify(Identity(source="idcard", document="resident", name="王小二",
                             id_number="11010519491231002X", id_number_valid=True))
    scan = bytearray(b"scan-bytes")
    s.scans.append(scan)
    s.inputs["phone"] = "13800000000"
    assert s.greeting_name == "王*二"
    sm.wipe("idle")
    assert reasons == ["idle"]
    assert scan == bytearray(len(scan))  # zeroed in place, not just dropped
    assert not sm.current.has_personal_data and sm.current.id != s.id
    assert s.identity is None and not s.inputs


def test_idle_policy_asks_then_expires():
    p = IdlePolicy(timeout=60, grace=15)
    assert p.state(10) is IdleState.ACTIVE
    assert p.state(60) is IdleState.ASKING and p.remaining(60) == 15
    assert p.state(74.5) is IdleState.ASKING and p.remaining(74.5) == 1
    assert p.state(75) is IdleState.EXPIRED and p.remaining(80) == 0


def test_one_identity_for_the_id_card_and_the_social_security_card():
    from datetime import date

    from sim.id_samples import SAMPLE_CARDS
    from sim.ss_samples import SAMPLE_SSCARDS

    idcard = Identity.from_card(SAMPLE_CARDS["resident"])
    sscard = Identity.from_card(SAMPLE_SSCARDS["third_gen"].card)
    assert (idcard.source, sscard.source) == ("idcard", "sscard")
    assert sscard.document == "social_security" and sscard.name_en == ""
    for who in (idcard, sscard):
        assert who.id_number_valid and not who.is_expired(date(2026, 1, 1))
        assert who.name not in repr(who) and who.id_number not in repr(who)
        assert "*" in who.masked_id_number


def test_every_way_an_id_or_mobile_number_is_written_is_masked():
    for text in ("ID11010519491231002X", "110105 19491231 002X", "110105-19491231-002X",
                 "身份证号:11010519491231002X。"):
        masked = mask_text(text)
        assert "19491231" not in masked and "1101**********002X" in masked, text
    assert mask_text("permit FRA318704220015 read") == "permit FRA*********015 read"
    assert mask_text("phone 13800138000") == "phone 138****8000"
    # Not personal: order numbers, dates, times, hall phones keep their digits.
    for text in ("order JF2026120400001234", "0731-88761000", "2026-12-04 19:10"):
        assert mask_text(text) == text


def test_a_digest_or_uuid_keeps_its_digits_and_an_id_beside_it_is_still_masked():
    # A sha256 with a run of 15 digits (an old ID number's shape) and one with a run like a
    # mobile number: a technician must get them whole (the blob's file is named by it).
    sha = "ec6630df171713e267812345678606f67d4651e062e546652ad4ab1f247f4530ab"[:64]
    mobile_run = "ab13800138000cd" + "0" * 49
    card = "3f2a9c1e-1380-4138-8000-13800138000a"
    for digest in (sha, sha.upper(), mobile_run, card):
        assert mask_text(f"uploaded: sha256 {digest} (12 bytes)") == (
            f"uploaded: sha256 {digest} (12 bytes)"), digest
        assert mask_text(f"blobs/ec/{digest}") == f"blobs/ec/{digest}"
    masked = mask_text(f"{sha} 11010519491231002X,{card};13800138000")
    assert masked == f"{sha} 1101**********002X,{card};138****8000"
    # An ID number glued to a label is no digest: still masked.
    assert mask_text("IDabc11010519491231002X") == "IDabc1101**********002X"


def test_a_traceback_in_the_log_file_is_masked_and_the_file_is_private(tmp_path):
    import os

    from kiosk.cli import setup_logging
    from kiosk.config import parse_config
    from kiosk.privacy import masking_filter

    config = parse_config(f'[data]\ndir = "{tmp_path.as_posix()}"\n', dev=True)
    root = logging.getLogger()
    before = list(root.handlers)
    path = setup_logging(config)
    address = "北京市东城区示例路1号院2单元301室"
    masking_filter.protect("王小明", address)
    try:
        try:
            raise ValueError(f"card of 王小明 11010519491231002X at {address}")
        except ValueError:
            logging.getLogger("test.privacy").exception("reading failed")
    finally:
        masking_filter.forget("王小明", address)
        for h in root.handlers[len(before):]:
            h.close()
            root.removeHandler(h)
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text and "ValueError" in text
    assert "11010519491231002X" not in text and "王小明" not in text
    assert "示例路1号院" not in text and "王*明" in text
    assert os.stat(path).st_mode & 0o777 == 0o640
