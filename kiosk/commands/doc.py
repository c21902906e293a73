"""``kiosk doc``: the document camera's page pipeline on image files, for technicians.

    kiosk doc cameras
    kiosk doc detect IMAGE [--json]
    kiosk doc scan IMAGE... -o OUT.pdf [--mode document|photo] [--jpeg-dir DIR] [--id-copy]

``cameras`` lists the video capture devices (what ``[devices.camera] port`` can name).

``detect`` prints the page's corners (top-left, top-right, bottom-right, bottom-left) and a
confidence, or says there is no page, or that it runs off the picture; exit 0 only when a
page was found. ``scan`` runs every quality gate on each image and writes the pages that
pass into one PDF (and JPEGs); ``--id-copy`` puts two images (front, back of an ID card) on
one A4 page, the 身份证复印件. Exit 0 when every image became a page, 1 when some were
rejected (each is listed with its code), 2 when nothing could be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from kiosk.config import KioskConfig

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    doc = sub.add_parser("doc", help="document camera pipeline on image files")
    doc_sub = doc.add_subparsers(dest="doc_command")
    doc_sub.add_parser("cameras", help="list the cameras").set_defaults(handler=cmd_cameras)
    det = doc_sub.add_parser("detect", help="find the page in an image")
    det.add_argument("image", type=Path)
    det.add_argument("--json", action="store_true", help="machine-readable output")
    det.set_defaults(handler=cmd_detect)
    scan = doc_sub.add_parser("scan", help="images → checked, straightened pages in one PDF")
    scan.add_argument("images", type=Path, nargs="+")
    scan.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    scan.add_argument("--mode", choices=("document", "photo"), default="document")
    scan.add_argument("--jpeg-dir", type=Path, help="also write each page as a JPEG here")
    scan.add_argument("--id-copy", action="store_true",
                      help="two images, front and back of an ID card, on one A4 page")
    scan.set_defaults(handler=cmd_scan)


def _read(path: Path) -> np.ndarray | None:
    data = np.fromfile(path, np.uint8) if path.is_file() else np.empty(0, np.uint8)
    return cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None


def cmd_cameras(_args: argparse.Namespace, _config: KioskConfig) -> int:
    from drivers.camera.uvc import enumerate_cameras

    cameras = enumerate_cameras()
    for cam in cameras:
        print(f"{cam.index}  {cam.path}  {cam.name}")
    if not cameras:
        print("no camera found")
    return EXIT_OK if cameras else EXIT_REJECTED


def cmd_detect(args: argparse.Namespace, _config: KioskConfig) -> int:
    from drivers.camera.detect import detect_page

    image = _read(args.image)
    if image is None:
        print(f"cannot read image: {args.image}", file=sys.stderr)
        return EXIT_FAILED
    det = detect_page(image)
    quad = None if det.quad is None else [[round(float(x), 1), round(float(y), 1)]
                                          for x, y in det.quad]
    reason = "cut_off" if det.cut_off else ("" if quad else "no_page")
    if args.json:
        out: dict[str, object] = {"quad": quad, "confidence": round(det.confidence, 3)}
        if reason:
            out["reason"] = reason
        print(json.dumps(out))
    elif quad:
        corners = ", ".join(f"{n} ({x:.0f}, {y:.0f})" for n, (x, y)
                            in zip(("TL", "TR", "BR", "BL"), quad, strict=True))
        print(f"page found: {corners}; confidence {det.confidence:.2f}")
    elif det.cut_off:
        print("page partly out of view: it runs off the edge of the picture")
    else:
        print("no page found")
    return EXIT_OK if quad else EXIT_REJECTED


def cmd_scan(args: argparse.Namespace, _config: KioskConfig) -> int:
    from drivers.camera.output import encode_jpeg, id_copy_page, pages_pdf
    from drivers.camera.scan import scan_frame

    if args.id_copy and len(args.images) != 2:
        print("--id-copy takes exactly two images: front and back", file=sys.stderr)
        return EXIT_FAILED
    pages, hashes, rejected = [], [], 0
    for path in args.images:
        image = _read(path)
        if image is None:
            print(f"{path}: cannot read image", file=sys.stderr)
            rejected += 1
            continue
        result = scan_frame(image, args.mode, hashes)
        if result.page is None:
            print(f"{path}: rejected [{result.verdict.code}] {result.verdict.detail}",
                  file=sys.stderr)
            rejected += 1
            continue
        hashes.append(result.page.phash)
        pages.append(result.page)
        print(f"{path}: page {len(pages)} ({result.page.format}, "
              f"{result.page.size[0]}×{result.page.size[1]})")
    if args.id_copy:
        if len(pages) != 2:
            print("an ID-card copy needs both sides", file=sys.stderr)
            return EXIT_FAILED
        jpegs = [encode_jpeg(id_copy_page(pages[0].image, pages[1].image), 200)]
    else:
        jpegs = [p.jpeg for p in pages]
    if not jpegs:
        print("no page to write", file=sys.stderr)
        return EXIT_FAILED
    args.output.write_bytes(pages_pdf(jpegs))
    if args.jpeg_dir:
        args.jpeg_dir.mkdir(parents=True, exist_ok=True)
        for i, jpeg in enumerate(jpegs, 1):
            (args.jpeg_dir / f"page-{i:03d}.jpg").write_bytes(jpeg)
    print(f"wrote {args.output} ({len(jpegs)} page{'s' if len(jpegs) > 1 else ''})")
    return EXIT_REJECTED if rejected else EXIT_OK
