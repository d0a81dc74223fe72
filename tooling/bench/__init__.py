"""`tousu bench`: throughput, latency and scale of the kernel, side by side with peers.

Every figure is the median of repeated runs; every comparison is a ratio of two figures
measured in the same run, so machine noise cancels. See docs/benchmarks.md.
"""
