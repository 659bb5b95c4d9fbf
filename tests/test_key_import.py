"""Tests importing a reporter's key with the real gpg: from a file, a case's attachment and a Web Key Directory served
on loopback; hostile material is bounded, shown as safe text and imported only when confirmed."""

from __future__ import annotations

import argparse
import hashlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import gnupg
import pytest

from gpg_fixtures import Keyring, kill_and_remove, make_home, new_keyring
from triage_tui.cli.key_command import run_key
from triage_tui.config import Config, Identity
from triage_tui.services.reporter_keys import (
    MAX_KEY_MATERIAL,
    KeyImportError,
    case_material,
    import_key_material,
    inspect_key_material,
    wkd_material,
)
from triage_tui.sources.wkd import WkdError, wkd_hash, wkd_lookup, wkd_urls, zbase32
from triage_tui.store.queries import get_case
from triage_tui.store.store import Store
from ui_fixtures import BASE, attachment, message, seeded_store

HOSTILE_NAME = "Eve \x1b]0;pwned\x07 [bold]x[/bold] \u202e"


def _keyring_with_name(name: str, email: str) -> Keyring:
    home = make_home()
    gpg = gnupg.GPG(gnupghome=str(home))
    gpg.encoding = "utf-8"
    recipe = gpg.gen_key_input(
        key_type="EDDSA", key_curve="ed25519", key_usage="sign,cert", subkey_type="ECDH", subkey_curve="cv25519",
        subkey_usage="encrypt", name_real=name, name_email=email, expire_date=0, no_protection=True,
    )  # fmt: skip
    fingerprint = str(gpg.gen_key(recipe).fingerprint)
    return Keyring(home=home, gpg=gpg, fingerprint=fingerprint, email=email)


@dataclass(frozen=True)
class Keys:
    reporter: Keyring  # its public key is what gets imported
    hostile: Keyring  # a user id full of escapes and markup
    workstation: Keyring  # the keyring imported into

    def public(self, ring: Keyring, *, armor: bool = True) -> bytes:
        exported = ring.gpg.export_keys(ring.fingerprint, armor=armor)
        return exported if isinstance(exported, bytes) else str(exported).encode("ascii")

    def imported(self) -> set[str]:
        return {key["fingerprint"] for key in self.workstation.gpg.list_keys()}


@pytest.fixture(scope="module")
def keys() -> Iterator[Keys]:
    rings = [new_keyring("dana@example.net"), _keyring_with_name(HOSTILE_NAME, "eve@example.org")]
    try:
        yield Keys(rings[0], rings[1], new_keyring("team@example.com"))
    finally:
        for ring in rings:
            kill_and_remove(ring.home)


@pytest.fixture
def workstation(keys: Keys) -> Iterator[Keyring]:
    """A fresh workstation keyring for each test (the module's is replaced)."""
    ring = new_keyring("coordinator@example.com")
    object.__setattr__(keys, "workstation", ring)
    try:
        yield ring
    finally:
        kill_and_remove(ring.home)


