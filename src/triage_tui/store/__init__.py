"""Provides the store: the only code that touches SQL (SQLModel on SQLite, FTS5, versioned migrations)."""
