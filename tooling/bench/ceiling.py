"""Benchmark 4's ceiling: a bare FastAPI endpoint that validates a submission exactly as intake does
(the same ``ComplaintSubmission`` body model, bearer token and role check, Idempotency-Key header)
and answers 202 without touching a store. Served by uvicorn with the same options as
`tousu serve`: ``python -m tooling.bench.ceiling PORT TOKENS_FILE``.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse

from services.intake.api.complaints import SUBMITTERS
from services.intake.schemas import ComplaintSubmission, SubmissionAccepted
from shared.service.auth import Principal, TokenRegistry
from tooling.serve import server_options


def create_ceiling_app(tokens: TokenRegistry) -> FastAPI:
    app = FastAPI(title="bench ceiling: intake validation without a store")
    app.state.tokens = tokens

    @app.post("/v1/complaints", status_code=202, response_model=SubmissionAccepted)
    async def submit(
        submission: ComplaintSubmission,
        principal: Annotated[Principal, SUBMITTERS],
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=128)] = None,
    ) -> JSONResponse:
        number = f"CEIL-{uuid.uuid4().hex[:12]}"
        body = SubmissionAccepted(
            complaint_no=number, stream_version=1, status="received", status_url=f"/v1/complaints/{number}"
        )
        return JSONResponse(body.model_dump(), status_code=202)

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    port, tokens_file = int(sys.argv[1]), Path(sys.argv[2])
    app = create_ceiling_app(TokenRegistry.from_file(tokens_file))
    uvicorn.run(app, host="127.0.0.1", port=port, **server_options())


if __name__ == "__main__":
    main()
