"""Provides the demo cast: the team, project maintainers and reporters, named from a seeded random source."""

from __future__ import annotations

import random
from dataclasses import dataclass

TEAM_NAME = "Packaging Security Team"
TEAM_EMAIL = "security@packaging-security.example"


@dataclass(frozen=True)
class Person:
    """Someone in the demo who owns a key: `email` is the key's UID email."""

    name: str
    email: str

    @property
    def address(self) -> str:
        """The `Name <email>` form used in From/To headers."""
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class DemoProject:
    """A project written to `[projects.<id>]`; maintainers get keys of their own."""

    id: str
    name: str
    packages: tuple[str, ...]
    repository: str
    security_contact: str
    weight: int  # how often reports are about it: pip and uv draw the most mail


PROJECTS: tuple[DemoProject, ...] = (
    DemoProject("pip", "pip", ("pip",), "pypa/pip", "security@pip.example", 26),
    DemoProject("uv", "uv", ("uv",), "astral-sh/uv", "security@astral.example", 22),
    DemoProject(
        "poetry",
        "Poetry",
        ("poetry", "poetry-core"),
        "python-poetry/poetry",
        "security@python-poetry.example",
        10,
    ),
    DemoProject("conda", "conda", ("conda:conda",), "conda/conda", "security@conda.example", 7),
    DemoProject("pdm", "PDM", ("pdm",), "pdm-project/pdm", "security@pdm-project.example", 6),
    DemoProject("hatch", "Hatch", ("hatch", "hatchling"), "pypa/hatch", "security@hatch.example", 6),
    DemoProject(
        "setuptools",
        "setuptools",
        ("setuptools",),
        "pypa/setuptools",
        "security@setuptools.example",
        9,
    ),
    DemoProject("twine", "twine", ("twine",), "pypa/twine", "security@twine.example", 5),
    DemoProject("pypi", "PyPI", (), "pypi/warehouse", "security@pypi.example", 9),
)

_FIRST = (
    "Aisha", "Bruno", "Chen", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ivan", "Jasmin",
    "Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomoko",
    "Umar", "Valentina", "Wei", "Ximena", "Yusuf", "Zofia", "Arjun", "Beatriz", "Carlos", "Dana",
    "Emeka", "Freya", "Giulia", "Hiroshi", "Ines", "Jonas", "Kalani", "Luca", "Mei", "Nikolai",
    "Olga", "Pablo", "Ravi", "Sofia", "Tariq", "Ursula", "Viktor", "Wanjiru", "Yara", "Zeynep",
)  # fmt: skip
_LAST = (
    "Okafor", "Lindqvist", "Tanaka", "Moreau", "Kowalski", "Haddad", "Silva", "Nguyen", "Petrov",
    "Schneider", "Mensah", "Fernandes", "O'Brien", "Novak", "Rahman", "Yamamoto", "Costa",
    "Johansson", "Kaur", "Abdi", "Dubois", "Ivanova", "Hernández", "Müller", "Park", "Rossi",
    "Banerjee", "Eriksen", "Achterberg", "Zhang", "Castillo", "Varga", "Osei", "Laine", "Mbeki",
)  # fmt: skip
_REPORTER_DOMAINS = (
    "example.org", "example.net", "example.com", "mail.example", "proton.example",
    "posteo.example", "seclab.example", "uni-research.example", "redteam.example",
    "bughunters.example", "fastmail.example", "infosec-collective.example",
)  # fmt: skip
_HANDLES = ("0xd34d", "pwnpkg", "wheelwright", "sdist_slayer", "depconfused", "tarpit", "resolvd")


def _person(rng: random.Random, used: set[str], domain: str | None = None) -> Person:
    """A fresh person whose email is not in `used`; handles add the odd pseudonymous reporter."""
    while True:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        if domain is None and rng.random() < 0.12:
            handle = rng.choice(_HANDLES)
            name, local = f"{handle}", f"{handle}{rng.randint(1, 99)}"
        else:
            name = f"{first} {last}"
            ascii_last = last.lower().replace("'", "").replace("á", "a").replace("é", "e")
            ascii_last = ascii_last.replace("ü", "u")
            local = rng.choice((f"{first.lower()}.{ascii_last}", f"{first[0].lower()}{ascii_last}"))
        email = f"{local}@{domain or rng.choice(_REPORTER_DOMAINS)}"
        # Names are unique too, so two reporters never look alike in a list.
        if email not in used and name not in used:
            used.update((email, name))
            return Person(name, email)


@dataclass(frozen=True)
class Cast:
    """Everyone in the demo; which keys the team keyring gets is decided by the key builder."""

    team: Person
    maintainers: dict[str, tuple[Person, ...]]
    reporters: tuple[Person, ...]  # the team holds their public keys
    strangers: tuple[Person, ...]  # reporters whose public keys the team lacks
    outsider: Person  # another team's key: the one report not encrypted to us goes to it
    alias_reporter: Person  # signs with this key but writes from a different address
    alias_from: str
    rekeyed_reporter: Person  # moves to a new key between two reports: the second is flagged as a key change


NEW_KEY = "new-key:"
"""Before a key email, names the rekeyed reporter's second key (the first is under the email alone)."""


def make_cast(rng: random.Random, cases: int) -> Cast:
    """Pick every name and email from `rng`, scaled to the number of cases."""
    used: set[str] = {TEAM_EMAIL}
    maintainers: dict[str, tuple[Person, ...]] = {}
    for project in PROJECTS:
        domain = project.security_contact.split("@", 1)[1]
        count = 2 if project.weight >= 9 else 1
        maintainers[project.id] = tuple(_person(rng, used, domain) for _ in range(count))
    reporter_count = max(6, min(56, cases // 4 + 4))
    reporters = tuple(_person(rng, used) for _ in range(reporter_count))
    strangers = tuple(_person(rng, used) for _ in range(3 if cases >= 40 else 1))
    outsider = Person("Other Vendor PSIRT", "psirt@other-vendor.example")
    alias = _person(rng, used)
    # The same person writing from a work address while signing with their personal key.
    alias_domain = rng.choice([d for d in _REPORTER_DOMAINS if not alias.email.endswith("@" + d)])
    alias_from = f"{alias.email.partition('@')[0]}@{alias_domain}"
    rekeyed = _person(rng, used)
    return Cast(
        team=Person(TEAM_NAME, TEAM_EMAIL),
        maintainers=maintainers,
        reporters=reporters,
        strangers=strangers,
        outsider=outsider,
        alias_reporter=alias,
        alias_from=alias_from,
        rekeyed_reporter=rekeyed,
    )
