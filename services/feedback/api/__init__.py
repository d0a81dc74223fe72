"""The feedback service's HTTP API, one module-level router: the revisit list and recorded
feedback (``revisits``), closing as unresolvable (``unresolvable``), the questionnaire links
customer service issues (``links``) and the questionnaire the complainant answers (``questionnaire``:
an HTML page and its JSON twin, no account needed)."""

from __future__ import annotations

from fastapi import APIRouter

from services.feedback.api import links, questionnaire, revisits, unresolvable

router = APIRouter()
router.include_router(revisits.router)
router.include_router(unresolvable.router)
router.include_router(links.router)
router.include_router(questionnaire.router)
