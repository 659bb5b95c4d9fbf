"""Provides the widgets of the workstation; nothing below the UI layer imports them."""
