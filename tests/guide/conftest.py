from tests.platform.harness import platform  # noqa: F401 - the reference platform over HTTP
