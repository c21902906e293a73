"""The reference platform and ``docs/platform-openapi.yaml`` stay in step (schemathesis).

Every operation gets generated requests, signed like a terminal's; every answer must have
a documented status, content type, headers and body schema, and never be a server error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from central.app import create_app
from tests.platform.harness import signed_session, start_platform

SPEC = Path(__file__).parents[2] / "docs" / "platform-openapi.yaml"
schema = schemathesis.openapi.from_path(SPEC)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_platform(tmp_path_factory.mktemp("contract"))
    yield server.url, signed_session()
    server.stop()


@schema.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_platform_answers_as_the_contract_says(case, live):
    url, session = live
    case.call_and_validate(base_url=url, session=session, checks=CHECKS)


def test_every_route_of_the_server_is_in_the_contract(platform):
    documented = {(m.upper(), p) for p, item in schema.raw_schema["paths"].items()
                  for m in item if m in ("get", "put", "post", "patch")}
    served = {(m, r.path) for r in create_app(platform.store).routes
              for m in getattr(r, "methods", ())}
    assert served == documented
