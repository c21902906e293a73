"""The thermal receipt printer (ESC/POS): byte values (spec), model profiles (profiles),
status parsing (status), transports (transport; usb), the driver (printer), the renderer
(render, fonts, raster) and a virtual printer that prints to PNG (virtual)."""
