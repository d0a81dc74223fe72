"""What an endpoint gets from the service it is mounted in, as FastAPI dependencies.

Routers are module-level (`router = APIRouter(...)`) and reach the service's runtime and
collaborators only through these dependencies, never through closures: a test replaces any of
them with `app.dependency_overrides[...]`, and one endpoint reads the same in every service.
A service keeps its own collaborators (a rule table, a notifier) on `app.state` under a name and
exposes them with `state_dependency`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from shared.clock import Clock
from shared.service.runtime import Runtime


def current_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def current_clock(request: Request) -> Clock:
    return current_runtime(request).clock


CurrentRuntime = Annotated[Runtime, Depends(current_runtime)]
CurrentClock = Annotated[Clock, Depends(current_clock)]


def state_dependency(name: str) -> Callable[[Request], Any]:
    """A dependency returning `app.state.<name>` (set by the service's composition root)."""

    def from_state(request: Request) -> Any:
        return getattr(request.app.state, name)

    from_state.__name__ = f"app_state_{name}"
    return from_state
