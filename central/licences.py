"""The reference platform's 电子证照 (e-licences): which of the materials an application
names the platform already holds for the person, so the kiosk shows them as received
(免提交) instead of asking for paper. Asked only with the holder's presence token, and
audited (``central.presence``). Invented but stable for an ID number: everyone has
their ID card and hukou booklet on file; a marriage certificate for about half."""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at
# run time, and ``signed`` is a parameter of ``install``, not a name of this module.
import hashlib
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from central.presence import looked_up, token_field

# What the platform files under each kind, by words a material's name contains.
_HELD = (("身份证", "居民身份证", "公安局"), ("户口簿", "居民户口簿", "公安局"),
         ("结婚证", "结婚证", "民政局"), ("出生医学证明", "出生医学证明", "卫生健康委员会"))


class LicenceLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    materials: list[str] = Field(max_length=30)
    presence: str = token_field()  # the holder's at this terminal (central.presence)


def held(id_number: str, materials: list[str]) -> list[dict[str, str]]:
    seed = int(hashlib.sha256(id_number.encode()).hexdigest()[:8], 16)
    found = []
    for name in materials:
        for words, kind, issuer in _HELD:
            if words in name and (kind != "结婚证" or seed % 2 == 0) and kind != "出生医学证明":
                found.append({"material": name, "licence": kind, "issuer": issuer,
                              "number": f"DZZZ{seed % 10**10:010d}{len(found)}"})
                break
    return found


def install(app: FastAPI, store: Any, signed: Any, parse: Any) -> None:
    @app.post("/v1/licences/lookup")
    async def lookup(s: signed) -> JSONResponse:  # type: ignore[valid-type]
        _, req = parse(LicenceLookup, s.body)
        with looked_up(store, s.terminal, "licences", req.id_number, req.presence):
            found = held(req.id_number, req.materials)
        return JSONResponse({"found": found})
