"""The complaint read model (analytics_complaints, analytics_timeline): one complaint with its
timeline, filtered pages, counts."""
