"""What the page's own training loop (static/training.js with static/trainer.js) needs: the run's
problem as JSON, in the page. The NumPy engine built it (data, starting network, settings) and
stays authoritative: every paused view, snapshot and walkthrough is the server's.
"""

from __future__ import annotations

import json
from typing import Any

from app.plots.axes import OUTPUT_SCALE, REGRESSION_SCALE
from app.training.problem import MAX_UPDATES_PER_FRAME, Built
from engine.activations import ACTIVATIONS
from engine.optimizers import RULES
from engine.training_run import Problem


def trainer_problem(problem: Problem) -> dict[str, Any]:
    """An engine training problem in trainer.js's form (docs/js-trainer.md): JSON-able lists."""
    net = problem.network
    return {
        "layers": [
            {"W": layer.weights.tolist(), "b": layer.bias.tolist(), "activation": layer.activation}
            for layer in net.layers
        ],
        "loss": net.loss,
        "reduction": net.reduction,
        "optimizer": {"name": problem.optimizer.name, "lr": problem.optimizer.learning_rate},
        "inputs": problem.inputs.tolist(),
        "targets": problem.targets.tolist(),
        "testInputs": problem.test_inputs.tolist(),
        "testTargets": problem.test_targets.tolist(),
        "batchSize": problem.batch_size or 0,
        "seed": problem.seed,
        "regularization": net.regularization.to_dict(),
        **({"features": list(net.features)} if net.features else {}),
    }


def client_problem(built: Built, epochs_per_frame: tuple[int, ...]) -> dict[str, Any]:
    """The problem in trainer.js's form, plus what the page draws with."""
    problem, settings = built.problem, built.settings
    return {
        **trainer_problem(problem),
        # The page's own parts:
        "page": {
            "binding": settings.binding.hex(),  # the state's, as app/training/codec.py writes it
            "slots": list(RULES[problem.optimizer.name][1]),
            "extent": [built.extent.lo, built.extent.hi],
            "outputScale": list(REGRESSION_SCALE if settings.is_regression else OUTPUT_SCALE),
            "regression": settings.is_regression,
            "discretize": settings.discretize,
            "showTest": settings.show_test,
            "bounds": {name: a.bounds for name, a in ACTIVATIONS.items() if a.bounds},
            "maxUpdatesPerFrame": MAX_UPDATES_PER_FRAME,
            "epochsPerFrame": list(epochs_per_frame),
        },
    }


def script_json(data: Any) -> str:
    """JSON to put inside a <template> (or a <script type="application/json">): nothing in it
    can end the element or start markup (every <, > and & is escaped), whatever the data holds."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
