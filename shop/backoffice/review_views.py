"""Back office: review pages (being built)."""
