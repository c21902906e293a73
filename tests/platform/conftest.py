from tests.gui.conftest import ctx, kiosk_toml, window  # noqa: F401 - a whole kiosk, for sync
from tests.platform.harness import platform  # noqa: F401
