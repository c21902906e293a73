"""Document camera benchmarks: page detection accuracy and pipeline speed.

    .venv/bin/python bench/bench_camera.py [--n 300] [--seed 2015] [--holdout 4242] [--json]

Accuracy: a seeded synthetic set (``sim.scene``: invented papers on seven kinds of desk,
among them strong wood grain, woven fabric and a desk as white as the paper; clutter,
uneven and dim light, colour casts, soft shadows and cast shadows of a hand, a phone and
the camera's arm over and beside the page, glossy cards, curled and crumpled paper, tilt,
blur, motion, noise, JPEG) with the true corners of every page. Score = mean Jaccard index
of found vs true quadrilateral, both mapped into the document's own frame (SmartDoc 2015;
a miss scores 0), over pages lying wholly inside the frame, overall, per desk and per
paper. The classic baseline (grey, Canny, largest contour that simplifies to 4 points)
runs on the same images. Also counted: pages wholly inside called cut off (false
``page_cut_off``), pages truly running off the frame reported as cut off (recall), and
desks without paper (clutter, cast shadows) where a page is found or an exception raised.

Two sets: the tuning seed (``--seed``), on which the detector may be tuned, and the
held-out seed (``--holdout``), which no tuning looks at; they are reported apart.

Speed: the full pipeline (find, gates, straighten, enhance, JPEG) on 2592×1944 frames and
preview detection on 1280×720 frames, as medians; and the kiosk's capture screen (offscreen
Qt, simulated camera at 25 fps): frames shown per second while a page is taken, and the
longest stall of the GUI's event loop meanwhile. Timings depend on the machine's load: run
it on an idle machine for figures to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The capture-screen bench runs Qt offscreen: with no display, Qt would abort looking for one.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from drivers.camera.detect import detect_page  # noqa: E402
from drivers.camera.geometry import jaccard_in_document_frame  # noqa: E402
from drivers.camera.scan import scan_frame  # noqa: E402
from sim.paper import render_paper  # noqa: E402
from sim.scene import in_view, random_empty_scene, random_scene, render  # noqa: E402

TARGET_JACCARD = 0.98  # mean, held-out seed
TARGET_CLASS_JACCARD = 0.95  # every desk and every paper, held-out seed
TARGET_CUT_OFF_RECALL = 0.95
TARGET_PIPELINE_MS = 150.0
TARGET_PREVIEW_MS = 25.0
TUNING_SEED, HOLDOUT_SEED = 2015, 4242


def baseline_quad(image: np.ndarray) -> np.ndarray | None:
    """The textbook detector: Canny on grey, the largest contour that simplifies to 4."""
    ratio = image.shape[0] / 500.0
    small = cv2.resize(image, (round(image.shape[1] / ratio), 500))
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    edges = cv2.Canny(grey, 75, 200)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for c in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        approx = cv2.approxPolyDP(c, 0.02 * cv2.arcLength(c, True), True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32) * ratio
    return None


def accuracy(n: int, seed: int, size: tuple[int, int]) -> dict[str, object]:
    """Pages wholly inside the frame: Jaccard index of ours and the baseline, overall, per
    desk and per paper; and how many of them ours wrongly called cut off."""
    rng = np.random.default_rng(seed)
    ours, base = [], []
    false_cut = 0
    by: dict[str, dict[str, list[tuple[float, float]]]] = {"desk": defaultdict(list),
                                                           "paper": defaultdict(list)}
    for _ in range(n):
        scene = random_scene(rng)
        frame, truth = render(scene, size)
        ph, pw = render_paper(scene.paper, scene.paper_seed).shape[:2]
        det = detect_page(frame)
        false_cut += det.cut_off
        j = jaccard_in_document_frame(truth, det.quad, (pw, ph))
        b = jaccard_in_document_frame(truth, baseline_quad(frame), (pw, ph))
        ours.append(j)
        base.append(b)
        by["desk"][scene.background].append((j, b))
        by["paper"][scene.paper].append((j, b))
    table = {kind: {k: {"n": len(v), "ours": round(statistics.fmean(x[0] for x in v), 4),
                        "baseline": round(statistics.fmean(x[1] for x in v), 4)}
                    for k, v in sorted(groups.items())}
             for kind, groups in by.items()}
    return {"images": n, "size": f"{size[0]}x{size[1]}", "seed": seed,
            "ours": _summary(ours), "baseline": _summary(base),
            "false_cut_off": false_cut, "by_desk": table["desk"], "by_paper": table["paper"]}


def _summary(scores: list[float]) -> dict[str, float]:
    return {"mean_jaccard": round(statistics.fmean(scores), 4),
            "median": round(statistics.median(scores), 4),
            "share_over_0.9": round(sum(s > 0.9 for s in scores) / len(scores), 3),
            "misses": sum(s == 0 for s in scores)}


def cut_off_reporting(n: int, seed: int) -> dict[str, object]:
    """Pages truly running off the frame: how often the detector says so, not guesses.

    ``random_scene(cut_off=True)`` slides a page that its random tries left inside over
    the nearest edge, so every frame should be cut off; one that is not (``not_cut_off``)
    is not counted."""
    rng = np.random.default_rng(seed + 1)
    size = (1296, 972)
    said = guessed = inside = 0
    for _ in range(n):
        frame, truth = render(random_scene(rng, cut_off=True), size)
        if in_view(truth, size, margin=-0.02):
            inside += 1
            continue
        det = detect_page(frame)
        said += det.cut_off
        guessed += det.quad is not None
    cut = n - inside
    return {"frames": cut, "not_cut_off": inside, "reported_cut_off": said,
            "returned_a_quad": guessed, "recall": round(said / max(cut, 1), 3)}


def empty_frames(n: int, seed: int) -> dict[str, int]:
    """Desks without paper (clutter, cast shadows, any light): no page, no exception,
    on the still path and the preview path."""
    rng = np.random.default_rng(seed + 3)
    found = cut = errors = 0
    for _ in range(n):
        frame, _ = render(random_empty_scene(rng), (1296, 972))
        for refine in (True, False):
            try:
                det = detect_page(frame, refine=refine)
            except Exception:  # noqa: BLE001 - counted: the target is none at all
                errors += 1
                continue
            found += det.found
            cut += det.cut_off
    return {"frames": n, "paths": 2, "page_found": found, "cut_off": cut, "exceptions": errors}


def _median_ms(fn, frames: list[np.ndarray], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        for f in frames:
            t = time.perf_counter()
            fn(f)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return round(statistics.median(times), 1), round(times[int(0.9 * (len(times) - 1))], 1)


def speed(seed: int, frames: int) -> dict[str, object]:
    rng = np.random.default_rng(seed + 2)
    scenes = [random_scene(rng, papers=("letter", "form", "idcard_front", "photo"))
              for _ in range(frames)]
    big = [render(s, (2592, 1944))[0] for s in scenes]
    preview = [render(s, (1280, 720))[0] for s in scenes]
    scan_frame(big[0])  # warm caches (OpenCV's thread pool, fonts) outside the timing
    full_med, full_p90 = _median_ms(scan_frame, big, 3)
    prev_med, prev_p90 = _median_ms(lambda f: detect_page(f, refine=False), preview, 5)
    return {"pipeline_2592x1944_ms": {"median": full_med, "p90": full_p90},
            "preview_detect_1280x720_ms": {"median": prev_med, "p90": prev_p90},
            "frames": frames}


def gui_preview(seconds: float = 5.0) -> dict[str, float]:
    """The kiosk's capture screen on the simulated camera (offscreen Qt): frames shown per
    second while a page lies there and pages are taken, and the longest gap between two
    turns of the GUI's event loop (a stall the citizen would feel)."""
    import shutil
    import tempfile

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.config import parse_config
    from kiosk.context import KioskContext
    from kiosk.qt_main import create_window

    _app = QApplication.instance() or QApplication([])  # kept: Qt needs it alive
    data = tempfile.mkdtemp(prefix="bench-camera-")
    cfg = parse_config(f'[data]\ndir = "{data}"\n[terminal]\nfullscreen = false\n'
                       '[devices.sscard]\nport = "none"\n[devices.a4printer]\nport = "none"\n',
                       dev=True)
    ctx = KioskContext.build(cfg)
    ctx.start()
    win = create_window(cfg, ctx)
    win.show()

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    ctx.devices.wait_first_status(10)
    ctx.sim.camera.remove()  # the bench places the page, not the demo citizen
    win.nav.start("scan")  # 材料拍照: asks for the ID card first
    ctx.sim.place_card("resident")
    capture = win.screen("capture")
    deadline = time.monotonic() + 30
    while not (win.current is capture and capture.camera_ready):
        if time.monotonic() > deadline:
            raise TimeoutError("the capture screen did not open")
        spin(50)
    gaps: list[float] = []
    clock = QElapsedTimer()
    tick = QTimer()
    tick.setInterval(5)
    tick.timeout.connect(lambda: (gaps.append(clock.restart()) if clock.isValid()
                                  else clock.start()))
    tick.start()
    ctx.sim.camera.place("letter")
    shown0, t0 = capture.preview.frames_shown, time.monotonic()
    spin(int(seconds * 1000))
    fps = (capture.preview.frames_shown - shown0) / (time.monotonic() - t0)
    pages = len(ctx.sessions.current.scans)
    tick.stop()
    win.close()  # refused outside staff mode; the context stopping ends the devices
    ctx.stop()
    shutil.rmtree(data, ignore_errors=True)
    return {"preview_fps": round(fps, 1), "pages_taken": pages,
            "longest_gui_gap_ms": round(max(gaps), 1) if gaps else 0.0}


