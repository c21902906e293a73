"""The services, one module each. Each defines a ``kiosk.flow.Flow`` subclass, which
registers it; ``kiosk.flow.load_flows`` imports every module here."""
