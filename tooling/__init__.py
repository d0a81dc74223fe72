"""tousu tooling: the `tousu` command and what only operators and developers run.

The local stack (`tousu up`), the service runner (`tousu serve`), the benchmarks, the demo, the
AsyncAPI generator and the command-line wiring of the kernel's admin functions. Tooling may
import the services and the kernel; neither imports tooling (`make lint` checks it).
"""
