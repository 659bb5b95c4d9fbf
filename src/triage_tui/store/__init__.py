"""Provides the store: the only code that touches SQL; `store.Store` opens it once, `tables` declares its schema."""
