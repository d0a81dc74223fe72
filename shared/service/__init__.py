"""Service bootstrap: settings, HTTP app, health, logging and tracing."""
