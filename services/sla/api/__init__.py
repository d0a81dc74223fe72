"""The sla service's HTTP API: the clocks (``deadlines``) and the clock-rule commands
(``clock_commands``), one module-level router."""

from __future__ import annotations

from fastapi import APIRouter

from services.sla.api import clock_commands, deadlines

router = APIRouter()
router.include_router(deadlines.router)
router.include_router(clock_commands.router)
