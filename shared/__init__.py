"""tousu shared kernel: events, the event store, messaging and service bootstrap."""
