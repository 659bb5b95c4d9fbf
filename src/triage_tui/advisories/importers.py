"""Reads an existing advisory file (OSV as JSON or YAML, a GHSA object or body, a CVE JSON 5 record or CNA
container), tells which format it is, and turns it into an advisory record to seed a draft."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from triage_tui.advisories.record import Advisory
from triage_tui.untrusted_json import MAX_DEPTH, MAX_NUMBER_CHARS, UntrustedJsonError, loads

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Larger than any real advisory by far; a bigger file is refused before it is parsed."""


class ImportError_(ValueError):
    """A file that cannot seed a draft; the message says why (the caller names the file)."""


# libyaml's parser when PyYAML was built with it: forty times faster than the pure-Python one on real advisories
# (a whole database imports in seconds, not minutes); the same safe constructor and resolver either way.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoTimestamps(_SafeBase):  # type: ignore[valid-type,misc]
    """YAML without its timestamp type: OSV's `modified: 2023-11-03T16:28:41Z` must stay text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping whose keys are each given once: with `id:` twice the last would win unseen."""
        seen: set[object] = set()
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node)
                if key in seen:
                    raise ImportError_(f"the key {str(key)[:80]!r} is given twice in one YAML mapping")
                seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


_NoTimestamps.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _NumberResolver(yaml.resolver.Resolver):
    """Tells which tag a plain scalar resolves to, without a parser (the timestamp type left out as above)."""


_NumberResolver.yaml_implicit_resolvers = _NoTimestamps.yaml_implicit_resolvers
_RESOLVER = _NumberResolver()


def parse_document(data: bytes) -> Any:
    """The JSON or YAML document in `data` (safe loading only: no tags, no objects, no aliases)."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportError_(f"{len(data)} bytes; an advisory file is at most {MAX_FILE_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportError_("not UTF-8 text") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            return loads(text, unique_keys=True)  # `id` twice: the last would win unseen
        except UntrustedJsonError as error:
            raise ImportError_(str(error)) from None
    try:
        _check_yaml_events(text)
        return yaml.load(text, Loader=_NoTimestamps)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0]
        if "increasing flow level" in first or "depth" in first:
            # libyaml refuses nesting past its own limit (1,000 levels) before our count of events reaches it.
            raise ImportError_(f"YAML nested deeper than {MAX_DEPTH} levels") from None
        raise ImportError_(f"neither JSON nor YAML ({first}); expected an OSV, GHSA or CVE JSON 5 advisory") from None


def _check_yaml_events(text: str) -> None:
    """Refuse, before anything is built, what YAML could make expensive: aliases, nesting past MAX_DEPTH (the
    composer recurses per level) and numbers longer than MAX_NUMBER_CHARS (int() of 5,000 digits raises)."""
    resolver = _RESOLVER
    depth = 0
    for event in yaml.parse(text, Loader=_NoTimestamps):
        if isinstance(event, yaml.AliasEvent):
            # An alias repeats a node wherever it is named: a few kilobytes of them expand to millions of events.
            # Advisories never need one.
            raise ImportError_("YAML aliases (*name) are not accepted in an advisory")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ImportError_(f"YAML nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_NUMBER_CHARS and event.implicit[0]:
            tag = resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
            if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
                raise ImportError_(f"YAML number of {len(event.value)} characters (at most {MAX_NUMBER_CHARS})")


def detect_format(document: object) -> str:
    """`osv`, `cve` or `ghsa`, from the keys only that format has; ImportError_ if none fits."""
    if not isinstance(document, Mapping):
        raise ImportError_("an advisory is an object (a mapping), not a list or a value")
    csaf = document.get("document")
    if isinstance(csaf, Mapping) and "csaf_version" in csaf:
        raise ImportError_("a CSAF document; import takes OSV, GHSA or CVE JSON 5 advisories, not CSAF")
    if document.get("dataType") == "CVE_RECORD" or "cveMetadata" in document or "providerMetadata" in document:
        return "cve"
    if "schema_version" in document or ("id" in document and "modified" in document):
        return "osv"
    if "ghsa_id" in document or "vulnerabilities" in document:
        return "ghsa"
    raise ImportError_("not an OSV, GHSA or CVE JSON 5 advisory (none of their identifying fields)")


def to_record(
    document: Any,
    case_id: str,
    packages: Mapping[str, Sequence[str]],
    repositories: Mapping[str, str] | None = None,
) -> tuple[str, Advisory]:
    """The format of `document` and the record it seeds for `case_id` (`repositories`, each configured project's
    repository URL, name the package of a CVE product known only by its `repo`)."""
    from triage_tui.advisories.import_checks import check_record

    fmt = detect_format(document)
    try:
        advisory = _read(fmt, document, case_id, packages, repositories)
        check_record(advisory)
        return fmt, advisory
    except ImportError_:
        raise
    except ValueError as error:
        raise ImportError_(f"{fmt.upper()}: {error}") from None
    except (TypeError, AttributeError, KeyError, IndexError) as error:
        # A field of the wrong type where the importer did not expect one: the file is malformed, not the program.
        raise ImportError_(f"{fmt.upper()}: a field has the wrong type ({type(error).__name__}: {error})") from None


def _read(
    fmt: str, document: Any, case_id: str, packages: Mapping[str, Sequence[str]], repositories: Mapping[str, str] | None
) -> Advisory:
    """The record `document` (of format `fmt`) seeds."""
    if fmt == "osv":
        from triage_tui.advisories.osv import from_osv

        return from_osv(document, case_id, packages)
    if fmt == "cve":
        from triage_tui.advisories.cve_reader import from_cve

        return from_cve(document, case_id, packages, repositories)
    from triage_tui.advisories.ghsa_reader import from_ghsa

    return from_ghsa(document, case_id, packages)
