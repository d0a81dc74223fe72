"""Schemathesis over one or more running services' OpenAPI, run as a process of its own.

    python -m tests.integration.contract.fuzzing < job.json > result.json

job: {"services": {name: url}, "complaint_no": str, "headers": {...}, "examples": int}
result: {"failures": [str], "calls": {name: {label: count}}}

It runs in a child process, never in a thread beside the served apps: CPython 3.11 before 3.11.8
keeps the AST converter's recursion depth per interpreter, not per thread, so hypothesis and
schemathesis (which parse source and format tracebacks, both through `ast`) racing the apps'
threads now and then failed with "SystemError: AST constructor recursion depth mismatch".
A process of its own shares nothing with the apps but the HTTP connection.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

ENDLESS = frozenset({"/v1/live"})
"""Event streams: they answer a caller with a token forever (tests/integration/analytics cover
them); only their refusal without a token is run here."""


def fuzz(url: str, complaint_no: str, token: dict[str, str], examples: int, calls: Counter[str]) -> list[str]:
    """Every operation of the service at ``url``: with a token (valid data, then invalid data),
    then without one; returns the failures, counts the requests in ``calls``."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    runs = [
        (GenerationMode.POSITIVE, token, examples),
        (GenerationMode.NEGATIVE, token, examples),
        (GenerationMode.POSITIVE, {}, max(1, examples // 4)),
    ]
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        for mode, headers, count in runs:
            if operation.path in ENDLESS and headers:
                continue
            label = f"{operation.label} ({mode.value}{', no token' if not headers else ''})"
            try:
                run(operation, mode, (url, headers), count, complaint_no, (calls, label))
            except Unsatisfiable:
                if mode is not GenerationMode.NEGATIVE:  # nothing to get wrong: no parameters, no body
                    failures.append(f"{label}: no valid request could be generated")
            # schemathesis raises its failures as a BaseExceptionGroup; collect them all: one run
            # shows every broken operation
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{label}: {failure} {getattr(failure, 'exceptions', '')!r}")
    return failures


def run(
    operation: Any,
    mode: GenerationMode,
    target: tuple[str, dict[str, str]],
    examples: int,
    complaint_no: str,
    counter: tuple[Counter[str], str],
) -> None:
    url, headers = target
    calls, label = counter

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), known=st.booleans())
    def check(case: Any, known: bool) -> None:
        if known and mode is GenerationMode.POSITIVE and "complaint_no" in (case.path_parameters or {}):
            case.path_parameters["complaint_no"] = complaint_no
        response = case.call(base_url=url, headers=headers, timeout=10)
        calls[label] += 1
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
        # Rules the schema cannot express (anonymity, fields required per channel, a range's
        # order) answer a documented 422: schema-valid data may be refused, so that check is off.
        # Invalid query values often are valid once sent: a query string carries only text (an
        # array of numbers arrives as an array of strings), so the acceptance of "invalid" data
        # is not checked either; the "invalid" requests still must answer as documented.
        # Whether a token is enforced is the run without one (ignored_auth would resend every
        # request without it: a third more requests).
        case.validate_response(
            response,
            headers=headers,
            excluded_checks=[positive_data_acceptance, negative_data_rejection, ignored_auth],
        )

    check()


def main() -> None:
    job = json.load(sys.stdin)
    calls = {name: Counter[str]() for name in job["services"]}
    failures = [
        failure
        for name, url in job["services"].items()
        for failure in fuzz(url, job["complaint_no"], job["headers"], job["examples"], calls[name])
    ]
    json.dump({"failures": failures, "calls": calls}, sys.stdout)


if __name__ == "__main__":
    main()
