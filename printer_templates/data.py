"""Template data from JSON: plain objects in, typed dataclasses out, with errors that say
which field is wrong (the CLI shows them to a technician as they are)."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

T = TypeVar("T")


class TemplateDataError(ValueError):
    """The data does not fit the template; the message names the field."""


def from_mapping(cls: type[T], data: object, where: str = "") -> T:
    """Build dataclass ``cls`` from ``data``; nested dataclasses and tuples of them too."""
    if not isinstance(data, Mapping):
        raise TemplateDataError(f"{where or cls.__name__}: expected an object")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - set(known)
    if unknown:
        raise TemplateDataError(f"{where or cls.__name__}: unknown field(s) {sorted(unknown)}")
    values = {}
    for name, f in known.items():
        path = f"{where}.{name}" if where else name
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise TemplateDataError(f"{path}: missing")
            continue
        values[name] = _convert(hints[name], data[name], path)
    return cls(**values)


def _convert(hint: Any, value: object, path: str) -> object:
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise TemplateDataError(f"{path}: expected a list")
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if dataclasses.is_dataclass(hint):
        return from_mapping(hint, value, path)  # type: ignore[arg-type]
    try:
        if hint is datetime:
            return datetime.fromisoformat(str(value))
        if hint is date:
            return date.fromisoformat(str(value))
    except ValueError:
        raise TemplateDataError(f"{path}: not an ISO date/time: {value!r}") from None
    if hint is bool and not isinstance(value, bool):
        raise TemplateDataError(f"{path}: expected true or false")
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise TemplateDataError(f"{path}: expected a whole number")
    if hint is str and not isinstance(value, str):
        raise TemplateDataError(f"{path}: expected text")
    return value
