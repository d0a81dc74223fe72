"""Live updates for the dashboard: PostgreSQL NOTIFY fanned out as Server-Sent Events."""
