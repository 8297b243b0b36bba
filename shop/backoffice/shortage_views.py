"""Back office: shortage pages (being built)."""
