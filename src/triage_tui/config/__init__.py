"""Provides the `config.toml` contract: identity, projects and sources, validated with messages that name the key."""

from triage_tui.config.reading import ConfigError, load_config, parse_config
from triage_tui.config.rules import clear_text_refusal, is_loopback
from triage_tui.config.tables import (
    IMAP_SECURITY,
    SOURCE_KINDS,
    AdvisoryConfig,
    Config,
    GithubSourceConfig,
    Identity,
    ImapSourceConfig,
    MaildirSourceConfig,
    Project,
    SavedView,
    SmtpConfig,
    SourceConfig,
    TeamConfig,
    TeamServerConfig,
)

__all__ = [
    "IMAP_SECURITY",
    "SOURCE_KINDS",
    "AdvisoryConfig",
    "Config",
    "ConfigError",
    "GithubSourceConfig",
    "Identity",
    "ImapSourceConfig",
    "MaildirSourceConfig",
    "Project",
    "SavedView",
    "SmtpConfig",
    "SourceConfig",
    "TeamConfig",
    "TeamServerConfig",
    "clear_text_refusal",
    "is_loopback",
    "load_config",
    "parse_config",
]
