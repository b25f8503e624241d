"""The charting and map libraries, served from the npm packages ``make setup`` installs.

Only the files the pages load are served (a fixed list, not the whole ``node_modules``). They
come from ``package.json`` + ``package-lock.json`` (``npm ci``): nothing from a CDN, nothing
copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

# The checkout's node_modules (make setup), else the working folder's (the Docker image's /app).
PLACES = (Path(__file__).resolve().parents[1] / "node_modules", Path("node_modules"))
VENDOR = {
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "countries-110m.json": "world-atlas/countries-110m.json",
}


async def vendor(request: Request) -> Response:
    """One of the ``VENDOR`` files; 404 for anything else, 503 when npm packages are missing."""
    name = request.path_params["name"]
    if name not in VENDOR:
        raise HTTPException(404, "no such asset")
    path = next((p / VENDOR[name] for p in PLACES if (p / VENDOR[name]).is_file()), None)
    if path is None:
        raise HTTPException(
            503, f"{VENDOR[name]} is not installed: run `make setup` (npm ci) in the project"
        )
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
