"""The reference central platform (FastAPI), its fault proxy and soak tool: what the kiosk
talks to in development and tests. Part of the source tree, not of the installed kiosk."""
