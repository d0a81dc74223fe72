"""Which web pages may call a service from the browser: CORS with credentials for the configured
origins only.

The pages are served by the analytics service; the department inbox and the revisit desk call
the routing, sla and feedback services directly, on their own ports. The browser sends the
session cookie there too (a cookie belongs to the host, not the port, and another port of the
same host is the same site, so SameSite=Strict lets it through), and every service checks it
the same way (shared/service/auth.py). CORS decides whether the page's script may read the
answer and send the CSRF header: only the configured origins (TOUSU_WEB_ORIGINS) may, so another
site can neither read a service's data with someone's cookie nor pass the preflight that a write
with the X-CSRF-Token header needs. Direct calls rather than a proxy in analytics: each service
stays the one authority over its own API and refusals, with nothing to keep in step.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from shared.service.session import BACKGROUND_HEADER, CSRF_HEADER
from shared.settings import Settings


def web_origins(settings: Settings) -> list[str]:
    """The configured origins, else the analytics service on this machine."""
    if settings.web_origins:
        return [origin.rstrip("/") for origin in settings.web_origins]
    port = settings.analytics_port
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def install_web_origins(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=web_origins(settings),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Content-Type", CSRF_HEADER, BACKGROUND_HEADER, "Idempotency-Key"],
        max_age=600,
    )
