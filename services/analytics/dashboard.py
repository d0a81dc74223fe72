"""The operators' dashboard: one HTML page and one script, served from package data, no build step.

The page itself is public (it holds no data); it asks for a bearer token, keeps it in the
browser's localStorage, and calls the authenticated API with it (see live.py for the stream).
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}


def _read(name: str) -> str:
    return (files("services.analytics") / "static" / name).read_text(encoding="utf-8")


def build_dashboard_router() -> APIRouter:
    router = APIRouter(tags=["dashboard"])
    page = _read("index.html")
    assets = {name: _read(name) for name in ASSETS}

    @router.get("/", response_class=HTMLResponse, summary="The operators' dashboard (HTML)")
    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @router.get("/static/{name}", summary="The dashboard's script and style sheet", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in assets:
            raise HTTPException(404, detail={"error": "not_found", "message": f"no asset {name}"})
        return Response(assets[name], media_type=ASSETS[name], headers={"Cache-Control": "no-cache"})

    return router
