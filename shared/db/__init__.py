"""Database access: engine creation and migrations."""
