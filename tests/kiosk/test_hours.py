"""Hours and the callback number: when the 视频咨询 button calls, when it
says help is next there, and how a citizen's phone number is checked and masked."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.config import ConfigError, parse_config
from kiosk.hours import Hours, callback_number_ok, mask_phone

# 2026-12-07 is a Monday.
MON_10, MON_1230 = datetime(2026, 12, 7, 10, 0), datetime(2026, 12, 7, 12, 30)
FRI_18, SAT_10 = datetime(2026, 12, 11, 18, 0), datetime(2026, 12, 12, 10, 0)


def test_the_default_hours_are_a_weekday_morning_and_afternoon():
    cfg = parse_config("", dev=True).remote_help
    hours = Hours.parse(cfg.hours, cfg.weekdays)
    assert hours.open_at(MON_10) and not hours.open_at(MON_1230)
    assert hours.next_opening(MON_1230) == datetime(2026, 12, 7, 13, 30)
    assert not hours.open_at(FRI_18) and not hours.open_at(SAT_10)
    assert hours.next_opening(FRI_18) == datetime(2026, 12, 14, 9, 0)  # Monday morning
    assert cfg.no_answer_after == 60


def test_hours_from_the_config_file():
    cfg = parse_config('[remote_help]\nhours = ["00:00-23:59"]\nweekdays = [6, 7]\n',
                       dev=True).remote_help
    hours = Hours.parse(cfg.hours, cfg.weekdays)
    assert hours.open_at(SAT_10) and not hours.open_at(MON_10)
    assert Hours.parse([], []).next_opening(MON_10) is None  # no hours: never


@pytest.mark.parametrize("bad", ["9:00-12:00", "12:00-09:00"])
def test_wrong_hours_are_refused(bad):
    with pytest.raises((ValueError, ConfigError)):  # the file refuses it, or the hours
        Hours.parse(parse_config(f'[remote_help]\nhours = ["{bad}"]\n', dev=True)
                        .remote_help.hours, [1])


def test_a_callback_number_is_a_mobile_number_and_is_masked():
    assert callback_number_ok("13812345678") and not callback_number_ok("1381234567")
    assert not callback_number_ok("02812345678")
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("123") == "***"
