"""Validators of GitHub's repository-advisory objects and request bodies, from GitHub's published OpenAPI description.

The description is @octokit/openapi's copy of github/rest-api-description (pinned in tests/node/package.json and
installed by `make test` into tests/node/node_modules; never copied into this repository). It is OpenAPI 3.0.3 for
API version 2022-11-28, 13 MB: it is read once per process, on first use, and only the component schemas the
advisory routes reach are kept. Each is translated to JSON Schema 2020-12 the way OpenAPI 3.0 means it:

- `nullable: true` also admits null (a `type` gains "null", an `enum` gains null, an `allOf`/`$ref` is wrapped in
  `anyOf` with `{"type": "null"}`);
- a `$ref` stands alone (OpenAPI 3.0 ignores the keywords beside it);
- `readOnly` properties are not part of a request body (left out of `properties` and `required`, so a body that
  sends one is refused where `additionalProperties` is false) and `writeOnly` ones not part of a response.

API version 2026-03-10 is derived from 2022-11-28 by its documented breaking change that touches these objects: the
deprecated `cvss` field of security advisories is removed from responses (docs.github.com "Breaking changes",
version 2026-03-10; changelog 2025-03-27 "Deprecation of cvss field in security advisories API"). Checked against
github/rest-api-description descriptions-next/api.github.com/api.github.com.2026-03-10.json (commit 0d4401bc):
its `repository-advisory` has the same properties and `required` list as 2022-11-28's except `cvss`;
`repository-advisory-vulnerability`, `repository-advisory-credit` and the request bodies (`repository-advisory-create`,
`-update`, `private-vulnerability-report-create`) are unchanged. No registry package carries the 2026-03-10
description, and the tests run without internet, hence the derivation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker

DESCRIPTION = Path(__file__).resolve().parent / "node/node_modules/@octokit/openapi/generated/api.github.com.json"
API_VERSIONS = ("2022-11-28", "2026-03-10")
REMOVED_IN = {"2026-03-10": {"repository-advisory": ("cvss",)}}
"""Per API version, the response properties its breaking changes removed, by component schema."""
ROOTS = (
    "repository-advisory",
    "repository-advisory-create",
    "repository-advisory-update",
    "private-vulnerability-report-create",
    "simple-repository",
    "validation-error",
)
RESPONSES = frozenset({"repository-advisory", "simple-repository", "validation-error"})
_REF = "#/components/schemas/"
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)", re.ASCII)
FORMATS = FormatChecker(())


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE_TIME.fullmatch(value))


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


@cache
def components() -> dict[str, Any]:
    """The OpenAPI component schemas the advisory routes reach (each once, as GitHub publishes them)."""
    if not DESCRIPTION.is_file():
        raise FileNotFoundError(
            f"GitHub's OpenAPI description is expected at {DESCRIPTION}: run scripts/install-node-deps.sh (make test)"
        )
    every = json.loads(DESCRIPTION.read_bytes())["components"]["schemas"]
    kept: dict[str, Any] = {}
    waiting = list(ROOTS)
    while waiting:
        name = waiting.pop()
        if name in kept:
            continue
        kept[name] = every[name]
        waiting.extend(_refs(every[name]))
    return kept


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            yield ref.removeprefix(_REF)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def translate(node: Any, *, request: bool) -> Any:
    """One OpenAPI 3.0 schema as JSON Schema 2020-12, for a request body (`request`) or a response."""
    if isinstance(node, list):
        return [translate(item, request=request) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        found: dict[str, Any] = {"$ref": "#/$defs/" + str(node["$ref"]).removeprefix(_REF)}
    else:
        found = {}
        hidden = "readOnly" if request else "writeOnly"
        for key, value in node.items():
            if key in ("nullable", "readOnly", "writeOnly", "example", "examples", "discriminator", "xml"):
                continue
            if key == "properties":
                found[key] = {
                    name: translate(schema, request=request)
                    for name, schema in value.items()
                    if not (isinstance(schema, dict) and schema.get(hidden))
                }
            elif key in ("items", "not", "additionalProperties", "allOf", "anyOf", "oneOf"):
                found[key] = translate(value, request=request)
            else:
                found[key] = value
        if "required" in found and "properties" in node:
            gone = {n for n, s in node["properties"].items() if isinstance(s, dict) and s.get(hidden)}
            found["required"] = [name for name in found["required"] if name not in gone]
    if node.get("nullable") is True:
        return _nullable(found)
    return found


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema and "$ref" not in schema and not any(k in schema for k in ("allOf", "anyOf", "oneOf")):
        widened = dict(schema, type=[schema["type"], "null"])
        if "enum" in widened:
            widened["enum"] = [*widened["enum"], None]
        return widened
    return {"anyOf": [{"type": "null"}, schema]}


@cache
def schema(name: str, version: str = API_VERSIONS[0]) -> dict[str, Any]:
    """The JSON Schema of component `name` under API `version` (a response unless it is a request body)."""
    if version not in API_VERSIONS:
        raise ValueError(f"no description of API version {version!r}; known: {', '.join(API_VERSIONS)}")
    defs = _defs(name not in RESPONSES, version)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/$defs/{name}", "$defs": defs}


@cache
def _defs(request: bool, version: str) -> dict[str, Any]:
    """Every kept component, translated for a request or a response under `version` (checked as JSON Schema)."""
    defs = {key: translate(value, request=request) for key, value in components().items()}
    for component, removed in REMOVED_IN.get(version, {}).items():
        if request:
            continue  # the breaking changes named above remove response fields only
        target = dict(defs[component])
        target["properties"] = {k: v for k, v in target["properties"].items() if k not in removed}
        target["required"] = [k for k in target.get("required", []) if k not in removed]
        defs[component] = target
    Draft202012Validator.check_schema({"$defs": defs})
    return defs


@cache
def validator(name: str, version: str = API_VERSIONS[0]) -> Draft202012Validator:
    """A validator of component `name` (e.g. `repository-advisory`, `repository-advisory-create`) under `version`."""
    return Draft202012Validator(schema(name, version), format_checker=FORMATS)


def advisory_validator(version: str = API_VERSIONS[0]) -> Draft202012Validator:
    """The `repository-advisory` object GitHub serves under API `version`."""
    return validator("repository-advisory", version)


def errors_of(name: str, document: Any, version: str = API_VERSIONS[0]) -> list[str]:
    """Every way `document` breaks component `name` under `version`, with the path to where (empty: valid)."""
    return [f"{error.json_path}: {error.message}" for error in validator(name, version).iter_errors(document)]


def body_errors(name: str, body: Mapping[str, Any], version: str = API_VERSIONS[0]) -> list[tuple[str, str, str]]:
    """GitHub's 422 view of a request body: (field, code, message) for each way it breaks component `name`; the
    field is written `credits[0].type`, a missing key is `missing_field` and anything else `invalid`."""
    found: dict[tuple[str, str, str], None] = {}  # jsonschema reports `required` once per key: each said once
    for error in sorted(validator(name, version).iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        where = _field(error.absolute_path)
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, Mapping) else {}
            for key in error.validator_value:
                if key not in instance:
                    found[_join(where, key), "missing_field", f"{key} is a required field"] = None
        elif error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            allowed = set(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - allowed):
                found[_join(where, key), "invalid", f"{key} is not a permitted key"] = None
        else:
            found[where or "body", "invalid", error.message] = None
    return list(found)


def _field(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
