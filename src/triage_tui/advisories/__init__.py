"""Advisory drafting: one record per case, compiled to each advisory format (plain Python, no Textual)."""
