"""Response bodies of the web pages' API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebServices(BaseModel):
    """Where the web pages reach the other services (shared/service/web_origins.py)."""

    routing: str = Field(description="Base URL of the routing service (department inbox).")
    sla: str = Field(description="Base URL of the sla service (holds, extensions).")
    feedback: str = Field(description="Base URL of the feedback service (revisit desk).")
    timezone: str = Field(description="The organisation's time zone (IANA name): the pages show times in it.")
