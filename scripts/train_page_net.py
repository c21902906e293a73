"""Train the page detector's small segmentation network (``drivers/camera/page_net.onnx``).

    .venv/bin/python scripts/train_page_net.py data --out DIR [--frames 30000]
    TORCH_PYTHON scripts/train_page_net.py train --data DIR [--epochs 8]

Step one renders frames with ``sim.scene`` (the same generator as ``bench/bench_camera.py``)
from its own seeds, never the benchmark's tuning (2015) or held-out (4242) seeds nor the
ones they derive (+1 cut-off, +2 speed, +3 empty desks), and stores each frame at the
network's input size with the share of every output cell the page covers (a page running
off the frame is covered up to the frame's edge; an empty desk covers nothing).

Step two needs PyTorch, which the kiosk does not: run it with a Python that has
``torch==2.13.0`` (CPU). It trains the network below and exports it to ONNX; the kiosk runs
it with OpenCV's own DNN module (``drivers/camera/page_net.py``), so no new runtime
dependency. Retraining is a deliberate step like a lock refresh: run the camera benchmark
and the camera tests before committing a new model.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.camera.page_net import IN_H, IN_W  # noqa: E402 - the network's input size

OUT_W, OUT_H = 64, 48  # its output: the page's share of each cell
FIRST_SEED = 1_000_000  # training frames' seeds start here (the benchmark's are < 10,000)
CHUNK = 250


def _frames(job: tuple[int, float]) -> tuple[np.ndarray, np.ndarray]:
    from sim.scene import random_empty_scene, random_scene, render

    chunk, small = job

    rng = np.random.default_rng(FIRST_SEED + chunk)
    xs = np.empty((CHUNK, IN_H, IN_W, 3), np.uint8)
    ys = np.empty((CHUNK, OUT_H, OUT_W), np.uint8)
    for i in range(CHUNK):
        kind = rng.random()
        wide = rng.random() < 0.2  # a 16:9 camera's frame, squeezed to the same input
        size = (640, 360) if wide else (640, 480)
        if kind < 0.08:
            frame, quad = render(random_empty_scene(rng), size)
            quad = None
        else:
            scene = random_scene(rng, cut_off=kind < 0.3)
            if small and kind >= 0.3 and rng.random() < small:
                # An ID card held too far from the camera, a small slip: shrunk about its
                # centre, so still wholly inside (it is to be found, then called too small).
                pose = replace(scene.pose, scale=scene.pose.scale * rng.uniform(0.35, 0.7))
                scene = replace(scene, pose=pose)
            frame, quad = render(scene, size)
        xs[i] = cv2.resize(frame, (IN_W, IN_H), interpolation=cv2.INTER_AREA)
        mask = np.zeros((OUT_H * 8, OUT_W * 8), np.uint8)
        if quad is not None:
            q = quad * np.array([OUT_W * 8 / size[0], OUT_H * 8 / size[1]], np.float32)
            cv2.fillPoly(mask, [np.round(q * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        ys[i] = cv2.resize(mask, (OUT_W, OUT_H), interpolation=cv2.INTER_AREA)
    return xs, ys


def make_data(out: Path, frames: int, workers: int, small: float) -> None:
    """Chunks of CHUNK frames, each from its own seed; chunks already in ``out`` are kept,
    so a second run with more ``frames`` adds new ones."""
    out.mkdir(parents=True, exist_ok=True)
    chunks = [c for c in range(frames // CHUNK) if not (out / f"{c:04d}.npz").exists()]
    with Pool(workers) as pool:
        jobs = pool.imap(_frames, [(c, small) for c in chunks])
        for c, (xs, ys) in zip(chunks, jobs, strict=True):
            np.savez(out / f"{c:04d}.npz", x=xs, y=ys)
            print(f"chunk {c} done", flush=True)


def _net():
    import torch
    from torch import nn

    def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    class PageNet(nn.Module):
        """A small U-Net: five halvings down to 6×8 cells (each sees most of the frame,
        which a white page on a white desk needs), back up to a quarter of the input with
        the finer levels' features, one logit per cell (700 k weights, 0.2 GMAC)."""

        def __init__(self) -> None:
            super().__init__()
            self.e1 = nn.Sequential(block(3, 16, 2), block(16, 24, 2), block(24, 24))  # 48×64
            self.e2 = nn.Sequential(block(24, 48, 2), block(48, 48))  # 24×32
            self.e3 = nn.Sequential(block(48, 96, 2), block(96, 96))  # 12×16
            self.e4 = nn.Sequential(block(96, 128, 2), block(128, 128))  # 6×8
            self.d3 = block(128 + 96, 96)
            self.d2 = block(96 + 48, 48)
            self.d1 = nn.Sequential(block(48 + 24, 24), nn.Conv2d(24, 1, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            def up(t: torch.Tensor) -> torch.Tensor:
                return nn.functional.interpolate(t, scale_factor=2.0, mode="nearest")

            e1 = self.e1(x)
            e2 = self.e2(e1)
            e3 = self.e3(e2)
            d3 = self.d3(torch.cat([up(self.e4(e3)), e3], 1))
            d2 = self.d2(torch.cat([up(d3), e2], 1))
            return self.d1(torch.cat([up(d2), e1], 1))

    return PageNet()


def train(data: Path, epochs: int, out: Path, lr: float = 3e-3, resume: Path | None = None,
          val_share: float = 0.05) -> None:
    import torch

    torch.manual_seed(0)
    files = sorted(data.glob("*.npz"))
    parts = [np.load(f) for f in files]
    x = np.concatenate([p["x"] for p in parts])
    y = np.concatenate([p["y"] for p in parts])
    n_val = max(1, int(len(x) * val_share))
    xt, yt = torch.from_numpy(x[n_val:]), torch.from_numpy(y[n_val:])
    xv, yv = torch.from_numpy(x[:n_val]), torch.from_numpy(y[:n_val])
    print(f"{len(xt)} training frames, {len(xv)} for validation", flush=True)
    net = _net()
    if resume is not None:  # go on from weights saved by an earlier run
        net.load_state_dict(torch.load(resume))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    batch = 32
    steps = epochs * (len(xt) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    bce = torch.nn.BCEWithLogitsLoss()

    def prep(xb: torch.Tensor, yb: torch.Tensor, flip: bool):
        xb = xb.permute(0, 3, 1, 2).float() / 255.0
        yb = (yb.float() / 255.0)[:, None]
        if flip:  # mirror images are just as real frames
            if torch.rand(()) < 0.5:
                xb, yb = xb.flip(3), yb.flip(3)
            if torch.rand(()) < 0.5:
                xb, yb = xb.flip(2), yb.flip(2)
        return xb, yb

    def loss_fn(logits: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        p = torch.sigmoid(logits)
        inter = (p * yb).sum((1, 2, 3))
        dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + yb.sum((1, 2, 3)) + 1)
        return bce(logits, yb) + 0.5 * dice.mean()

    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(xt))
        total = 0.0
        for i in range(len(xt) // batch):
            idx = order[i * batch:(i + 1) * batch]
            xb, yb = prep(xt[idx], yt[idx], flip=True)
            loss = loss_fn(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        net.eval()
        with torch.no_grad():
            vl, err = 0.0, 0.0
            for i in range(0, len(xv), 64):
                xb, yb = prep(xv[i:i + 64], yv[i:i + 64], flip=False)
                logits = net(xb)
                vl += float(loss_fn(logits, yb)) * len(xb)
                err += float(((torch.sigmoid(logits) > 0.5).float() - (yb > 0.5).float())
                             .abs().mean((1, 2, 3)).sum())
        print(f"epoch {epoch + 1}/{epochs}: train {total / (len(xt) // batch):.4f}, "
              f"validation {vl / len(xv):.4f}, wrong cells {100 * err / len(xv):.2f} %",
              flush=True)
        torch.save(net.state_dict(), out.with_suffix(".pt"))
    export(net, out)


def export(net, out: Path) -> None:
    import torch

    net.eval()
    dummy = torch.zeros(1, 3, IN_H, IN_W)
    torch.onnx.export(net, dummy, str(out), input_names=["frame"], output_names=["page"],
                      opset_version=13, dynamo=False)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="step", required=True)
    d = sub.add_parser("data")
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--frames", type=int, default=30000)
    d.add_argument("--workers", type=int, default=2)
    d.add_argument("--small", type=float, default=0.1,
                   help="share of whole pages shrunk to 35-70 %% of their size")
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, required=True)
    t.add_argument("--epochs", type=int, default=8)
    t.add_argument("--lr", type=float, default=3e-3, help="the highest learning rate")
    t.add_argument("--resume", type=Path, help="weights (.pt) to start from")
    t.add_argument("--model", type=Path,
                   default=Path(__file__).resolve().parents[1] / "drivers/camera/page_net.onnx")
    args = ap.parse_args()
    if args.step == "data":
        make_data(args.out, args.frames, args.workers, args.small)
    else:
        train(args.data, args.epochs, args.model, args.lr, args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
