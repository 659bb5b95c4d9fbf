"""Sync: every job (mail sources, GitHub, team events, outbox) run in turn, headless, feeding the store."""
