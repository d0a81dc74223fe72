"""The five services' app factories by name, for tests that check something of every service."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from services.analytics.main import create_app as analytics_app
from services.feedback.main import create_app as feedback_app
from services.intake.main import create_app as intake_app
from services.routing.main import create_app as routing_app
from services.sla.main import create_app as sla_app

SERVICE_APPS: dict[str, Callable[..., FastAPI]] = {
    "intake": intake_app,
    "routing": routing_app,
    "sla": sla_app,
    "feedback": feedback_app,
    "analytics": analytics_app,
}
