"""The simulators (sim/) and the reference platform (central/) are the source tree's, not the
product's: the wheel leaves them out, and a kiosk without them that is configured to use them
says what to configure instead."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run in a child: the source tree's packages made unimportable, as in a production install.
WITHOUT_TREE = """
import sys
sys.modules["sim"] = sys.modules["central"] = None
from kiosk.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_wheel_carries_the_product_and_no_simulator_or_platform(tmp_path):
    # Built from a copy: setuptools leaves its build/ folder beside the sources.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "out"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("kiosk-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {"kiosk", "drivers", "screens", "printer_templates", "offline_cache"} <= tops
    assert not tops & {"sim", "central", "tests", "bench", "scripts"}


@pytest.mark.parametrize(("device", "url", "what"), [
    ("sim", "https://p.example", "a simulated device"),
    ("10.0.0.9:1", "embedded", "the embedded platform"),
])
def test_asking_for_the_tree_without_it_is_one_clear_line(tmp_path, device, url, what):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[data]\ndir = "{tmp_path.as_posix()}"\n[terminal]\nid = "T-1"\n'
                      f'hall_name = "某中心"\n[devices.printer]\nport = "{device}"\n'
                      f'[platform]\nurl = "{url}"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", WITHOUT_TREE, "--config", str(config),
                           "doctor", "--wait", "0"], capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM":
                                            "offscreen"}, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert what in done.stderr and "source tree" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
