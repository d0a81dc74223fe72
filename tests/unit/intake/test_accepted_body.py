"""The 202 body is SubmissionAccepted's JSON, byte for byte, though written out without the model."""

from __future__ import annotations

import pytest
from fastapi.responses import JSONResponse

from services.intake.api.complaints import AcceptedResponse, accepted_body
from services.intake.schemas import SubmissionAccepted

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("code", [None, "ABCD-EFGH-JKLM"])
@pytest.mark.parametrize("duplicate_of", [None, "TS-20261123-000001"])
def test_the_body_is_the_models(code: str | None, duplicate_of: str | None) -> None:
    base, number = "http://127.0.0.1:8005", "TS-20261206-000042"
    model = SubmissionAccepted(
        complaint_no=number,
        stream_version=2,
        status="received",
        status_url=f"{base}/v1/complaints/{number}",
        follow_up_code=code,
        possible_duplicate_of=duplicate_of,
    )
    expected = model.model_dump(mode="json", exclude={"follow_up_code"} if code is None else set())
    body = accepted_body(base, number, 2, code, duplicate_of)
    assert list(body.items()) == list(expected.items())  # the same fields in the same order
    assert AcceptedResponse(body, status_code=202).body == JSONResponse(expected, status_code=202).body
