"""The development tree: the simulated devices (``sim/``) and the reference platform
(``central/``) live in the source tree beside the product packages, and are not in the
kiosk's wheel, so a production install has no simulator in it.

They are imported only through ``dev_import``, when the configuration asks for them (a port
``sim``, ``platform.url = "embedded"``) or a development command runs. Without the source
tree that is a configuration error saying what to configure instead, not a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from kiosk.config import ConfigError

DEV_PACKAGES = ("sim", "central")


class NotInDevTree(ConfigError):
    """Something the configuration asks for comes only with the source tree."""


def dev_import(module: str, what: str) -> ModuleType:
    """Import ``module`` of the development tree; ``what`` names it for the message."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        top = (e.name or "").partition(".")[0]
        if top not in DEV_PACKAGES:
            raise  # a missing dependency, or a bug: the caller says which
        raise NotInDevTree(
            f"{what} comes only with the kiosk's source tree ({top}/), which this "
            f"installation does not have: configure the real one in kiosk.toml, or run the "
            f"kiosk from the source tree (scripts/kiosk.sh)") from None
