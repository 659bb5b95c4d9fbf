"""Provides `triage-tui --version`: the installed package's version, read only when asked for."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


def package_version() -> str:
    """The installed package's version (its metadata), else the source tree's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("triage-tui")
    except PackageNotFoundError:
        from triage_tui import __version__

        return __version__


class PrintVersion(argparse.Action):
    """`--version`: print the version on stdout and exit 0; every other start skips reading package metadata."""

    def __init__(self, option_strings: list[str], dest: str, **_kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(f"triage-tui {package_version()}")
        parser.exit()
