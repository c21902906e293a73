from tests.platform.conftest import both_backends
from tests.platform.harness import pg_cluster, platform, platform_db  # noqa: F401 - the real platform


def pytest_generate_tests(metafunc) -> None:  # noqa: ANN001 - pytest's hook
    both_backends(metafunc)  # test_sync's uploads also on PostgreSQL
