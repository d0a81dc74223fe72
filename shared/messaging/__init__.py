"""Kafka: topics, the outbox relay, and the idempotent consumer helper."""
