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
