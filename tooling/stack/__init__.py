"""`tousu up`: the one-command local stack (embedded PostgreSQL, tansu broker, five supervised services).

Modules:

* :mod:`shared.stack.ports` — is a TCP port free, wait until one answers.
* :mod:`shared.stack.process` — one child process in its own session, logging to a file.
* :mod:`shared.stack.supervisor` — named commands: start, readiness, restart with backoff, stop all.
* :mod:`shared.stack.embedded_postgres` — a PostgreSQL server as a supervised child, data kept on disk.
* :mod:`shared.stack.broker` — the tansu Kafka-protocol broker as a child.
* :mod:`shared.stack.dev_tokens` — development bearer tokens for every role.
* :mod:`shared.stack.config` — the environment variables only `tousu up` reads.
* :mod:`shared.stack.signals` — run a coroutine until SIGINT/SIGTERM.
* :mod:`shared.stack.up` — the composition behind `tousu up`.
"""

from shared.stack.errors import StackError, StartupError

__all__ = ["StackError", "StartupError"]
