"""GitHub: repository security advisories synced into cases, and the case's advisory pushed back."""
