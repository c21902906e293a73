"""呼叫工作人员 without a screen: what the heartbeat carries, an answer, and the end."""

from __future__ import annotations

from kiosk.help_call import ANSWER_SHOWN, WAIT_AT_MOST, HelpCalls


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_call_is_waiting_then_answered_then_over():
    clock = Clock()
    calls = HelpCalls(clock)
    assert calls.telemetry() == {} and not calls.answer("马上到")  # nobody waiting
    assert calls.ask("guide_page") and not calls.ask("guide_page")  # a second tap: one call
    beat = calls.telemetry()["help"]
    assert (beat["state"], beat["step"]) == ("waiting", "guide_page") and beat["at"]
    assert calls.answer("马上到") and calls.message == "马上到"
    assert calls.telemetry()["help"]["state"] == "answered"
    clock.now += ANSWER_SHOWN + 1
    assert calls.telemetry() == {} and calls.state == ""


def test_an_unanswered_call_ends_after_a_while():
    clock = Clock()
    calls = HelpCalls(clock)
    calls.ask("home")
    clock.now += WAIT_AT_MOST + 1
    assert calls.telemetry() == {} and not calls.answer("too late")
    assert calls.ask("home")  # a new one may be made
