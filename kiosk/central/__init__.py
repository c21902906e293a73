"""The reference central platform: the terminal API of ``docs/platform-openapi.yaml``.

A real server (FastAPI on uvicorn, SQLite and files on disk) for development, for the
kiosk's embedded default (``[platform] url = "embedded"``) and for tests, plus the fault
proxy the sync tests put between kiosk and platform. It lives inside ``kiosk/`` rather than
at the top level because the product's layout fixes the top-level folders, and it is
called ``central`` because a package named ``platform`` would shadow the standard library.
"""
