"""Team sync: signed, encrypted decision events exchanged through the shared IMAP server."""
