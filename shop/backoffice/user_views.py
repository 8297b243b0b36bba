"""Back office: user pages (being built)."""
