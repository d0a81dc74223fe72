"""The intake service's HTTP API, one module-level router: submitting and regrading complaints
(``complaints``), the anonymous follow-up (``follow_up``), complainants' personal data
(``personal_data``, admins), merging duplicates (``merge``) and risk flags by hand (``risk``)."""

from __future__ import annotations

from fastapi import APIRouter

from services.intake.api import complaints, follow_up, merge, personal_data, risk

router = APIRouter()
router.include_router(complaints.router)
router.include_router(follow_up.router)
router.include_router(personal_data.router)
router.include_router(merge.router)
router.include_router(risk.router)
