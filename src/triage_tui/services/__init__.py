"""Provides the services: triage, sync and views, in plain Python that never imports Textual."""
