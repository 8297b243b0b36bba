"""Back office: dashboard pages (being built)."""
