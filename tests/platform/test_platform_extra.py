"""The reference platform's web stack (fastapi, uvicorn) is the optional extra ``platform``:
without it a kiosk configured for the embedded platform stops with one line naming the
extra, and whatever does not run the platform never imports it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kiosk.config import ConfigError
from kiosk.link import PlatformNotInstalled, platform_server_class

# Run in a child: fastapi and uvicorn made unimportable, as if the extra were not installed.
WITHOUT_EXTRA = """
import sys
sys.modules["fastapi"] = sys.modules["uvicorn"] = None
from kiosk.cli import main
sys.exit(main(sys.argv[1:]))
"""
# Run in a child: the command, then say whether it imported the web stack.
IMPORTS = """
import sys
from kiosk.cli import main
code = main(sys.argv[1:])
print(sorted(m for m in ("fastapi", "uvicorn", "starlette") if m in sys.modules))
sys.exit(code)
"""


def config_file(tmp_path, extra: str = "") -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[data]\ndir = "{tmp_path.as_posix()}"\n{extra}', encoding="utf-8")
    (tmp_path / "platform.secret").write_text("ab" * 32)  # an enrolled kiosk
    return str(path)


def child(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, timeout=90, env=env)


@pytest.fixture
def extra_missing(monkeypatch):
    for name in ("central.server", "central.app"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    for name in ("fastapi", "uvicorn"):
        monkeypatch.setitem(sys.modules, name, None)  # `import fastapi` now fails


def test_without_the_extra_the_server_is_a_config_error_naming_it(extra_missing):
    with pytest.raises(PlatformNotInstalled) as e:
        platform_server_class()
    assert isinstance(e.value, ConfigError)
    assert 'pip install "kiosk[platform]"' in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("command", [["run", "--screenshot", "home.png"], ["doctor"],
                                     ["platform", "serve", "--port", "0"]])
def test_the_kiosk_stops_with_one_line_naming_the_extra(tmp_path, command):
    out = child(WITHOUT_EXTRA, "--config", config_file(tmp_path), *command)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and 'platform.url = "embedded"' in lines[0], out.stderr
    assert 'pip install "kiosk[platform]"' in lines[0]
    assert not (tmp_path / "home.png").exists()


def test_a_kiosk_on_a_real_platform_needs_no_extra(tmp_path):
    cfg = config_file(tmp_path, '[platform]\nurl = "http://127.0.0.1:9"\n')
    out = child(WITHOUT_EXTRA, "--config", cfg, "doctor", "--wait", "3")
    assert "kiosk[platform]" not in out.stderr
    assert "outbox" in out.stdout, out.stderr


@pytest.mark.parametrize("command", [["config", "check"], ["doctor", "--wait", "3"],
                                     ["sync", "status"]])
def test_commands_that_do_not_run_the_platform_do_not_import_it(tmp_path, command):
    cfg = config_file(tmp_path, '[platform]\nurl = "http://127.0.0.1:9"\n')
    out = child(IMPORTS, "--config", cfg, *command)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
