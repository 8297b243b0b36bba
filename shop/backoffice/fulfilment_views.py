"""Back office: fulfilment pages (being built)."""
