"""The flow engine's Qt-free half: what a service is.

A service is a ``Flow`` subclass in a module of ``kiosk.flows``. It declares its steps (each
a screen, named by import path so this module needs no Qt), what it needs before it starts
(a card, the network, devices), its tile on the home screen, and what happens between the
steps. Defining the class registers it (as Odoo's IoT drivers register by subclassing);
``load_flows`` imports every module of the package, so adding a service is adding a module.

The navigator (``kiosk.navigator``) owns the stack of steps and every way out of it: back,
home, a card asked for mid-way, the idle wipe, a device failing. A flow talks to it only
through ``FlowHost``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from concurrent.futures import Future

    from drivers.base import DeviceStatus
    from kiosk.context import KioskContext


class IdentityNeed(StrEnum):
    NONE = "none"  # anyone: the guide, 办不成事
    ID_CARD = "id_card"  # the ID card (or a permit the same reader reads)
    ANY_CARD = "any_card"  # the ID card or the 社保卡


class NetworkNeed(StrEnum):
    NONE = "none"
    CACHED_OK = "cached_ok"  # works offline from what the kiosk keeps (the guide)
    REQUIRED = "required"  # says so and offers another way when offline (certificates)


@dataclass(frozen=True)
class Needs:
    identity: IdentityNeed = IdentityNeed.NONE
    network: NetworkNeed = NetworkNeed.NONE
    devices: tuple[str, ...] = ()  # configured devices without which the tile is not shown


@dataclass(frozen=True)
class Tile:
    """The service on the home screen: a glyph, its place, and whether it is the main one.
    Its words are the catalog's ``service.<id>`` and ``service.<id>_sub``."""

    glyph: str
    order: int
    primary: bool = False


class FlowHost(Protocol):
    """What a flow may ask of the navigator."""

    ctx: KioskContext
    flows: dict[str, Flow]  # the services this kiosk offers

    @property
    def step(self) -> str: ...
    def go(self, step: str) -> None: ...
    def replace(self, step: str) -> None: ...
    def screen(self, step: str) -> Any: ...
    def made(self, step: str) -> bool: ...
    def flow_of(self, step: str) -> str: ...
    def end_visit(self, reason: str) -> None: ...
    def start(self, flow_id: str, arg: str = "") -> None: ...
    def content_changed(self) -> None: ...
    def visit_over(self) -> None: ...
    def now(self) -> float: ...
    def run(self, fn: Callable[..., Any], *args: Any,
            on_done: Callable[[Future[Any]], None] | None = None,
            keep_on_leave: bool = False) -> Future[Any]: ...
    def watch(self, fut: Future[Any], on_done: Callable[[Future[Any]], None],
              keep_on_leave: bool = False) -> None: ...


class Flow:
    """One service. One instance per kiosk window; what one visit brings is reset in
    ``start``."""

    id: ClassVar[str] = ""
    tile: ClassVar[Tile | None] = None  # None: reached another way (a button, another flow)
    needs: ClassVar[Needs] = Needs()
    # The same service online: offered as a QR (扫码带走) when this kiosk cannot do it now.
    online_url: ClassVar[str] = ""
    steps: ClassVar[dict[str, str]] = {}  # step → "module:ScreenClass"; the first starts
    # Reached over another flow without ending it (help by video): the flow under it keeps
    # its visit and is back when the side trip ends by 返回.
    side_trip: ClassVar[bool] = False
    # Has an end (a number, a receipt, a payment): leaving before it counts as given up in
    # the usage statistics (kiosk.usage). The guide has none: reading is the service.
    has_end: ClassVar[bool] = True
    registry: ClassVar[dict[str, type[Flow]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.id:
            if cls.id in Flow.registry and Flow.registry[cls.id] is not cls:
                raise ValueError(f"two flows named {cls.id!r}")
            Flow.registry[cls.id] = cls

    def __init__(self, host: FlowHost) -> None:
        self.host = host
        self.ctx = host.ctx
        self.arg = ""  # what the citizen asked for when starting it (navigator.start)

    @classmethod
    def available(cls, ctx: KioskContext) -> bool:
        """Offered on this kiosk: every device it needs is configured."""
        return all(d in ctx.devices.workers for d in cls.needs.devices)

    def bind(self, step: str, screen: Any) -> None:
        """Connect a step's screen to this flow (once, when the screen is made)."""

    def start(self) -> None:
        """The citizen chose the service (and has what it needs): show the first step."""
        self.host.go(next(iter(self.steps)))

    def holds(self) -> bool:
        """True while leaving would lose something the citizen must get (a number being
        printed): back, home and the idle timeout wait."""
        return False

    def defers_cards(self) -> bool:
        """True while the screen shows what belongs to the citizen before: a new card
        waits until it is gone."""
        return False

    def tick(self, now: float) -> bool:
        """Called four times a second while the flow is on screen; True if it keeps its
        own time (a countdown of its own instead of the idle question)."""
        return False

    def shown(self, step: str) -> None:
        """One of this flow's steps is now on screen."""

    def device_changed(self, device: str, status: DeviceStatus) -> None:
        """A device this kiosk has changed state while the flow is on screen."""

    def left(self) -> None:
        """The flow was left (home, a wipe, another flow): forget the visit."""

    def close(self) -> None:
        """The kiosk is shutting down."""


def load_flows() -> dict[str, type[Flow]]:
    """Every service module of ``kiosk.flows``, imported (so registered)."""
    import kiosk.flows as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return dict(Flow.registry)
