"""Provides the raw material of demo reports: report classes in their seeded order, versions, commands, phrases."""

from __future__ import annotations

from triage_tui.demo.vuln_class import VulnClass
from triage_tui.demo.vulns_index import (
    CREDENTIAL_LEAK,
    DEPENDENCY_CONFUSION,
    DESCRIPTION_XSS,
    LOCKFILE_INJECTION,
    PEP658_MISMATCH,
    RESOLVER_DOWNGRADE,
    TLS_ENV,
    TOKEN_SCOPE,
    TRUSTED_PUBLISHING,
    VERSION_REDOS,
)
from triage_tui.demo.vulns_install import (
    BUILD_HOOK,
    CACHE_TOCTOU,
    HASH_BYPASS,
    PTH_INJECTION,
    RECORD_SYMLINK,
    TAR_SYMLINK,
    VCS_INJECTION,
    WHEEL_TRAVERSAL,
    ZIP_SLIP,
)

INSTALLERS = ("pip", "uv", "poetry", "pdm", "conda")
CLIENTS = ("pip", "uv", "poetry", "pdm", "conda", "hatch", "setuptools", "twine")

VERSIONS: dict[str, tuple[str, ...]] = {
    "pip": ("24.0", "24.1.2", "24.2", "24.3.1", "25.0", "25.0.1", "25.1", "25.2"),
    "uv": ("0.5.11", "0.6.3", "0.6.14", "0.7.2", "0.7.19", "0.8.4", "0.8.17", "0.9.1"),
    "poetry": ("1.8.3", "1.8.5", "2.0.1", "2.1.1", "2.1.3", "2.2.0"),
    "conda": ("24.7.1", "24.11.3", "25.1.1", "25.3.0", "25.5.1"),
    "pdm": ("2.19.3", "2.20.1", "2.22.3", "2.24.1", "2.25.4"),
    "hatch": ("1.12.0", "1.13.0", "1.14.1"),
    "setuptools": ("70.3.0", "72.1.0", "75.1.0", "75.8.0", "78.1.0", "80.9.0"),
    "twine": ("5.1.1", "6.0.1", "6.1.0"),
    "pypi": ("production", "production (warehouse main)"),
}


VULN_CLASSES: tuple[VulnClass, ...] = (
    WHEEL_TRAVERSAL,
    TAR_SYMLINK,
    DEPENDENCY_CONFUSION,
    HASH_BYPASS,
    CREDENTIAL_LEAK,
    CACHE_TOCTOU,
    BUILD_HOOK,
    LOCKFILE_INJECTION,
    RESOLVER_DOWNGRADE,
    ZIP_SLIP,
    PEP658_MISMATCH,
    TLS_ENV,
    VERSION_REDOS,
    RECORD_SYMLINK,
    VCS_INJECTION,
    TOKEN_SCOPE,
    TRUSTED_PUBLISHING,
    DESCRIPTION_XSS,
    PTH_INJECTION,
)
"""Every report class, in the order the seeded demo picks from (a new order would change every demo workspace)."""

COMMANDS: dict[str, str] = {
    "pip": "pip install",
    "uv": "uv pip install",
    "poetry": "poetry add",
    "pdm": "pdm add",
    "conda": "conda install",
    "hatch": "hatch run pip install",
    "setuptools": "pip install --no-build-isolation",
    "twine": "twine upload",
    "pypi": "pip install",
}

GREETINGS = ("Hello", "Hi", "Dear security team", "Hello {project} security team", "Hi all", "Good morning")
OPENINGS = (
    "I would like to report a security issue in {tool} that I found while auditing installer code paths.",
    "While working on a supply-chain research project I found what I believe is a vulnerability in {tool}.",
    "Please find below a report about {tool}. I have not shared it with anyone else.",
    "I think I found a security bug in {tool}; details and a proof of concept follow.",
    "Our red team hit this during an internal assessment and we would like to disclose it responsibly.",
    "Reporting this privately per your SECURITY.md.",
)
CLOSINGS = (
    "I am happy to coordinate disclosure; I plan to publish in 90 days unless we agree otherwise.",
    "Please let me know whether you need more information. I would appreciate credit in the advisory.",
    "I have not requested a CVE. Let me know if you would like me to test a fix.",
    "This was found with a fuzzer I am building; I can share more crashes if useful.",
    "No rush, but I would like to present this at a conference in about four months.",
)
SIGNOFFS = ("Thanks,", "Best regards,", "Cheers,", "Kind regards,", "Thank you,", "--")

REPORTER_FOLLOW_UPS = (
    "Quick follow-up: I confirmed the issue also reproduces on {version}, and on both Linux and macOS.",
    "Any update on this? I have not heard back in a while and want to make sure the report arrived.",
    "I attached an updated PoC that no longer needs network access.",
    "Would you like me to request a CVE, or will you assign one as a CNA?",
    "I noticed a commit on main that looks related. Is that the fix? I can test it.",
    "Small correction to my report: the first affected version is earlier than I said.",
)
MAINTAINER_REPLIES = (
    "Thanks for the report. We reproduced it on main and are working on a fix in a private fork. "
    "We are aiming for a release within two weeks.",
    "Thank you. Could you share the exact command line and the output with -v? We could not reproduce "
    "it with the default configuration.",
    "We looked into this. Under our security policy, building or installing a package runs its code by "
    "design, so we consider this hardening rather than a vulnerability. We are still happy to take a patch.",
    "Confirmed. We would like to credit you in the advisory; how would you like to be named?",
    "This is a duplicate of an issue reported last month; we will add you to the credits as well.",
    "Fix is ready for review in the private fork. Would you be willing to test it before release?",
)
