"""Provides small, inert demo attachments: a PoC script, a wheel-like zip, an sdist-like tarball and a patch."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
import zipfile

# Fixed timestamps keep the archives byte-identical for a given seed.
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)

_POC = '''#!/usr/bin/env python3
"""Proof of concept for the {project} report. Harmless: only writes under /tmp."""
import pathlib
import subprocess
import sys

MARKER = pathlib.Path("/tmp/{marker}")


def main() -> int:
    MARKER.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "{project}", "--version"], check=False)
    print("vulnerable" if MARKER.exists() else "not reproduced")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''

_PATCH = """From 3f1c2a9e Mon Sep 17 00:00:00 2001
Subject: [PATCH] Reject unsafe paths before extracting ({project})

---
 src/{module}/_internal/unpack.py | 6 ++++++
 1 file changed, 6 insertions(+)

--- a/src/{module}/_internal/unpack.py
+++ b/src/{module}/_internal/unpack.py
@@ -88,6 +88,12 @@ def unpack_archive(path, target):
     for member in archive.infolist():
         name = member.filename
+        resolved = os.path.realpath(os.path.join(target, name))
+        if os.path.commonpath([resolved, os.path.realpath(target)]) != os.path.realpath(target):
+            raise InstallationError(
+                f"refusing to extract {{name!r}} outside {{target!r}}"
+            )
+
         archive.extract(member, target)
"""


def _wheel(rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("evil/__init__.py", "VERSION = '0.1'\n"),
            ("../../../../tmp/evil-demo-marker", f"demo {rng.getrandbits(32):08x}\n"),
            ("evil-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 0.1\n"),
            ("evil-0.1.dist-info/RECORD", "evil/__init__.py,,\n"),
        ):
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text)
    return buffer.getvalue()


def _sdist(rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        link = tarfile.TarInfo("pkg-1.0/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/tmp"  # noqa: S108 - archive content, not a path we use
        archive.addfile(link)
        data = f"pwned {rng.getrandbits(32):08x}\n".encode()
        member = tarfile.TarInfo("pkg-1.0/link/pwned")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def make_attachment(kind: str, rng: random.Random, project: str) -> tuple[str, str, bytes]:
    """One attachment of `kind` ("poc.py", "wheel", "sdist" or "patch") as (filename, content type, data)."""
    module = project.replace("-", "_")
    if kind == "wheel":
        return "evil-0.1-py3-none-any.whl", "application/zip", _wheel(rng)
    if kind == "sdist":
        return "pkg-1.0.tar.gz", "application/gzip", _sdist(rng)
    if kind == "patch":
        text = _PATCH.replace("{project}", project).replace("{module}", module)
        return "0001-reject-unsafe-paths.patch", "text/x-diff", text.replace("{{", "{").replace("}}", "}").encode()
    marker = f"{project}-poc-{rng.getrandbits(24):06x}"
    text = _POC.replace("{project}", project).replace("{marker}", marker)
    return "poc.py", "text/x-python", text.encode()
