"""Subcommands of ``kiosk`` contributed by each part of the product (see ``kiosk.cli``)."""
