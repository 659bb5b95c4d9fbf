"""Provides intake: raw RFC 5322 bytes to domain records (MIME, PGP, threading, sanitising)."""
