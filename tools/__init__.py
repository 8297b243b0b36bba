"""Developer tools run by hand against a running shop (not imported by the shop)."""
