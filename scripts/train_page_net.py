"""Train the page detector's networks: the page network (``drivers/camera/page_net.onnx``)
and the edge-band network (``drivers/camera/edge_band.onnx``).

    .venv/bin/python scripts/train_page_net.py data --out DIR [--frames 30000]
    TORCH_PYTHON scripts/train_page_net.py train --data DIR [--epochs 8]
    .venv/bin/python scripts/train_page_net.py band-data --out DIR [--frames 14000]
    TORCH_PYTHON scripts/train_page_net.py band-train --data DIR [--epochs 30]

Step one renders frames with ``sim.scene`` (the same generator as ``bench/bench_camera.py``)
from its own seeds, never the benchmark's tuning (2015) or held-out (4242) seeds nor the
ones they derive (+1 cut-off, +2 speed, +3 empty desks), and stores each frame at the
network's input size with the share of every output cell the page covers (a page running
off the frame is covered up to the frame's edge; an empty desk covers nothing).

The edge-band network's frames put the page near one edge (from 6 % beyond it to 5 %
inside) and keep the bands along the frame's edges as the detector reads them (where the
page network's region reaches an edge), each column's target the rows the true page
covers (``_band_frames``).

Training needs PyTorch, which the kiosk does not: run it with a Python that has
``torch==2.13.0`` (CPU). It trains the networks below and exports them to ONNX; the kiosk runs
them with OpenCV's own DNN module (``drivers/camera/page_net.py``), so no new runtime
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


BAND_FIRST_SEED = 3_000_000  # the edge-band network's frames
BAND_SIZES = ((1296, 972), (1296, 972), (1280, 720), (1600, 1200))


def _gap(scene, edge: int, size: tuple[int, int]) -> float:
    """How far the page's nearest corner lies inside ``edge`` (negative: beyond it), as a
    share of the frame's shorter side."""
    from drivers.camera import edge_band
    from sim.scene import page_quad

    q = page_quad(scene, size)
    w, h = size
    inside = {edge_band.TOP: q[:, 1].min(), edge_band.BOTTOM: h - q[:, 1].max(),
              edge_band.LEFT: q[:, 0].min(), edge_band.RIGHT: w - q[:, 0].max()}[edge]
    return float(inside) / min(w, h)


def _slid(scene, edge: int, gap: float, size: tuple[int, int]):
    """The scene with its page moved across ``edge`` until its nearest corner lies ``gap``
    inside it (secant steps on the page's centre)."""
    from drivers.camera import edge_band

    axis = "cy" if edge in (edge_band.TOP, edge_band.BOTTOM) else "cx"
    sign = -1.0 if edge in (edge_band.TOP, edge_band.LEFT) else 1.0
    step = 0.0
    for _ in range(6):
        now = _gap(scene, edge, size)
        err = now - gap
        if abs(err) < 5e-4:
            break
        probe = replace(scene, pose=replace(scene.pose, **{axis: getattr(scene.pose, axis)
                                                           + sign * 0.01}))
        slope = (_gap(probe, edge, size) - now) / 0.01
        step = -err / slope if abs(slope) > 1e-6 else 0.0
        scene = replace(scene, pose=replace(scene.pose, **{axis: getattr(scene.pose, axis)
                                                           + sign * step}))
    return scene


