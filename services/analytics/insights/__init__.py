"""KPI trends, the month's high-frequency problems and repeat complaints, SLA calendar warnings."""
