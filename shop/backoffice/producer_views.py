"""Back office: producer pages (being built)."""
