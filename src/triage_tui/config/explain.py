"""Explains a config value msgspec refused, in the user's words: its key, and what is expected there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, NamedTuple, get_args, get_origin, get_type_hints

import msgspec
import msgspec.inspect as mi

from triage_tui.config.tables import Table

_FIELD = re.compile(r"Object (missing required|contains unknown) field `([^`]*)`")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_ABSENT = object()
"""The value at a key the file does not have."""


class Refusal(NamedTuple):
    """A refused value: its key, dotted below the value that was read (`folders[1]`), and what is expected there."""

    key: str
    expected: str


def explain(error: msgspec.ValidationError, declared: object, data: object) -> Refusal:
    """Why msgspec refused `data` as the type `declared`: msgspec says where (`$.folders[1]`) and what, in its own
    terms; the declared type at that place (msgspec.inspect) and the value the file holds there say the rest."""
    message, _, where = str(error).partition(" - at `$")
    info: mi.Type = mi.type_info(declared)
    value, key = data, ""
    for name, index in _STEP.findall(where.rstrip("`")):
        if index:
            info = _unwrap(info, value)
            info = info.item_type if isinstance(info, mi.ListType | mi.VarTupleType) else info
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else _ABSENT
            key += f"[{index}]"
        else:
            info = _field_type(info, value, name)
            value = value.get(name, _ABSENT) if isinstance(value, dict) else _ABSENT
            key = f"{key}.{name}" if key else name
    field = _FIELD.match(message)
    if field is None:
        return Refusal(key, _expected_value(info, value))
    problem, name = field.groups()
    key = f"{key}.{name}" if key else name
    if problem == "contains unknown":
        return Refusal(key, _unknown_key(info, value, name))
    return Refusal(key, "missing; expected " + _describe(_field_type(info, value, name)))


def unknown_key(declared: object, data: object, name: str) -> str:
    """Why the table `data`, declared as the type `declared`, may not hold the key `name`."""
    return _unknown_key(mi.type_info(declared), data, name)


def _unknown_key(info: mi.Type, value: object, name: str) -> str:
    table = _unwrap(info, value)
    if not isinstance(table, mi.StructType) or not issubclass(table.cls, Table):
        return "unknown key"
    refused = table.cls.refused_keys.get(name)
    if refused is not None:
        return refused
    named_by = table.cls.named_by
    keys = [table.tag_field] if table.tag_field else []
    keys += [field.encode_name for field in table.fields if field.name != named_by]
    return "unknown key; expected one of: " + ", ".join(keys)


def _required(info: mi.Type) -> mi.Type:
    """`info` without `| None` (a file never holds None: TOML has no null)."""
    if isinstance(info, mi.UnionType):
        members = [member for member in info.types if not isinstance(member, mi.NoneType)]
        return members[0] if len(members) == 1 else info
    return info


def _unwrap(info: mi.Type, value: object) -> mi.Type:
    """The declared type that applies to `value`: without `| None` or Annotated metadata, and for a union tagged on
    a key, the table its tag names."""
    info = _required(info)
    if isinstance(info, mi.Metadata):
        info = _required(info.type)
    if isinstance(info, mi.UnionType) and isinstance(value, dict):
        tables = [member for member in info.types if isinstance(member, mi.StructType) and member.tag_field]
        if tables:
            tag = value.get(tables[0].tag_field)
            return next((table for table in tables if table.tag == tag), info)
    return info


def _field_type(info: mi.Type, value: object, name: str) -> mi.Type:
    """The declared type of the key `name` of the table `value`; a union's tag is one of its tags."""
    if isinstance(info, mi.UnionType):
        tagged = [member for member in info.types if isinstance(member, mi.StructType) and member.tag_field]
        if tagged and name == tagged[0].tag_field:
            return mi.LiteralType(values=tuple(member.tag for member in tagged))
    table = _unwrap(info, value)
    if not isinstance(table, mi.StructType):
        return info
    field = next((field for field in table.fields if field.encode_name == name), None)
    if field is None:
        return info
    # msgspec.inspect sorts a Literal's values; the reader is told them in the order they are declared (tls first).
    choices = _literal_values(get_type_hints(table.cls)[field.name])
    return mi.LiteralType(values=choices) if choices else field.type


def _literal_values(hint: object) -> tuple[str | int | bool | None, ...]:
    """The values of the Literal in the type hint `hint` (`Literal["tls", "none"] | None`), in order; () if none."""
    if get_origin(hint) is Literal:
        return get_args(hint)
    return next((values for arg in get_args(hint) if (values := _literal_values(arg))), ())


def _describe(info: mi.Type) -> str:
    """What a value of the declared type is, in words: "an integer from 1 to 65535", "a list"."""
    info = _required(info)
    if isinstance(info, mi.Metadata):
        expected = (info.extra or {}).get("expected")
        return str(expected) if expected else _describe(info.type)
    if isinstance(info, mi.StrType):
        return "a non-empty string" if info.pattern else "a string"
    if isinstance(info, mi.IntType) and info.ge is not None and info.le is not None:
        return f"an integer from {info.ge} to {info.le}"
    if isinstance(info, mi.IntType):
        return "an integer"
    if isinstance(info, mi.LiteralType):
        return "one of " + ", ".join(str(choice) for choice in info.values)
    if isinstance(info, mi.CustomType) and info.cls is Path:
        return "a string"
    if isinstance(info, mi.BoolType):
        return "true or false"
    return "a list" if isinstance(info, mi.ListType | mi.VarTupleType) else "a table"  # a struct, dict or union of them


def _expected_value(info: mi.Type, value: object) -> str:
    """What is expected instead of the refused `value`, and what it is."""
    expected = _describe(info)
    declared = _unwrap(info, value)
    if value is _ABSENT:
        return f"missing; expected {expected}"
    if isinstance(declared, mi.LiteralType):
        return f"expected {expected}; got {value!r}"
    if isinstance(declared, mi.IntType) and type(value) is int:
        return f"expected {expected}; got {value}"
    if isinstance(value, str) and not value.strip() and not isinstance(_required(info), mi.Metadata):
        return "expected a non-empty string"
    return f"expected {expected}, got {type(value).__name__} {value!r}"
