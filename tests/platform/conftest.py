import pytest

from tests.gui.conftest import ctx, kiosk_toml, window  # noqa: F401 - a whole kiosk, for sync
from tests.platform.harness import (  # noqa: F401
    POSTGRES_MODULES,
    pg_cluster,
    platform,
    platform_db,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: the test looks at the SQLite file itself; in a module of "
        "POSTGRES_MODULES it still runs on SQLite alone")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    both_backends(metafunc)


def both_backends(metafunc: pytest.Metafunc) -> None:
    """A test of ``POSTGRES_MODULES`` taking the platform's database runs on both."""
    if ("platform_db" in metafunc.fixturenames
            and metafunc.module.__name__.rpartition(".")[2] in POSTGRES_MODULES
            and not metafunc.definition.get_closest_marker("sqlite_only")):
        metafunc.parametrize("platform_db", ["sqlite", "postgresql"], indirect=True)
