"""`tousu up`: the one-command local stack (embedded PostgreSQL, tansu broker, five supervised services).

Modules:

* :mod:`tooling.stack.ports` — is a TCP port free, wait until one answers.
* :mod:`tooling.stack.process` — one child process in its own session, logging to a file.
* :mod:`tooling.stack.supervisor` — named commands: start, readiness, restart with backoff, stop all.
* :mod:`tooling.stack.embedded_postgres` — a PostgreSQL server as a supervised child, data kept on disk.
* :mod:`tooling.stack.broker` — the tansu Kafka-protocol broker as a child.
* :mod:`tooling.stack.dev_tokens` — development bearer tokens for every role.
* :mod:`tooling.stack.config` — the environment variables only `tousu up` reads.
* :mod:`tooling.stack.signals` — run a coroutine until SIGINT/SIGTERM.
* :mod:`tooling.stack.up` — the composition behind `tousu up`.
"""

from tooling.stack.errors import StackError, StartupError

__all__ = ["StackError", "StartupError"]
