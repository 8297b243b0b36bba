"""When goods change hands: pickup and delivery days (slots with their capacity come here)."""
