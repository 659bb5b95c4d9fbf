"""Provides the sources: one module per kind, returning raw items and cursors, knowing nothing of cases."""
