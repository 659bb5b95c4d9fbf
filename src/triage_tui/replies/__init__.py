"""Provides replies to reporters: templates, encrypted composing, the outbox and SMTP sending (no Textual here)."""
