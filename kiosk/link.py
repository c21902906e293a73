"""How a kiosk reaches its platform, built from the configuration.

With ``[platform] url = "embedded"`` (the default) the reference platform runs inside the
kiosk on a free loopback port, its data under ``<data>/platform/``, and the sync client
reaches it through a proxy the simulated network can cut, so ``断开网络`` in the simulator
panel is a real cut. With an http(s) URL the client talks to that platform directly.
The outbox, the client and the sync engine are made here for the kiosk and for the CLI.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, KioskConfig
from kiosk.devtree import dev_import
from offline_cache import keystore
from offline_cache.client import PlatformClient
from offline_cache.crypto import Sealer, load_or_create_key
from offline_cache.outbox import CaseOutbox
from offline_cache.signing import load_or_create_secret
from offline_cache.sync import SyncEngine, SyncSettings

log = logging.getLogger(__name__)
KEY_LOST = "local key lost"


def platform_db(config: KioskConfig) -> Path:
    """Where the embedded platform (and, by default, ``kiosk platform serve``) keeps data."""
    return config.data_dir / "platform" / "platform.sqlite3"


class SecretMissing(ConfigError):
    """A kiosk for a real platform has no terminal secret: it must be enrolled."""


def secret_path(config: KioskConfig) -> Path:
    return Path(config.platform.secret_file or config.data_dir / "platform.secret")


def terminal_secret(config: KioskConfig, create: bool = False) -> bytes:
    """The secret this terminal shares with its platform. Made here only for the embedded
    platform (both ends in this process) or when asked (``create``: ``kiosk platform
    serve`` for its own terminal); for any other platform a missing one is an error that
    says how to enrol, never a new secret the platform knows nothing of. Kept like the
    store key (``store.key_protection``): sealed by systemd-creds as ``<file>.cred``
    where that works (a plain file found is sealed and removed), else the 0600 file."""
    path = secret_path(config)
    cred = keystore.cred_path(path)
    if cred.exists():
        return _unsealed_secret(cred, cred.stat().st_mtime_ns)
    if not path.exists():
        if not (create or config.platform.url == "embedded"):
            raise SecretMissing(
                f"no terminal secret at {path}: enrol this kiosk with `kiosk enroll "
                f"PLATFORM-URL TOKEN` (a one-time token from the platform: `kiosk platform "
                f"terminal add {config.terminal.id}`)")
        log.warning("no terminal secret at %s: a new one is made", path)
    secret = load_or_create_secret(path)
    if keystore.wanted(config.store.key_protection):
        keystore.seal(secret.hex().encode(), cred, keystore.SECRET_CRED_NAME)
        path.unlink()
        log.warning("terminal secret %s sealed with systemd-creds into %s", path, cred.name)
    return secret


@functools.lru_cache(maxsize=4)
def _unsealed_secret(cred: Path, mtime_ns: int) -> bytes:
    """Unsealed once per file version (every client of the process asks for it)."""
    return bytes.fromhex(keystore.unseal(cred, keystore.SECRET_CRED_NAME).decode().strip())


def outbox_dir(config: KioskConfig) -> Path:
    return config.data_dir / "outbox"


def store_key_path(config: KioskConfig) -> Path:
    """The outbox's master key: this file, or sealed by the OS as ``<this>.cred``."""
    return config.data_dir / "store.key"


def open_outbox(config: KioskConfig, durable: bool = True) -> CaseOutbox:
    """The outbox, under the terminal's key. A key that is missing (or not the one the
    outbox was sealed with) is never replaced quietly: the records it sealed that are not
    yet confirmed go to rejected, "local key lost", for staff to see."""
    st = config.store
    folder = outbox_dir(config)
    path = store_key_path(config)
    made = not (path.exists() or keystore.cred_path(path).exists())
    key = load_or_create_key(path, st.key_protection)
    outbox = CaseOutbox(folder, Sealer(key, st.cipher), durable=durable,
                        max_bytes=st.max_mb << 20, min_free_bytes=st.min_free_mb << 20)
    if not outbox.key_matches() or made:
        lost = outbox.reject_unreadable(KEY_LOST)
        if lost:
            log.error("the outbox was sealed under another key (lost or replaced): %d "
                      "record(s) not yet sent cannot be opened: set to rejected (%s)",
                      lost, KEY_LOST)
    return outbox