class _WkdHandler(BaseHTTPRequestHandler):
    served: ClassVar[dict[str, bytes]] = {}
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        body = self.served.get(self.path.split("?", 1)[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def wkd_server() -> Iterator[tuple[str, type[_WkdHandler]]]:
    handler = type("Handler", (_WkdHandler,), {"served": {}, "asked": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_wkd_names_follow_the_draft() -> None:
    # The draft's own example: Joe.Doe@Example.ORG.
    assert wkd_hash("Joe.Doe") == "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    assert zbase32(hashlib.sha1(b"joe.doe", usedforsecurity=False).digest()) == "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    advanced, direct = wkd_urls("Joe.Doe@Example.ORG")
    assert advanced == (
        "https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe"
    )
    assert direct == "https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe"
    for hostile in ("dana@example.net/../x", "dana@[127.0.0.1]", "no-at-sign", "a b@example.org", "x@exa mple.org"):
        with pytest.raises(WkdError):
            wkd_urls(hostile)


def test_a_key_is_found_by_the_advanced_method(keys: Keys, wkd_server: tuple[str, type[_WkdHandler]]) -> None:
    base, handler = wkd_server
    hashed = wkd_hash("dana")
    handler.served[f"/.well-known/openpgpkey/example.net/hu/{hashed}"] = keys.public(keys.reporter, armor=False)
    material = wkd_material("dana@example.net", base_url=base)
    assert [key.fingerprint for key in material.keys] == [keys.reporter.fingerprint]
    assert handler.asked == [f"/.well-known/openpgpkey/example.net/hu/{hashed}?l=dana"]


def test_the_direct_method_answers_when_the_advanced_one_has_none(
    keys: Keys, wkd_server: tuple[str, type[_WkdHandler]]
) -> None:
    base, handler = wkd_server
    handler.served[f"/.well-known/openpgpkey/hu/{wkd_hash('dana')}"] = keys.public(keys.reporter, armor=False)
    material = wkd_material("dana@example.net", base_url=base)
    assert [key.fingerprint for key in material.keys] == [keys.reporter.fingerprint]
    assert len(handler.asked) == 2


def test_a_wkd_key_for_another_address_is_refused(keys: Keys, wkd_server: tuple[str, type[_WkdHandler]]) -> None:
    base, handler = wkd_server
    handler.served[f"/.well-known/openpgpkey/hu/{wkd_hash('dana')}"] = keys.public(keys.hostile, armor=False)
    with pytest.raises(KeyImportError, match="address it was looked up for"):
        wkd_material("dana@example.net", base_url=base)


def test_wkd_without_a_key_and_offline_say_so(wkd_server: tuple[str, type[_WkdHandler]]) -> None:
    base, _handler = wkd_server
    with pytest.raises(WkdError, match="publishes no key") as none:
        wkd_lookup("dana@example.net", base_url=base)
    assert not none.value.offline
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _WkdHandler)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    with pytest.raises(WkdError, match="could be reached") as offline:
        wkd_lookup("dana@example.net", base_url=f"http://127.0.0.1:{port}", timeout=5)
    assert offline.value.offline
    with pytest.raises(WkdError, match="https"):
        wkd_lookup("dana@example.net", base_url="http://example.org")  # plain http only to loopback


def test_an_oversized_wkd_answer_is_cut_off(wkd_server: tuple[str, type[_WkdHandler]]) -> None:
    base, handler = wkd_server
    handler.served[f"/.well-known/openpgpkey/hu/{wkd_hash('dana')}"] = b"\x99" * (MAX_KEY_MATERIAL + 10)
    with pytest.raises(WkdError, match="refused"):
        wkd_lookup("dana@example.net", base_url=base)


def test_hostile_material_is_refused_or_shown_as_safe_text(keys: Keys, workstation: Keyring) -> None:
    with pytest.raises(KeyImportError, match="over"):
        inspect_key_material(b"x" * (MAX_KEY_MATERIAL + 1), "a file")
    with pytest.raises(KeyImportError, match="no OpenPGP public key"):
        inspect_key_material(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnonsense\n", "a file")
    secret = str(keys.reporter.gpg.export_keys(keys.reporter.fingerprint, secret=True, expect_passphrase=False))
    with pytest.raises(KeyImportError, match="secret key"):
        inspect_key_material(secret.encode("ascii"), "a file")
    shown = inspect_key_material(keys.public(keys.hostile), "a \x1b[2J file").describe()
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "[bold]x[/bold]" in shown and "eve@example.org" in shown  # markup is text, not style
    assert keys.hostile.fingerprint[:4] in shown
    assert workstation.gpg.list_keys(keys=[keys.hostile.fingerprint]) == []  # looking imports nothing


def _config(ring: Keyring, tmp_path: Path) -> Config:
    identity = Identity(name="c", email=ring.email, fingerprint=ring.fingerprint, gnupg_home=ring.home)
    return Config(path=tmp_path / "config.toml", identity=identity)


def _args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**({"file": None, "case": None, "wkd": None, "yes": False} | given))


def test_the_cli_imports_a_file_only_once_confirmed(keys: Keys, workstation: Keyring, tmp_path: Path) -> None:
    key_file = tmp_path / "dana.asc"
    key_file.write_bytes(keys.public(keys.reporter))
    store = Store(seeded_store(tmp_path / "triage.db", []))
    config = _config(workstation, tmp_path)
    try:
        out, err = io.StringIO(), io.StringIO()
        code = run_key(store, config, _args(file=str(key_file)), io.BytesIO(), out, err, interactive=False)
        assert code == 2 and "--yes" in err.getvalue()
        assert keys.reporter.fingerprint not in keys.imported()
        out = io.StringIO()
        assert run_key(store, config, _args(file="-", yes=True), io.BytesIO(key_file.read_bytes()), out, err) == 0
        assert keys.reporter.fingerprint in keys.imported()
        assert "dana@example.net" in out.getvalue() and keys.reporter.fingerprint in out.getvalue()
    finally:
        store.close()


def test_a_declined_import_in_a_terminal_imports_nothing(
    keys: Keys, workstation: Keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "eve.asc"
    key_file.write_bytes(keys.public(keys.hostile))
    monkeypatch.setattr("builtins.input", lambda: "n")
    store = Store(seeded_store(tmp_path / "triage.db", []))
    try:
        out, err = io.StringIO(), io.StringIO()
        code = run_key(store, _config(workstation, tmp_path), _args(file=str(key_file)), io.BytesIO(), out, err,
                       interactive=True)  # fmt: skip
        assert code == 1 and "[y/N]" in err.getvalue()
        assert "\x1b" not in out.getvalue()
        assert keys.hostile.fingerprint not in keys.imported()
    finally:
        store.close()


def test_a_case_key_comes_from_its_attachment_else_from_wkd(
    keys: Keys, workstation: Keyring, tmp_path: Path, wkd_server: tuple[str, type[_WkdHandler]]
) -> None:
    base, handler = wkd_server
    attached = attachment("dana.asc", keys.public(keys.reporter), "application/pgp-keys")
    reports = [
        message(1, "with a key", date=BASE, attachments=(attached,)),
        message(2, "without", sender=("Eve", "eve@example.org"), date=BASE),
    ]
    store = Store(seeded_store(tmp_path / "triage.db", reports))
    try:
        with store.read() as connection:
            ids = [row[0] for row in connection.execute("SELECT id FROM cases ORDER BY id")]
            details = [get_case(connection, case_id) for case_id in ids]
        with_key = next(d for d in details if d is not None and d.summary.title == "with a key")
        without = next(d for d in details if d is not None and d.summary.title == "without")
        material = case_material(store, with_key, base_url=base)
        assert material.origin == "the attachment dana.asc" and handler.asked == []
        assert import_key_material(material, workstation.home) == [keys.reporter.fingerprint]
        handler.served[f"/.well-known/openpgpkey/hu/{wkd_hash('eve')}"] = keys.public(keys.hostile, armor=False)
        assert [k.fingerprint for k in case_material(store, without, base_url=base).keys] == [keys.hostile.fingerprint]
    finally:
        store.close()


def test_key_import_wkd_on_the_command_line(
    keys: Keys, tmp_path: Path, wkd_server: tuple[str, type[_WkdHandler]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage_tui.cli import run

    base, handler = wkd_server
    handler.served[f"/.well-known/openpgpkey/example.net/hu/{wkd_hash('dana')}"] = keys.public(keys.reporter)
    monkeypatch.setenv("TRIAGE_TUI_WKD_URL", base)
    home, gnupg_home = tmp_path / "ws", make_home()
    try:
        made = ["init", "--home", str(home), "--name", "C", "--email", "c@example.com", "--gnupg-home", str(gnupg_home)]
        assert run([*made, "--no-passphrase"], out=io.StringIO(), err=io.StringIO()) == 0
        out, err = io.StringIO(), io.StringIO()
        code = run(["key", "import", "--wkd", "dana@example.net", "--yes", "--home", str(home)], out=out, err=err)
        assert code == 0, err.getvalue()
        assert f"imported into {gnupg_home}: {keys.reporter.fingerprint}" in out.getvalue()
        assert gnupg.GPG(gnupghome=str(gnupg_home)).list_keys(keys=[keys.reporter.fingerprint])
        code = run(["key", "import", "--wkd", "nobody@example.net", "--yes", "--home", str(home)], out=out, err=err)
        assert code == 1 and "publishes no key" in err.getvalue()
    finally:
        kill_and_remove(gnupg_home)


@pytest.mark.parametrize(
    ("given", "code", "said"),
    [
        ({"wkd": "not an address"}, 2, "is not a mail address whose domain can be asked"),
        ({"wkd": "\x1b[31mx\u202e"}, 2, "'␛[31mx<U+202E>' is not a mail address"),
        ({"file": "/nonexistent/\x1b[2Jx"}, 2, "cannot read /nonexistent/␛[2Jx"),
        ({"case": "PSC-\x1b[2J"}, 2, "no case PSC-␛[2J"),
    ],
    ids=["wkd-not-an-address", "wkd-hostile", "file-hostile", "case-hostile"],
)
def test_a_bad_argument_is_a_usage_error_in_one_neutralised_line(
    tmp_path: Path, given: dict[str, str], code: int, said: str
) -> None:
    from triage_tui.cli.output import CliError

    store = Store(seeded_store(tmp_path / "triage.db", []))
    config = Config(path=tmp_path / "config.toml", identity=Identity(name="c", email="c@example.org", fingerprint=""))
    out, err = io.StringIO(), io.StringIO()
    try:
        # A CliError is what the entry point prints as one `triage-tui: ...` line with exit 2.
        with pytest.raises(CliError) as refused:
            run_key(store, config, _args(**given), io.BytesIO(), out, err, interactive=False)
    finally:
        store.close()
    line = str(refused.value)
    assert said in line and "\n" not in line and "\x1b" not in line and "\u202e" not in line
    assert out.getvalue() == err.getvalue() == ""


def _sign_only_key(email: str) -> Keyring:
    home = make_home()
    gpg = gnupg.GPG(gnupghome=str(home))
    recipe = gpg.gen_key_input(
        key_type="EDDSA", key_curve="ed25519", key_usage="sign,cert", no_protection=True, expire_date=0,
        name_real="Signer", name_email=email,
    )  # fmt: skip
    return Keyring(home=home, gpg=gpg, fingerprint=str(gpg.gen_key(recipe).fingerprint), email=email)


def test_a_sign_only_key_is_imported_with_a_warning_that_it_cannot_encrypt(
    keys: Keys, workstation: Keyring, tmp_path: Path
) -> None:
    signer = _sign_only_key("dana@example.net")
    try:
        key_file = tmp_path / "signer.asc"
        key_file.write_bytes(keys.public(signer))
        store = Store(seeded_store(tmp_path / "triage.db", []))
        try:
            out, err = io.StringIO(), io.StringIO()
            config = _config(workstation, tmp_path)
            assert run_key(store, config, _args(file=str(key_file), yes=True), io.BytesIO(), out, err) == 0
        finally:
            store.close()
        assert "Warning: this key cannot encrypt (it is sign-only" in out.getvalue()
        assert "warning: this key cannot encrypt" in err.getvalue()
    finally:
        kill_and_remove(signer.home)
    # And the reporter's own key, with an encryption subkey, imports without one.
    material = inspect_key_material(keys.public(keys.reporter), "the file dana.asc")
    assert material.warnings == () and "Warning" not in material.describe()


def test_a_case_key_without_the_reporters_address_warns_why_a_reply_will_not_use_it(keys: Keys, tmp_path: Path) -> None:
    attached = attachment("dana.asc", keys.public(keys.reporter), "application/pgp-keys")
    reports = [
        message(1, "hers", date=BASE, attachments=(attached,)),
        message(2, "someone else's", sender=("Rita", "rita@example.org"), date=BASE, attachments=(attached,)),
    ]
    store = Store(seeded_store(tmp_path / "triage.db", reports))
    try:
        with store.read() as connection:
            ids = [row[0] for row in connection.execute("SELECT id FROM cases ORDER BY id")]
            details = {d.summary.title: d for d in (get_case(connection, case_id) for case_id in ids) if d}
        assert case_material(store, details["hers"]).warnings == ()
        [warning] = case_material(store, details["someone else's"]).warnings
        assert "none of its user ids is the reporter's address rita@example.org" in warning
        assert "Warning: none of its user ids" in case_material(store, details["someone else's"]).describe()
    finally:
        store.close()


def test_without_a_key_a_reply_names_the_workstations_import_not_gpg(workstation: Keyring) -> None:
    from triage_tui.replies.compose_reply import NoReporterKeyError, find_recipient_key

    with pytest.raises(NoReporterKeyError) as refused:
        find_recipient_key(workstation.gpg, "nobody@example.org")
    said = str(refused.value)
    assert "I on the case, or triage-tui key import" in said and "gpg --import" not in said
