"""Back office: package pages (being built)."""
