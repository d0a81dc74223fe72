"""`tousu import`: bringing an organisation's complaint history into tousu.

A file of old complaints (CSV or JSON lines) and a mapping file (which column is which field,
value maps, defaults) go row by row through intake's own receive handler — the code HTTP
submissions use — marked as history (``ComplaintReceived.imported``), so no clock of the past
fires as a breach and nobody is notified. Each row's id makes its submission idempotent: a re-run
adds nothing, an interrupted run continues where it stopped.

* :mod:`.mapping` — the mapping file, validated with every problem as ``file:line``;
* :mod:`.source` — reading the rows of a CSV or JSON-lines file;
* :mod:`.rows` — one row → a submission and its history, or every reason it is refused;
* :mod:`.submit` — the one call site of ``receive`` (and its idempotency);
* :mod:`.run` — the whole file: dry run or import, progress, summary;
* :mod:`.cli` — the command.
"""
