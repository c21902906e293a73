"""A kiosk runs all day: device events cross threads as Qt signals thousands of times an hour.

PySide6 6.12.0 dropped a reference to ``True`` on every ``Signal.emit()`` and the process
aborted after about a thousand emits. This runs the kiosk's own bridge in a child process so
a broken Qt binding fails this test instead of killing the test run.
"""

import os
import subprocess
import sys

_CHILD = """
import sys
from PySide6.QtCore import QCoreApplication
from kiosk.app import DeviceBridge
app = QCoreApplication([])
bridge = DeviceBridge()
bridge.event.connect(lambda *a: None)
before = sys.getrefcount(True)
for i in range(20_000):
    bridge.event.emit("idcard", "status", None)
print(sys.getrefcount(True) - before)
"""


def test_twenty_thousand_device_events_leave_the_interpreter_intact():
    r = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                       timeout=120, env={"QT_QPA_PLATFORM": "offscreen", **os.environ})
    assert r.returncode == 0, f"the process died: {r.stderr[-500:]}"
    assert abs(int(r.stdout.strip())) < 100
