"""The CSAF reference validator (BSI's csaf-validator-lib, run by tests/node/csaf_validate.mjs) for the tests: schema,
every mandatory test and the optional tests 6.2.5, 6.2.11 and 6.2.13, over a batch of documents in one Node process."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
RUNNER = NODE_DIR / "csaf_validate.mjs"
LIB = NODE_DIR / "node_modules" / "@secvisogram" / "csaf-validator-lib"
TIMEOUT = 120.0
AddDocument = Callable[[dict[str, Any]], dict[str, Any]]
"""The `csaf_reference` fixture: adds a document to the module's batch and returns it."""


def reference_failures(documents: list[Any]) -> list[list[str]]:
    """Per document, in order, what the reference validator says is wrong ("test: path: message"), [] when it passes.
    Fails the test (never skips it) when Node.js or the lib is missing: `make test` installs them."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run scripts/install-node-deps.sh (make test runs it)")
    if not LIB.is_dir():
        pytest.fail(f"the CSAF reference validator is missing from {LIB}: run scripts/install-node-deps.sh")
    done = subprocess.run(
        [node, str(RUNNER)],
        input=json.dumps(documents).encode(),
        capture_output=True,
        cwd=NODE_DIR,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"the CSAF reference validator failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    results = json.loads(done.stdout)
    assert len(results) == len(documents)
    return [
        [f"{failure['test']}: {message}" for failure in result["failures"] for message in failure["messages"] or [""]]
        for result in results
    ]


def assert_reference_valid(*documents: Any) -> None:
    """Asserts the reference validator passes every document; the message names each failing test and path."""
    failures = reference_failures(list(documents))
    found = [
        f"document {i} ({_tracking_id(document)}):\n  " + "\n  ".join(problems)
        for i, (document, problems) in enumerate(zip(documents, failures, strict=True))
        if problems
    ]
    assert not found, "the CSAF reference validator rejects:\n" + "\n".join(found)


class ReferenceBatch:
    """The CSAF documents a test module made, checked together when the module ends: Node starts once (about 3 s)
    for the module, not once per test."""

    def __init__(self) -> None:
        self.documents: list[tuple[str, Any]] = []

    def add(self, label: str, document: dict[str, Any]) -> dict[str, Any]:
        """Keeps a copy of `document` (the test may change it afterwards) to check; returns `document`."""
        self.documents.append((label, copy.deepcopy(document)))
        return document

    def verify(self) -> None:
        """Fails, naming each test, document, failing reference test and path, unless every document passes."""
        if not self.documents:
            return
        failures = reference_failures([document for _label, document in self.documents])
        found = [
            f"{label} ({_tracking_id(document)}):\n  " + "\n  ".join(problems)
            for (label, document), problems in zip(self.documents, failures, strict=True)
            if problems
        ]
        assert not found, "the CSAF reference validator rejects:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def csaf_reference_batch() -> Iterator[ReferenceBatch]:
    """The module's batch: the reference validator runs over it once every test of the module has added to it."""
    batch = ReferenceBatch()
    yield batch
    batch.verify()


@pytest.fixture
def csaf_reference(csaf_reference_batch: ReferenceBatch, request: pytest.FixtureRequest) -> AddDocument:
    """Adds a document, labelled with the test's name, to the module's batch for the reference validator."""

    def add(document: dict[str, Any]) -> dict[str, Any]:
        return csaf_reference_batch.add(request.node.name, document)

    return add


def _tracking_id(document: Any) -> str:
    try:
        return str(document["document"]["tracking"]["id"])
    except (KeyError, TypeError):
        return "no tracking id"


def validator_cwe_names(catalogue: str = "shared/cwec.js") -> dict[str, str]:
    """The CWE names the reference validator holds, by id: by default the catalogue its test 6.1.11 checks against
    (lib/shared/cwec.js), or one of its versioned copies of MITRE's catalogues ("cwec/4.14.js")."""
    node = shutil.which("node")
    if node is None or not LIB.is_dir():
        pytest.fail("node or the CSAF reference validator is missing: run scripts/install-node-deps.sh")
    script = (
        f"const m = await import('@secvisogram/csaf-validator-lib/lib/{catalogue}');"
        "const c = m.default; const list = Array.isArray(c.weaknesses) ? c.weaknesses : [];"
        "process.stdout.write(JSON.stringify(Object.fromEntries(list.map((w) => [w.id, w.name]))))"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, cwd=NODE_DIR, timeout=TIMEOUT, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"reading the validator's CWE catalogue failed: {done.stderr.decode()[-2000:]}")
    names: dict[str, str] = json.loads(done.stdout)
    return names


def failed_tests(failures: list[str]) -> set[str]:
    """The numbers of the tests among `reference_failures`' findings: "mandatoryTest_6_1_27_4: ..." is "6.1.27.4"."""
    return {failure.split(":", 1)[0].split("Test_", 1)[-1].replace("_", ".") for failure in failures}
