"""GET /api/presets and /api/presets/{name}: ready-made networks with their data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from app.api.respond import json_response, rows
from app.api.schemas import PresetDetail, PresetSummary
from app.web.errors import error_responses
from engine.presets import BUILDERS, Preset, all_presets, get_preset

router = APIRouter(prefix="/api", tags=["presets"], responses=error_responses(413, 500))


def _summary(preset: Preset) -> dict[str, Any]:
    return {
        "name": preset.name,
        "title": preset.title,
        "description": preset.description,
        "api_url": f"/api/presets/{preset.name}",
    }


@router.get("/presets", response_model=list[PresetSummary])
def list_presets() -> Response:
    """List the presets: name, title and description of each."""
    return json_response([_summary(p) for p in all_presets()])


@router.get(
    "/presets/{name:path}", response_model=PresetDetail, responses=error_responses(404, 422)
)
def read_preset(name: str) -> Response:
    """One preset: its network (layout in_out), inputs, targets and exercise settings."""
    if name not in BUILDERS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no preset {name!r}; known: {', '.join(BUILDERS)}"
        )
    preset = get_preset(name)
    exercise = preset.exercise
    return json_response(
        {
            "name": preset.name,
            "title": preset.title,
            "description": preset.description,
            "network": preset.network.to_dict("in_out"),
            "inputs": rows(preset.inputs),
            "targets": rows(preset.targets),
            "exercise": None
            if exercise is None
            else {"example": exercise.example, "learning_rate": exercise.learning_rate},
        }
    )
