"""Provides GnuPG fixtures for tests (filled in by the intake work)."""
