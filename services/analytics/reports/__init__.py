"""The monthly report as CSV or PDF."""
