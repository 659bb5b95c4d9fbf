"""The advisory record: the one draft per case that every format is compiled from, and its JSON form (stored, and
checked again when read). Its parts live in `record_parts` and are named here too, as every format imports them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from triage_tui.advisories.record_json import (
    advisory_extras_from_json,
    advisory_extras_to_json,
    credit_from_json,
    credit_to_json,
    package_from_json,
    package_to_json,
    texts,
)
from triage_tui.advisories.record_parts import (
    WITHDRAWN_REASON,
    Consent,
    Credit,
    CreditRole,
    Ecosystem,
    PackageImpact,
    Reference,
    ReferenceType,
    Weakness,
    Withdrawal,
    stored_withdrawal,
    weakness,
    withdrawal_of,
    withdrawal_time,
)

__all__ = [
    "WITHDRAWN_REASON",
    "Advisory",
    "Consent",
    "Credit",
    "CreditRole",
    "Ecosystem",
    "PackageImpact",
    "Reference",
    "ReferenceType",
    "Weakness",
    "Withdrawal",
    "stored_withdrawal",
    "weakness",
    "withdrawal_of",
    "withdrawal_time",
]


@dataclass(frozen=True)
class Advisory:
    """The draft advisory of one case."""

    case_id: str
    summary: str
    details: str = ""
    aliases: tuple[str, ...] = ()
    """Ids the flaw has elsewhere: CVE-..., GHSA-..., PYSEC-..."""
    weaknesses: tuple[Weakness, ...] = ()
    cvss_v3: str | None = None
    cvss_v4: str | None = None
    packages: tuple[PackageImpact, ...] = ()
    references: tuple[Reference, ...] = ()
    credits: tuple[Credit, ...] = ()
    withdrawn: Withdrawal | None = None
    """Set when the advisory was withdrawn (imported so): every format then says so in its own way."""
    id: str = ""
    """The id a database gave this record (PYSEC-..., GHSA-..., CVE-...); empty for a draft no database has yet."""
    published: str = ""
    modified: str = ""
    """When the record was first published and last changed (RFC 3339, UTC, as OSV writes them); empty if never."""
    related: tuple[str, ...] = ()
    """Ids of records about a related but different flaw (OSV's `related`)."""
    upstream: tuple[str, ...] = ()
    """Ids of the records this one was derived from (OSV's `upstream`)."""
    other_severity: tuple[tuple[str, str], ...] = ()
    """Severities beyond the CVSS 3 and 4 vectors (OSV `CVSS_V2`, `Ubuntu`, ...): (type, score) pairs, kept."""
    database_specific: Mapping[str, Any] | None = field(default=None, hash=False)
    """The free-form object a database attached to the record (OSV's `database_specific`), kept as it was."""
    schema_version: str = ""
    """The OSV schema version the record's source stated, or the one it was last written against ("" if none)."""

    def affected(self) -> tuple[PackageImpact, ...]:
        """The packages that are (or were) affected: what OSV, CVE and GHSA list as vulnerable."""
        return tuple(package for package in self.packages if package.is_affected)

    def exported_credits(self) -> tuple[Credit, ...]:
        """The credits any format may carry: only people who agreed to be named (never a declined one, and not
        one still pending: asking comes before publishing)."""
        return tuple(credit for credit in self.credits if credit.consent == Consent.ACCEPTED)

    def credits_to_request(self) -> tuple[Credit, ...]:
        """The credits GitHub may be sent: accepted and pending ones (GitHub asks each credited account itself and
        names only those who accept), never a declined one."""
        return tuple(credit for credit in self.credits if credit.consent != Consent.DECLINED)

    def ids(self) -> tuple[str, ...]:
        """Every id the flaw has: the record's own first, then its aliases (each once)."""
        return tuple(dict.fromkeys(i for i in (self.id, *self.aliases) if i))

    def alias(self, prefix: str) -> str | None:
        """The first id starting with `prefix` ("CVE-", "GHSA-"), the record's own id first, if any."""
        return next((known for known in self.ids() if known.startswith(prefix)), None)

    def to_json(self) -> dict[str, Any]:
        """Every field, as stored (fields added after the first form only when set, so older records read as
        they were)."""
        data: dict[str, Any] = {
            "case_id": self.case_id,
            "summary": self.summary,
            "details": self.details,
            "aliases": list(self.aliases),
            "weaknesses": [{"id": w.id, "name": w.name} for w in self.weaknesses],
            "cvss_v3": self.cvss_v3,
            "cvss_v4": self.cvss_v4,
            "packages": [package_to_json(package) for package in self.packages],
            "references": [{"type": str(r.type), "url": r.url} for r in self.references],
            "credits": [credit_to_json(credit) for credit in self.credits],
            "withdrawn": {"at": self.withdrawn.at, "reason": self.withdrawn.reason} if self.withdrawn else None,
        }
        data.update(
            advisory_extras_to_json(
                id=self.id,
                published=self.published,
                modified=self.modified,
                related=self.related,
                upstream=self.upstream,
                other_severity=self.other_severity,
                database_specific=self.database_specific,
                schema_version=self.schema_version,
            )
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Advisory:
        """The record `to_json` wrote; ValueError if it is not one (the data may come from a file)."""
        try:
            return cls(
                case_id=str(data["case_id"]),
                summary=str(data.get("summary") or ""),
                details=str(data.get("details") or ""),
                aliases=texts(data.get("aliases")),
                weaknesses=tuple(
                    Weakness(str(w["id"]), str(w.get("name") or "")) for w in data.get("weaknesses") or ()
                ),
                cvss_v3=data.get("cvss_v3") or None,
                cvss_v4=data.get("cvss_v4") or None,
                packages=tuple(package_from_json(p) for p in data.get("packages") or ()),
                references=tuple(
                    Reference(ReferenceType(r["type"]), str(r["url"])) for r in data.get("references") or ()
                ),
                credits=tuple(credit_from_json(c) for c in data.get("credits") or ()),
                withdrawn=stored_withdrawal(data.get("withdrawn")),
                **advisory_extras_from_json(data),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"not an advisory record: {error}") from error
