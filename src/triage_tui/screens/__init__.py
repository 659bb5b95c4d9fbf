"""Provides the screens of the workstation: the inbox, one case, and help."""