def _band_frames(chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Bands along the frame's edges of frames whose page lies near one edge (from 6 %
    beyond it to 5 % inside), as the detector cuts them: along every edge the page
    network's region reaches, and along the edge the page was moved to. Targets: how deep
    the true page reaches in each column."""
    from drivers.camera import edge_band
    from drivers.camera.detect import _page_region, edges_touched, fine_cover
    from sim.scene import random_scene, render

    rng = np.random.default_rng(BAND_FIRST_SEED + chunk)
    xs, ys = [], []
    for _ in range(CHUNK // 5):
        size = BAND_SIZES[int(rng.integers(len(BAND_SIZES)))]
        edge = int(rng.integers(4))
        gap = rng.uniform(-0.06, 0.05)
        scene = _slid(random_scene(rng), edge, gap, size)
        frame, quad = render(scene, size)
        mask = np.zeros(frame.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(quad * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        found = _page_region(fine_cover(frame))
        spans = edges_touched(found[0], frame.shape) if found is not None else []
        if edge not in [s[0] for s in spans]:
            length = size[0] if edge in (edge_band.TOP, edge_band.BOTTOM) else size[1]
            seen = edge_band.band(mask[..., None], edge, 0, length)
            cols = np.flatnonzero(seen.max(axis=0) > 0)
            if len(cols):
                jitter = rng.uniform(0.0, 0.05, 2) * length
                lo = int(max(0, cols[0] / edge_band.BAND_W * length - jitter[0]))
                hi = int(min(length, (cols[-1] + 1) / edge_band.BAND_W * length + jitter[1]))
                spans.append((edge, lo, hi))
        for e, lo, hi in spans:
            if hi - lo < 16:
                continue
            xs.append(edge_band.band(frame, e, lo, hi))
            m = edge_band.band(mask[..., None], e, lo, hi)
            m = cv2.resize(m, (edge_band.COLS, edge_band.BAND_H), interpolation=cv2.INTER_AREA)
            covered = m > 127
            rows = np.arange(1, edge_band.BAND_H + 1)[:, None] * covered
            ys.append((rows.max(axis=0) / edge_band.BAND_H).astype(np.float16))
    return np.array(xs, np.uint8), np.array(ys, np.float16)


def make_band_data(out: Path, frames: int, workers: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    chunks = [c for c in range(frames // (CHUNK // 5))
              if not (out / f"{c:04d}.npz").exists()]
    with Pool(workers) as pool:
        for c, (xs, ys) in zip(chunks, pool.imap(_band_frames, chunks), strict=True):
            np.savez(out / f"{c:04d}.npz", x=xs, y=ys)
            print(f"band chunk {c} done ({len(xs)} bands)", flush=True)


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


def _one_pass(net, opt, sched, n: int, batch: int, loss_of) -> float:
    """One pass over ``n`` training items in a random order, ``loss_of(indices)`` giving a
    batch's loss; the mean loss."""
    import torch

    net.train()
    order = torch.randperm(n)
    total = 0.0
    for i in range(n // batch):
        loss = loss_of(order[i * batch:(i + 1) * batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        total += loss.item()
    return total / (n // batch)


def _band_net():
    import torch
    from torch import nn

    from drivers.camera.edge_band import BAND_H

    def block(cin: int, cout: int, stride=1) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    class BandNet(nn.Module):
        """40×320 band → for each of 80 columns, logits of how many of its 40 rows the
        page covers from the inside (0..40; 40: to the frame's edge): down to 5×80, the
        band's depth read whole by one convolution, then along the band."""

        def __init__(self) -> None:
            super().__init__()
            self.down = nn.Sequential(block(3, 16, 2), block(16, 32, 2), block(32, 32),
                                      block(32, 64, (2, 1)), block(64, 64))
            self.across = nn.Sequential(nn.Conv2d(64, 64, (5, 1), bias=False),
                                        nn.BatchNorm2d(64), nn.ReLU(inplace=True))
            # along the band, wider and wider (a page's end is one straight line across it)
            self.along = nn.Sequential(*(layer for dil in (1, 3, 9) for layer in (
                nn.Conv2d(64, 64, (1, 5), 1, (0, 2 * dil), (1, dil), bias=False),
                nn.BatchNorm2d(64), nn.ReLU(inplace=True))), nn.Conv2d(64, BAND_H + 1, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.along(self.across(self.down(x)))[:, :, 0]

    return BandNet()


def train_band(data: Path, epochs: int, out: Path, lr: float = 3e-3) -> None:
    import torch

    from drivers.camera.detect import _RUNS_OFF
    from drivers.camera.edge_band import BAND_H, BAND_W, prepare, read_out

    torch.manual_seed(0)
    parts = [np.load(f) for f in sorted(data.glob("*.npz"))]
    x = np.concatenate([p["x"] for p in parts if len(p["x"])])
    y = np.concatenate([p["y"] for p in parts if len(p["y"])]).astype(np.float32)
    y = np.round(y * BAND_H).astype(np.int64)  # rows covered, 0..BAND_H
    n_val = max(1, len(x) // 20)
    xt, yt = torch.from_numpy(prepare(x[n_val:])), torch.from_numpy(y[n_val:])
    xv, yv = torch.from_numpy(prepare(x[:n_val])), torch.from_numpy(y[:n_val])
    print(f"{len(xt)} training bands, {len(xv)} for validation", flush=True)
    net = _band_net()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    batch = 64
    steps = epochs * (len(xt) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    ce = torch.nn.CrossEntropyLoss()

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        xb, yb = xt[idx], yt[idx]
        if torch.rand(()) < 0.5:  # a band read the other way along is just as real
            xb, yb = xb.flip(3), yb.flip(1)
        xb = xb * torch.empty(len(xb), 1, 1, 1).uniform_(0.8, 1.25)
        return ce(net(xb), yb)

    for epoch in range(epochs):
        total = _one_pass(net, opt, sched, len(xt), batch, loss_of)
        net.eval()
        with torch.no_grad():
            logits = torch.cat([net(xv[i:i + 256]) for i in range(0, len(xv), 256)])
        depth, off = (torch.from_numpy(a) for a in read_out(logits.numpy()))
        off_true = (yv == BAND_H).any(1)
        off_said = (off > _RUNS_OFF).any(1)
        inner = (yv > 0) & (yv < BAND_H)
        err = (depth * BAND_H - yv)[inner].abs()
        print(f"epoch {epoch + 1}/{epochs}: train {total:.4f}, "
              f"runs off: {int((off_said & off_true).sum())}/{int(off_true.sum())} said, "
              f"{int((off_said & ~off_true).sum())}/{int((~off_true).sum())} wrongly; "
              f"page's end median error {float(err.median()):.2f} px", flush=True)
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 3, BAND_H, BAND_W), str(out), input_names=["band"],
                      output_names=["depth"], opset_version=13, dynamo=False)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


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

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        xb, yb = prep(xt[idx], yt[idx], flip=True)
        return loss_fn(net(xb), yb)

    for epoch in range(epochs):
        total = _one_pass(net, opt, sched, len(xt), batch, loss_of)
        net.eval()
        with torch.no_grad():
            vl, err = 0.0, 0.0
            for i in range(0, len(xv), 64):
                xb, yb = prep(xv[i:i + 64], yv[i:i + 64], flip=False)
                logits = net(xb)
                vl += float(loss_fn(logits, yb)) * len(xb)
                err += float(((torch.sigmoid(logits) > 0.5).float() - (yb > 0.5).float())
                             .abs().mean((1, 2, 3)).sum())
        print(f"epoch {epoch + 1}/{epochs}: train {total:.4f}, "
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
    bd = sub.add_parser("band-data")
    bd.add_argument("--out", type=Path, required=True)
    bd.add_argument("--frames", type=int, default=14000)
    bd.add_argument("--workers", type=int, default=2)
    bt = sub.add_parser("band-train")
    bt.add_argument("--data", type=Path, required=True)
    bt.add_argument("--epochs", type=int, default=30)
    bt.add_argument("--model", type=Path,
                    default=Path(__file__).resolve().parents[1] / "drivers/camera/edge_band.onnx")
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
    elif args.step == "band-data":
        make_band_data(args.out, args.frames, args.workers)
    elif args.step == "band-train":
        train_band(args.data, args.epochs, args.model)
    else:
        train(args.data, args.epochs, args.model, args.lr, args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
