"""A person at a terminal (``POST /v1/presence``) and the audit of look-ups of a person.

A terminal that has just read a citizen's ID card or 社保卡 presents it: the ID number and a
digest of what the card reader read. The platform answers with a presence token, good for
``PRESENCE_TTL`` seconds, for this person at this terminal only, and ended when the terminal
presents another card. Certificate data, 进度查询 by person, 电子证照 and the bills and
payments found by ID number are answered only with the live token of the person looked up
(``presence`` in the request's body, which the terminal's signature covers), else 401 with a
reason; and every such look-up, answered or refused, is written to the audit (terminal,
purpose, the person as a keyed pseudonym and masked, outcome), which staff read with
``kiosk platform audit``. A real platform would also check the card digest against the
card issuer's record; the reference one keeps it (as a pseudonym) with the token.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at
# run time, and ``signed`` is a parameter of ``install``, not a name of this module.
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from central.store import PlatformStore, Refusal


def token_field() -> Any:
    """A look-up body's ``presence``: the token (empty: none given, refused with a reason)."""
    return Field("", max_length=64, pattern=r"^[A-Za-z0-9_-]*$")


class PresenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=r"^[0-9A-Z]{15,18}$")
    card_digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    source: Literal["idcard", "sscard"]


@contextmanager
def looked_up(store: PlatformStore, terminal: str, purpose: str, id_number: str,
              token: str) -> Iterator[None]:
    """A look-up of the person ``id_number`` for ``purpose``: refused without their live
    presence at ``terminal``; audited whatever its outcome."""
    outcome = "answered"
    try:
        store.check_presence(terminal, token, id_number)
        yield
    except Refusal as e:
        outcome = f"refused {e.error}"
        raise
    except Exception:
        outcome = "failed"
        raise
    finally:
        store.audit(terminal, purpose, id_number, outcome)


def install(app: FastAPI, store: PlatformStore, signed: Any, parse: Any) -> None:
    @app.post("/v1/presence", status_code=201)
    async def present(s: signed) -> JSONResponse:  # type: ignore[valid-type]
        _, req = parse(PresenceRequest, s.body)
        token, ttl = store.present(s.terminal, req.id_number, req.card_digest)
        return JSONResponse({"token": token, "expires_in": ttl}, status_code=201)
