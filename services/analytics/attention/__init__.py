"""The attention queue: what needs someone now."""
