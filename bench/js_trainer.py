"""static/trainer.js in Chromium: frames/s of Play when the training loop runs in the browser.

The frame of bench/training.py, without the server: 2-8-8-1 tanh (sigmoid output, binary
cross-entropy) on 500 spiral points, one epoch per frame at batch size 10 (50 updates), run
inside requestAnimationFrame for `--seconds`. Two loops, one after the other:

1. training only: one epoch per frame;
2. training + pictures: the same, plus the numbers behind the heatmaps (every layer's outputs on
   a 24x24 grid for the unit heatmaps and on a 64x64 grid for the output), without drawing them.

Each loop runs in a fresh page, so the first frame of each is cold, unless --warm-up N first
calls Trainer.warmUp N times (each in a task of its own, as a page would before Play).

Reported: frames/s (Chromium caps it at the display's 60 Hz), the time of one epoch and of the
pictures' numbers (median, p95, max), and the longest task: PerformanceObserver 'longtask'
entries (every task over 50 ms) and the longest frame callback timed by the page itself.

    .venv/bin/python bench/js_trainer.py                       # 10 s each, Adam, batch 10
    .venv/bin/python bench/js_trainer.py --seconds 5 --optimizer sgd --batch 0 --warm-up 10
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from app.training.client import trainer_problem  # noqa: E402
from app.training.problem import build  # noqa: E402
from app.training.settings import TrainingSettings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/browser/conftest.py launches it
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# One loop of `seconds` in requestAnimationFrame; resolves with every frame's timings.
LOOP = """
async ([spec, seconds, pictures, lo, hi, warmUps]) => {
  const T = window.BackstepTrainer;
  // Optional JIT warm-up, as a page would do it: short calls, each in a task of its own.
  const warmUpMs = [];
  for (let i = 0; i < warmUps; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const t0 = performance.now();
    T.warmUp(spec);
    warmUpMs.push(performance.now() - t0);
  }
  const longTasks = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: "longtask", buffered: false });
  const unitGrid = T.gridPoints(lo, hi, 24);
  const outputGrid = T.gridPoints(lo, hi, 64);
  let unitOutputs = null;
  let outputOutputs = null;
  const t = performance.now();
  let run = T.start(spec);
  const startMs = performance.now() - t;
  const epochMs = [];
  const pictureMs = [];
  const frameMs = [];  // the whole callback: what one frame of Play costs the main thread
  const stamps = [];
  const started = performance.now();
  await new Promise((resolve) => {
    function frame(now) {
      stamps.push(now);
      const t0 = performance.now();
      run = T.advance(spec, run, 1).run;
      const t1 = performance.now();
      if (pictures) {
        unitOutputs = T.outputs(spec, run.params, unitGrid, unitOutputs);
        outputOutputs = T.outputs(spec, run.params, outputGrid, outputOutputs);
      }
      const t2 = performance.now();
      epochMs.push(t1 - t0);
      pictureMs.push(t2 - t1);
      frameMs.push(t2 - t0);
      if (t2 - started < seconds * 1000) requestAnimationFrame(frame);
      else resolve();
    }
    requestAnimationFrame(frame);
  });
  // Let the observer deliver the last entries.
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  return JSON.stringify({
    epochMs, pictureMs, frameMs, longTasks, startMs, warmUpMs,
    seconds: (stamps[stamps.length - 1] - stamps[0]) / 1000,
    epochs: run.epoch,
    loss: run.history.train[run.history.train.length - 1],
  });
}
"""


def settings(optimizer: str, batch: int) -> TrainingSettings:
    return TrainingSettings(
        data="spiral", n=500, noise=0.1, test=0.0, units=(8, 8), act=("tanh", "tanh"),
        opt=optimizer, lr=0.01, batch=batch,
    )  # fmt: skip


def spec_of(s: TrainingSettings) -> tuple[dict[str, Any], float, float]:
    built, errors = build(s)
    assert built is not None, errors
    p = built.problem
    spec = trainer_problem(p)
    return spec, built.extent.lo, built.extent.hi


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def describe(name: str, values: list[float]) -> str:
    return (
        f"  {name:18s} median {percentile(values, 0.5):6.2f} ms"
        f"  p95 {percentile(values, 0.95):6.2f} ms  max {max(values):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "adam"])
    parser.add_argument("--batch", type=int, default=10, help="0: the whole set")
    parser.add_argument(
        "--warm-up", type=int, default=0, help="Trainer.warmUp calls before each loop"
    )
    args = parser.parse_args()
    s = settings(args.optimizer, args.batch)
    spec, lo, hi = spec_of(s)
    updates = -(-500 // (args.batch or 500))
    print(
        f"2-8-8-1 tanh/sigmoid, {args.optimizer}, spiral n=500, batch {args.batch or 'all'} "
        f"({updates} updates an epoch), one epoch per frame, {args.seconds:g} s a loop"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else None,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        print(f"  Chromium {browser.version}")
        for pictures in (False, True):
            page = browser.new_page()
            page.add_script_tag(path=str(ROOT / "static" / "trainer.js"))
            raw = page.evaluate(LOOP, [spec, args.seconds, pictures, lo, hi, args.warm_up])
            page.close()
            r = json.loads(raw)
            frames = len(r["frameMs"])
            title = "training + 24x24 and 64x64 layer outputs" if pictures else "training only"
            print(f"{title}: {frames} frames in {r['seconds']:.1f} s")
            print(f"  => {(frames - 1) / r['seconds']:.1f} frames/s, {r['epochs']} epochs")
            print(describe("epoch", r["epochMs"]))
            if pictures:
                print(describe("layer outputs", r["pictureMs"]))
            print(describe("frame callback", r["frameMs"]))
            first = f"  first frame {r['frameMs'][0]:.1f} ms (epoch {r['epochMs'][0]:.1f} ms"
            first += f", layer outputs {r['pictureMs'][0]:.1f} ms)" if pictures else ")"
            print(f"{first}; Trainer.start before it {r['startMs']:.1f} ms")
            if r["warmUpMs"]:
                warm = r["warmUpMs"]
                print(
                    f"  before that, {len(warm)} Trainer.warmUp calls: longest {max(warm):.1f} ms,"
                    f" {sum(warm):.1f} ms in all"
                )
            tasks = r["longTasks"]
            longest = f", longest {max(tasks):.0f} ms" if tasks else ""
            print(f"  long tasks (> 50 ms): {len(tasks)}{longest}")
            print(f"  training loss at the end: {r['loss']:.4f}")
        browser.close()


if __name__ == "__main__":
    main()
