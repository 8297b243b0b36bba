"""Back office: stock pages (being built)."""