def _table(name: str, acc: dict) -> str:
    lines = [f"{name} (seed {acc['seed']}, {acc['images']} frames {acc['size']}): "
             f"ours {acc['ours']['mean_jaccard']:.4f}, baseline "
             f"{acc['baseline']['mean_jaccard']:.4f}, false cut-off {acc['false_cut_off']}"]
    for kind in ("by_desk", "by_paper"):
        for k, v in acc[kind].items():
            lines.append(f"  {kind[3:]:5} {k:13} n={v['n']:3}  ours {v['ours']:.4f}  "
                         f"baseline {v['baseline']:.4f}")
    return "\n".join(lines)


def _passes(acc: dict, cut: dict, empty: dict) -> bool:
    worst = min(v["ours"] for kind in ("by_desk", "by_paper") for v in acc[kind].values())
    return (acc["ours"]["mean_jaccard"] >= TARGET_JACCARD and worst >= TARGET_CLASS_JACCARD
            and acc["false_cut_off"] == 0 and cut["recall"] >= TARGET_CUT_OFF_RECALL
            and empty["page_found"] == 0 and empty["exceptions"] == 0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="images in each accuracy set")
    ap.add_argument("--seed", type=int, default=TUNING_SEED, help="the tuning set")
    ap.add_argument("--holdout", type=int, default=HOLDOUT_SEED,
                    help="the held-out set (never tuned on); negative: skip it")
    ap.add_argument("--size", default="1296x972", help="accuracy frame size WxH")
    ap.add_argument("--speed-frames", type=int, default=12)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-gui", action="store_true", help="skip the kiosk preview figures")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    sets = {"tuning": args.seed, **({"holdout": args.holdout} if args.holdout >= 0 else {})}
    result: dict[str, dict] = {}
    parts = {}
    for name, seed in sets.items():
        parts[f"{name}_accuracy"] = (lambda seed=seed: accuracy(args.n, seed, size))  # type: ignore[arg-type]
        parts[f"{name}_cut_off"] = lambda seed=seed: cut_off_reporting(max(20, args.n // 3), seed)
        parts[f"{name}_empty"] = lambda seed=seed: empty_frames(max(20, args.n // 6), seed)
    if not args.no_speed:
        parts["speed"] = lambda: speed(args.seed, args.speed_frames)
    if not args.no_gui:
        parts["kiosk_capture_screen"] = gui_preview
    for name, run in parts.items():
        result[name] = run()
        if not args.json:  # as each part is done: the whole run takes minutes
            if name.endswith("_accuracy"):
                print(_table(name, result[name]), flush=True)
            else:
                print(f"{name}: {json.dumps(result[name], ensure_ascii=False)}", flush=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"targets (held-out): mean Jaccard ≥ {TARGET_JACCARD}, every desk and paper ≥ "
              f"{TARGET_CLASS_JACCARD}, no false cut-off, cut-off recall ≥ "
              f"{TARGET_CUT_OFF_RECALL}, empty desks: no page, no exception; pipeline ≤ "
              f"{TARGET_PIPELINE_MS} ms, preview ≤ {TARGET_PREVIEW_MS} ms")
    final = "holdout" if "holdout" in sets else "tuning"
    ok = _passes(result[f"{final}_accuracy"], result[f"{final}_cut_off"],
                 result[f"{final}_empty"])
    if "speed" in result:
        ok = ok and (result["speed"]["pipeline_2592x1944_ms"]["median"] <= TARGET_PIPELINE_MS
                     and result["speed"]["preview_detect_1280x720_ms"]["median"]
                     <= TARGET_PREVIEW_MS)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