@dataclass
class PlatformLink:
    """The platform's address as the sync client sees it, and what runs it if embedded."""

    url: str
    server: Any = None  # PlatformServer when embedded
    proxy: Any = None  # FaultProxy when embedded: the cuttable link

    def set_up(self, up: bool) -> None:
        if self.proxy is not None:
            self.proxy.set_up(up)

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        if self.server is not None:
            self.server.stop()


class PlatformNotInstalled(ConfigError):
    """``platform.url = "embedded"`` but the server's web stack (the extra ``platform``)
    is not installed."""


_OWN_PACKAGES = {"kiosk", "offline_cache", "drivers", "screens", "printer_templates", "sim",
                 "central"}
_EMBEDDED = 'the embedded platform (platform.url = "embedded")'


def platform_server_class() -> type:
    """The reference platform's server (``central/``, in the source tree only), imported
    only when it is to run: its web stack (fastapi, uvicorn) is the optional extra
    ``platform``; nothing else of the kiosk or of its CLI imports it."""
    try:
        server = dev_import("central.server", _EMBEDDED)
    except ModuleNotFoundError as e:
        if (e.name or "").partition(".")[0] in _OWN_PACKAGES:
            raise  # a bug, not a missing extra
        raise PlatformNotInstalled(
            f'platform.url = "embedded" runs the reference platform, which is not installed '
            f'(no module {e.name!r}): install the extra with pip install "kiosk[platform]", '
            f"or set platform.url to the platform's address") from e
    return server.PlatformServer


def connect_platform(config: KioskConfig) -> PlatformLink:
    if config.platform.url != "embedded":
        return PlatformLink(config.platform.url)
    # The embedded platform keeps citizens' data no longer than the kiosk's outbox does.
    server = platform_server_class()(
        platform_db(config), retention=config.store.purge_after_hours * 3600.0,
        key_protection=config.store.key_protection).start()
    server.store.register_terminal(config.terminal.id, terminal_secret(config))
    proxy = dev_import("central.faultproxy", _EMBEDDED).FaultProxy(server.host, server.port)
    return PlatformLink(proxy.start().url, server, proxy)


CITIZEN_DEADLINE = 10.0  # seconds a citizen at the screen waits for the platform's answer


def citizen_client(config: KioskConfig, url: str) -> PlatformClient:
    """A client for what a citizen waits for at the screen (certificates, 进度查询): the
    request deadline no longer than they can wait."""
    return PlatformClient(url, config.terminal.id, terminal_secret(config),
                          ca_file=config.platform.ca_file,
                          deadline=min(CITIZEN_DEADLINE, config.platform.request_deadline))


def kiosk_version() -> str:
    try:
        return version("kiosk")
    except PackageNotFoundError:
        return "0"


def build_engine(config: KioskConfig, url: str,
                 telemetry: Callable[[], dict[str, Any]] | None = None) -> SyncEngine:
    p = config.platform
    client = PlatformClient(url, config.terminal.id, terminal_secret(config),
                            ca_file=p.ca_file, deadline=p.request_deadline)
    settings = SyncSettings(interval=p.sync_interval, heartbeat_interval=p.heartbeat_interval,
                            chunk_size=p.chunk_kb << 10,
                            purge_after=config.store.purge_after_hours * 3600.0)
    # The worker's own connection need not fsync its state marks (see offline_cache.sqlite).
    return SyncEngine(open_outbox(config, durable=False), client,
                      outbox_dir(config) / "sync.lock", settings=settings,
                      version=kiosk_version(), telemetry=telemetry)


def device_telemetry(workers: dict[str, Any]) -> dict[str, Any]:
    """Device states and consumables for the heartbeat, from the device workers."""
    devices = {name: {"state": str(w.status.state), "code": w.status.code}
               for name, w in workers.items()}
    consumables = {}
    printer = workers.get("printer")
    if printer is not None:
        st = printer.status
        paper = "out" if st.code == "printer.paper_out" else st.details.get("paper", "unknown")
        consumables["receipt_paper"] = paper if paper in ("ok", "near_end", "out") else "unknown"
    return {"devices": devices, "consumables": consumables}
