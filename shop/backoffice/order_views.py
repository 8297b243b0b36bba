"""Back office: order pages (being built)."""
