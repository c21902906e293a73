"""The flow engine: a service is one module, and the navigator owns every way out of it.

The toy service here exists only in this test: defining it registers it, and the kiosk
shows its tile, asks for the card it needs, runs its work in the background and ends the
visit — with no edit anywhere else."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QVBoxLayout

from kiosk.flow import Flow, IdentityNeed, Needs, NetworkNeed, Tile
from screens.widgets import Screen, button, label
from tests.gui.conftest import tap


class AskScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.answer = button("问", primary=True)
        QVBoxLayout(self).addWidget(self.answer)


class DoneScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.result = label("Title")
        QVBoxLayout(self).addWidget(self.result)

    def reset(self) -> None:
        self.result.setText("")


class ToyBase(Flow):
    """The toy's behaviour; a test defines the registered subclass (see ``toy``)."""

    tile = Tile("玩", order=99)
    needs = Needs(identity=IdentityNeed.ANY_CARD)
    steps = {"toy_ask": f"{__name__}:AskScreen", "toy_done": f"{__name__}:DoneScreen"}
    gate = threading.Event()
    events: list[str] = []

    def bind(self, step: str, screen) -> None:
        if step == "toy_ask":
            screen.answer.clicked.connect(self.ask)

    def ask(self) -> None:
        self.host.run(self.work, 21, on_done=self.answered)

    def work(self, n: int) -> int:
        assert threading.current_thread() is not threading.main_thread()
        self.gate.wait(5)
        return 2 * n

    def answered(self, fut) -> None:
        self.host.screen("toy_done").result.setText(str(fut.result()))
        self.host.go("toy_done")
        self.host.visit_over()

    def left(self) -> None:
        self.events.append("left")

    def device_changed(self, device: str, status) -> None:
        self.events.append(f"{device}:{status.state}")


@pytest.fixture
def toy() -> Iterator[type[ToyBase]]:
    """Defining the flow registers it: nothing else tells the kiosk about it. It is
    unregistered after the test, so no other test sees its tile."""

    class ToyFlow(ToyBase):
        id = "toy"

    ToyBase.gate.set()
    ToyBase.events.clear()
    yield ToyFlow
    del Flow.registry["toy"]


def test_a_flow_defined_in_a_test_runs_end_to_end(qtbot, toy, window, ctx):
    tile = window.screen("home").tiles["toy"]
    tap(window, tile)
    assert window.nav.step == "card_prompt"  # it needs a card: asked first
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: window.nav.step == "toy_ask", timeout=5000)
    tap(window, window.screen("toy_ask").answer)
    qtbot.waitUntil(lambda: window.nav.step == "toy_done", timeout=5000)
    assert window.screen("toy_done").result.text() == "42"
    tap(window, window.footer.home_btn)  # the visit is over: home ends it
    assert window.nav.step == "home" and ctx.sessions.current.identity is None


def test_back_leaves_the_flow_and_a_late_result_is_dropped(qtbot, toy, window, ctx):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap(window, window.screen("home").tiles["toy"])
    assert window.nav.step == "toy_ask"
    toy.gate.clear()  # the work takes a while
    tap(window, window.screen("toy_ask").answer)
    tap(window, window.footer.back_btn)  # the citizen does not wait
    assert window.nav.step == "home" and "left" in toy.events
    toy.gate.set()
    qtbot.wait(500)
    assert window.nav.step == "home"  # the answer came for a step nobody is on
    assert window.screen("toy_done").result.text() == ""


def test_the_idle_wipe_and_a_failing_device_reach_the_flow(qtbot, toy, window, ctx):
    ctx.sim.place_card("resident")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=5000)
    tap(window, window.screen("home").tiles["toy"])
    ctx.sim.printer.set_cover_open(True)
    qtbot.waitUntil(lambda: any(e.startswith("printer:") for e in toy.events), timeout=5000)
    window.clock.advance(ctx.idle_policy.timeout + ctx.idle_policy.grace + 1)
    qtbot.waitUntil(lambda: window.nav.step == "home", timeout=2000)
    assert "left" in toy.events and ctx.sessions.current.identity is None


class OnlineToy(ToyBase):
    needs = Needs(network=NetworkNeed.REQUIRED)


class IdCardToy(ToyBase):
    needs = Needs(identity=IdentityNeed.ID_CARD)


@pytest.fixture
def needy(request) -> Iterator[None]:
    """One toy with a need, registered for this test only (the toys share their steps)."""
    name, cls = request.param
    Flow.registry[name] = cls
    yield
    del Flow.registry[name]


@pytest.mark.parametrize("needy", [("online_toy", OnlineToy)], indirect=True)
def test_a_service_that_needs_the_network_says_so_offline(qtbot, needy, window, ctx):
    ctx.network.set_up(False)
    qtbot.waitUntil(lambda: "断开" in window.header.indicators["network"].text(), timeout=5000)
    window.nav.start("online_toy")
    assert window.nav.step == "offline"
    assert window.screen("offline").title.text() == "这项服务需要联网"
    assert "人工窗口" in window.screen("offline").alt.text()
    ctx.network.set_up(True)
    qtbot.waitUntil(lambda: "断开" not in window.header.indicators["network"].text(),
                    timeout=5000)
    tap(window, window.footer.home_btn)
    window.nav.start("online_toy")
    assert window.nav.step == "toy_ask"


@pytest.mark.parametrize("needy", [("idcard_toy", IdCardToy)], indirect=True)
def test_a_service_that_needs_the_id_card_does_not_take_the_sscard(qtbot, needy, window, ctx):
    ctx.sim.insert_sscard("third_gen")
    qtbot.waitUntil(lambda: ctx.sessions.current.identity is not None, timeout=10000)
    window.nav.start("idcard_toy")
    prompt = window.screen("card_prompt")
    assert window.nav.step == "card_prompt"
    assert prompt.title.text() == "请将身份证放在下方读卡区"
    assert "需要身份证" in prompt.error.text()
    ctx.sim.place_card("resident")  # the same citizen, now with the ID card
    qtbot.waitUntil(lambda: window.nav.step == "toy_ask", timeout=5000)
    assert ctx.sessions.current.identity.source == "idcard"


def test_warm_up_makes_every_screen_while_the_kiosk_stays_at_home(qtbot, window, ctx):
    """The screens are made before a citizen opens them (a first 自助申报 would otherwise
    wait for its form and keyboard to be made), and the citizen at home sees nothing of it:
    the home screen stays, and a tap there still works meanwhile."""
    nav = window.nav
    steps = list(nav._paths)
    assert not all(nav.made(s) for s in steps)  # made on demand until now
    finished = []
    nav.warm_up(lambda: finished.append(True))
    tap(window, window.screen("home").tiles["queue"])  # a citizen during the warm-up
    asked = window.current
    assert asked is window.screen("card_prompt")  # 取号 asks for the card first
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    assert all(nav.made(s) for s in steps)
    assert window.current is asked and asked.isVisible()  # nothing else came to the front
