from tests.platform.harness import platform, platform_db  # noqa: F401 - the reference platform over HTTP
