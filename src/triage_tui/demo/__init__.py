"""Provides the demo workspace generator behind `triage-tui demo`: throwaway keys, config and a Maildir."""

from __future__ import annotations

from triage_tui.demo.build import DemoWorkspace, build_demo

__all__ = ["DemoWorkspace", "build_demo"]
