"""Back office: report pages (being built)."""
