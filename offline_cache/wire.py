"""What terminal and platform agree on byte for byte (``docs/platform-openapi.yaml``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

# Where each kind of outbox record is put: PUT /v1/<collection>/<id>.
COLLECTIONS = {"case": "cases", "evaluation": "evaluations", "report": "reports",
               "ticket": "tickets", "supplement": "supplements"}
MAX_ATTACHMENT = 64 << 20  # the largest attachment the platform takes
MAX_CHUNK = 8 << 20  # the largest chunk body
MAX_JSON = 1 << 20  # the largest JSON body


def canonical_json(doc: Any) -> bytes:
    """The one byte form of a document: what is sealed, uploaded and hashed (keys sorted,
    no spaces, UTF-8). The platform hashes the same form of what it parsed."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def iso(ts: float) -> str:
    """A Unix time as RFC 3339 in UTC, to the second."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
