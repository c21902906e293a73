"""The thermal receipt printer (ESC/POS): byte values (spec), status parsing (status),
transports (transport), the driver (printer), the renderer (render, fonts) and a virtual
printer that prints to PNG (virtual)."""
