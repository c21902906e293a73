"""Usage per service and day, from taps to the fleet console: a number taken is a queue
visit started and finished, a 材料拍照 chosen and left at the card prompt is one given up;
the kiosk's heartbeat carries the counts and the console's usage table shows them, with
nothing about the person."""

from __future__ import annotations

from datetime import date

from central import console
from sim.id_samples import SAMPLE_CARDS
from tests.gui.conftest import tap
from tests.gui.test_ticket_slice import place_card_and_wait_greeting, take_ticket
from tests.platform.test_console import PASSWORD, log_in


def test_services_started_finished_and_given_up_reach_the_console(qtbot, window, ctx):
    place_card_and_wait_greeting(qtbot, window, ctx)
    take_ticket(qtbot, window, "A")  # started and finished (the number is printed)
    tap(window, window.footer.home_btn)  # the visit is over: home ends it
    assert window.current is window.screen("home")

    window.clock.advance(5)
    tap(window, window.screen("home").tiles["scan"])  # 材料拍照: asks for the card...
    assert window.current is window.screen("card_prompt")
    tap(window, window.footer.home_btn)  # ...and the citizen walks away from it
    window.end_session("citizen_left")

    today = date.today().isoformat()
    counts = ctx.usage.telemetry()["usage"][today]
    assert counts["queue"]["taken"] == 1 and counts["queue"]["finished"] == 1
    assert counts["scan"] == {"taken": 1, "finished": 0, "abandoned": 1, "seconds": 0}

    book = console.ConsoleBook.beside(ctx.link.server.store.root)
    try:
        book.add_user("wang.fang", PASSWORD)
        ctx.sync.trigger("heartbeat")

        def rows() -> dict:
            table = log_in(ctx.link.server.url, name="wang.fang").get(
                f"{ctx.link.server.url}/console/api/usage").json()["rows"]
            return {r["service"]: r for r in table if r["day"] == today}

        qtbot.waitUntil(lambda: "scan" in rows(), timeout=10000)
        shown = rows()
        assert (shown["scan"]["taken"], shown["scan"]["abandoned"]) == (1, 1)
        assert (shown["queue"]["taken"], shown["queue"]["finished_here"]) == (1, 1)
        person = SAMPLE_CARDS["resident"]
        assert person.id_number not in str(shown) and person.name not in str(shown)
    finally:
        book.close()
