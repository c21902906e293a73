"""The simulated devices, for development and tests: each speaks its device's real bytes on a
real transport. Part of the source tree, not of the installed kiosk (kiosk/devtree.py)."""
