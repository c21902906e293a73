from tests.platform.harness import platform  # noqa: F401 - the real platform fixture
