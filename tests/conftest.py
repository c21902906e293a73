import os

# Qt must never look for a screen in tests (CI has none); set before Qt is imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
