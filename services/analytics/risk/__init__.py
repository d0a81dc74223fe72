"""Risk flags (舆情风险) for the public-relations owner: the flagged complaints, and the monthly counts."""
