"""The kiosk's one configuration file (TOML), validated at start.

A real kiosk must set four keys (``REQUIRED``: its terminal id and hall, its receipt printer,
its platform); every other key has a default for real devices ("auto" finds the ID-card
reader, the other devices are "none"). Development (``--dev``, or ``KIOSK_DEV=1`` as the tests
set it) starts from ``DEV_DEFAULTS`` instead, a complete simulated kiosk, so an empty file (or
none) is valid there. A wrong value stops the start with a message that names the key and
what is allowed; unknown keys are errors too, because a misspelt key silently ignored is a
device that never works. The commented example is ``kiosk/kiosk.example.toml``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

APP_NAME = "gov-kiosk"
EXAMPLE_PATH = Path(__file__).with_name("kiosk.example.toml")

DEV_ENV = "KIOSK_DEV"
# What an empty configuration means in development: every device simulated (``sim/``) and
# the embedded reference platform (``central/``), both from the source tree.
DEV_DEFAULTS: dict[str, Any] = {
    "terminal": {"id": "SIM-0001", "hall_name": "模拟政务服务中心"},
    "devices": {name: {"port": "sim"}
                for name in ("idcard", "sscard", "printer", "a4printer", "camera")},
    "platform": {"url": "embedded"},
    "store": {"key_protection": "file"},  # a development kiosk's key need not be sealed
    "remote_help": {"enabled": True},  # the embedded platform serves the staff's call page
    # Staff mode's PIN on a development kiosk: 123456 (a real kiosk has none until set).
    "staff": {"pin_hash": "scrypt$16384$8$1$YU32eCbnRUJr6Pa67zcSFw==$"
                          "6dbHx4txVElAOYdpvvIl1QUJm/jV9tkpp+Kb2jZ9H7I="},
}
# Keys a real kiosk must set, and what each one is.
REQUIRED = {
    "terminal.id": "the terminal id registered with the platform",
    "terminal.hall_name": "the hall or station shown in the header and on tickets",
    "devices.printer.port": "the receipt printer, e.g. 192.168.1.50:9100 or /dev/ttyS1",
    "platform.url": "the platform's https:// address",
}

_SERIAL_RE = re.compile(r"^(sim|auto|/dev/\S+|COM\d+|serial://\S+)$")
_PRINTER_RE = re.compile(
    r"^(sim|(tcp://)?[\w.\-]+:\d{1,5}|/dev/\S+|serial://\S+|usb://[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\S*)$"
)
_A4_RE = re.compile(r"^(sim|none|[^\s@/#\\]+(@[\w.\-]+:\d{1,5})?)$")  # a CUPS queue[@server]
_CAMERA_RE = re.compile(r"^(sim|none|\d{1,2}|/dev/\S+|file:///\S+)$")
_URL_RE = re.compile(r"^(embedded|https?://[\w.\-]+(:\d{1,5})?(/\S*)?)$")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and what is allowed."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TerminalConfig(_Section):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9\-]{0,32}$")] = ""  # REQUIRED
    hall_name: Annotated[str, Field(max_length=40)] = ""  # REQUIRED
    mode: Literal["hall", "village"] = "hall"
    self_service_24h: bool = True
    orientation: Literal["landscape", "portrait"] = "landscape"
    fullscreen: bool = True
    language: Literal["zh_CN", "en"] = "zh_CN"
    idle_timeout: Annotated[int, Field(ge=15, le=600)] = 60
    idle_grace: Annotated[int, Field(ge=5, le=60)] = 15
    help_phone: Annotated[str, Field(max_length=20)] = ""
    # Where the hall's 智能文件柜 (pickup locker) stands; empty: the hall has none.
    pickup_cabinet: Annotated[str, Field(max_length=30)] = ""
    high_contrast: bool = False  # the hall's look: black on white, no grey text
    # A card holder this old is asked once whether they want 大字模式 (0: never asked).
    elder_offer_age: Annotated[int, Field(ge=0, le=120)] = 70


class IdCardConfig(_Section):
    port: str = "auto"
    baud: Literal[115200, 57600, 38400, 19200, 9600] = 115200
    photo_decoder: str = ""  # vendor WLT decoder library; empty: photos are not shown

    @field_validator("port")
    @classmethod
    def _port(cls, v: str) -> str:
        if not _SERIAL_RE.match(v):
            raise ValueError("must be 'sim', 'auto' or a serial port such as /dev/ttyUSB0")
        return v

    @field_validator("photo_decoder")
    @classmethod
    def _decoder(cls, v: str) -> str:
        if v and not (Path(v).is_absolute() and Path(v).is_file()):
            raise ValueError("must be empty or the absolute path of an existing library file")
        return v


class SsCardConfig(_Section):
    # "sim", "none" (no 社保卡 reader) or a part of the PC/SC reader's name.
    port: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[ -~]+$")] = "none"


class PrinterConfig(_Section):
    port: str = ""  # REQUIRED
    paper_width: Literal[58, 80] = 80
    profile: str = "standard"  # drivers/escpos/profiles.toml: encoding, cut, native QR
    roll_length_m: Annotated[int, Field(ge=5, le=500)] = 50  # for staff mode's paper estimate

    @field_validator("port")
    @classmethod
    def _port(cls, v: str) -> str:
        if v and not _PRINTER_RE.match(v):
            raise ValueError(
                "must be 'sim', host:port (e.g. 192.168.1.50:9100), "
                "a serial port such as /dev/ttyS1, serial:///dev/ttyUSB0?baud=19200 "
                "or usb://VID:PID (hex, e.g. usb://0416:5011)"
            )
        return v

    @field_validator("profile")
    @classmethod
    def _profile(cls, v: str) -> str:
        from drivers.escpos.profiles import profiles

        if v not in profiles():
            raise ValueError(f"must be one of {', '.join(profiles())}")
        return v


class A4PrinterConfig(_Section):
    # "sim" (a virtual CUPS printer), "none", or a CUPS queue; QUEUE@host:port for a queue
    # on another CUPS server.
    port: str = "none"

    @field_validator("port")
    @classmethod
    def _port(cls, v: str) -> str:
        if not _A4_RE.match(v):
            raise ValueError("must be 'sim', 'none', a CUPS queue name or QUEUE@host:port")
        return v


class CameraConfig(_Section):
    # "sim", "none", a camera index ("0"), a device path, or file:///FOLDER_OR_VIDEO
    port: str = "none"

    @field_validator("port")
    @classmethod
    def _port(cls, v: str) -> str:
        if not _CAMERA_RE.match(v):
            raise ValueError(
                "must be 'sim', 'none', a camera index such as 0, a device such as "
                "/dev/video0, or file:///path/to/folder-or-video"
            )
        return v


class DevicesConfig(_Section):
    idcard: IdCardConfig = IdCardConfig()
    printer: PrinterConfig = PrinterConfig()
    sscard: SsCardConfig = SsCardConfig()
    a4printer: A4PrinterConfig = A4PrinterConfig()
    camera: CameraConfig = CameraConfig()


class PlatformConfig(_Section):
    url: str = ""  # REQUIRED
    secret_file: str = ""  # empty: <data>/platform.secret
    ca_file: str = ""  # empty: the system's CAs
    sync_interval: Annotated[int, Field(ge=5, le=3600)] = 60
    heartbeat_interval: Annotated[int, Field(ge=10, le=3600)] = 60
    request_deadline: Annotated[int, Field(ge=1, le=600)] = 60
    chunk_kb: Annotated[int, Field(ge=16, le=8192)] = 2048  # the largest; sized to the link
    # http:// to a platform beyond this machine sends citizens' data in plain text: only
    # when this says so (a lab), and doctor warns about it.
    allow_insecure: bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not _URL_RE.match(v):
            raise ValueError("must be 'embedded' or an http(s):// URL")
        return v

    @model_validator(mode="after")
    def _plain_http(self) -> PlatformConfig:
        if insecure_url(self.url) and not self.allow_insecure:
            raise ValueError(f"url {self.url} is plain http:// to another machine: citizens' "
                             "data would cross the network unencrypted; use https:// (or, in "
                             "a lab only, set allow_insecure = true)")
        return self

    @property
    def insecure(self) -> bool:
        return insecure_url(self.url)


def insecure_url(url: str) -> bool:
    """http:// to anything but this machine."""
    if not url.startswith("http://"):
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True

    @field_validator("ca_file")
    @classmethod
    def _ca(cls, v: str) -> str:
        if v and not Path(v).is_file():
            raise ValueError("must be an existing PEM file with the CA(s) to trust")
        return v


class StoreConfig(_Section):
    cipher: Literal["sm4-gcm", "aes-gcm"] = "sm4-gcm"
    # How the outbox's key is kept: "auto" sealed by systemd-creds where it works, else a
    # 0600 file (doctor warns); "systemd-creds" or "file" to insist.
    key_protection: Literal["auto", "systemd-creds", "file"] = "auto"
    purge_after_hours: Annotated[int, Field(ge=1, le=8760)] = 72
    max_mb: Annotated[int, Field(ge=64)] = 4096
    min_free_mb: Annotated[int, Field(ge=0)] = 500


class QueueCategory(_Section):
    prefix: Annotated[str, Field(pattern=r"^[A-Z]$")]
    name_zh: Annotated[str, Field(min_length=1, max_length=12)]
    name_en: Annotated[str, Field(min_length=1, max_length=40)]


DEFAULT_CATEGORIES = (
    QueueCategory(prefix="A", name_zh="社保医保", name_en="Social insurance"),
    QueueCategory(prefix="B", name_zh="户籍证件", name_en="Household & ID"),
    QueueCategory(prefix="C", name_zh="不动产登记", name_en="Real estate"),
    QueueCategory(prefix="D", name_zh="企业开办", name_en="Starting a business"),
    QueueCategory(prefix="E", name_zh="公积金", name_en="Housing fund"),
    QueueCategory(prefix="F", name_zh="综合咨询", name_en="General enquiries"),
)


class QueueConfig(_Section):
    categories: tuple[QueueCategory, ...] = DEFAULT_CATEGORIES
    # Offline numbers are <letter><slot><sequence> (A1001…): one slot per kiosk of a hall.
    offline_slot: Annotated[int, Field(ge=1, le=9)] = 1
    # Printed as a QR on the ticket so the citizen can follow the queue on a phone.
    follow_url: Annotated[str, Field(pattern=r"^https?://\S+$")] = (
        "https://zwfw.example.gov.cn/queue?terminal={terminal}&date={date}&number={number}"
    )

    @field_validator("follow_url")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        try:
            v.format(terminal="T", date="2000-01-01", number="A001")
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                "may only use the placeholders {terminal}, {date} and {number}"
            ) from None
        return v

    @field_validator("categories")
    @classmethod
    def _unique(cls, v: tuple[QueueCategory, ...]) -> tuple[QueueCategory, ...]:
        if not v:
            raise ValueError("needs at least one category")
        prefixes = [c.prefix for c in v]
        if len(set(prefixes)) != len(prefixes):
            raise ValueError(f"prefixes must be unique, got {prefixes}")
        return v


class VoiceConfig(_Section):
    enabled: bool = True  # spoken prompts at all (espeak-ng); on by default in elder mode
    volume: Annotated[int, Field(ge=0, le=100)] = 60  # percent


class RemoteHelpConfig(_Section):
    # 远程咨询: the 视频咨询 button (kiosk/flows/video_help.py) and when the hall's staff
    # answer its calls (kiosk.hours.Hours).
    enabled: bool = False  # the hall's staff have the console's call page open in hours
    hours: tuple[Annotated[str, Field(pattern=r"^\d\d:\d\d-\d\d:\d\d$")], ...] = (
        "09:00-12:00", "13:30-17:30")
    weekdays: tuple[Annotated[int, Field(ge=1, le=7)], ...] = (1, 2, 3, 4, 5)  # 1 = Monday
    no_answer_after: Annotated[int, Field(ge=10, le=600)] = 60  # seconds, then a callback
    ice_servers: tuple[str, ...] = ()  # the hall's own STUN/TURN URLs; none: direct only
    # The kiosk's microphone: "pulse:default", "alsa:hw:1", "file:///…" (a recording);
    # empty: the call goes out silent (staff see and the citizen hears, not the other way).
    microphone: Annotated[str, Field(pattern=r"^((pulse|alsa):\S*|file:///\S+)?$")] = ""
    # What the staff see: "document" (the document camera: a form held up, a page laid
    # down) or a face camera of its own: an index ("1"), a device, file:///FOLDER_OR_VIDEO.
    camera: Annotated[str, Field(pattern=r"^(document|\d{1,2}|/dev/\S+|file:///\S+)$")] = (
        "document")


class HoursConfig(_Section):
    # When a (village) machine serves citizens (kiosk.opening); outside, a closed screen.
    # No [hours] section (or open = []): open round the clock, every day.
    open: tuple[Annotated[str, Field(pattern=r"^\d\d:\d\d-\d\d:\d\d$")], ...] = ()
    weekdays: tuple[Annotated[int, Field(ge=1, le=7)], ...] = (1, 2, 3, 4, 5, 6, 7)  # 1 = Mon

    @model_validator(mode="after")
    def _spans(self) -> HoursConfig:
        from kiosk.hours import Hours

        if not self.weekdays:
            raise ValueError("weekdays: at least one day (or leave [hours] out: always open)")
        Hours.parse(self.open, self.weekdays)  # ValueError: a span that ends before it starts
        return self


class DataConfig(_Section):
    dir: str = ""  # empty: the platform's per-user data folder

    @field_validator("dir")
    @classmethod
    def _absolute(cls, v: str) -> str:
        # A relative folder would depend on where the kiosk happens to be started from.
        if v and not Path(v).is_absolute():
            raise ValueError("must be an absolute path (or empty for the per-user folder)")
        return v


_SCRYPT_RE = r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"


class StaffConfig(_Section):
    # Written by `kiosk staff set-pin` / `kiosk staff add-card`: hashes only (kiosk.staff).
    pin_hash: Annotated[str, Field(pattern=f"({_SCRYPT_RE})|^$")] = ""
    card_hashes: tuple[Annotated[str, Field(pattern=_SCRYPT_RE)], ...] = ()
    idle_timeout: Annotated[int, Field(ge=10, le=1800)] = 120  # seconds untouched, then out
    # Where USB sticks are mounted (<root>/<user>/<label>): staff mode exports logs there.
    usb_roots: tuple[str, ...] = ("/media", "/run/media")
    allow_reboot: bool = True  # 重启设备 in staff mode and the platform's restart_machine


class KioskConfig(_Section):
    terminal: TerminalConfig = TerminalConfig()
    devices: DevicesConfig = DevicesConfig()
    platform: PlatformConfig = PlatformConfig()
    store: StoreConfig = StoreConfig()
    queue: QueueConfig = QueueConfig()
    voice: VoiceConfig = VoiceConfig()
    remote_help: RemoteHelpConfig = RemoteHelpConfig()
    hours: HoursConfig = HoursConfig()
    data: DataConfig = DataConfig()
    staff: StaffConfig = StaffConfig()

    @property
    def data_dir(self) -> Path:
        return Path(self.data.dir) if self.data.dir else platformdirs.user_data_path(APP_NAME)

    @property
    def uses_simulators(self) -> bool:
        dev = self.devices
        return "sim" in (dev.idcard.port, dev.printer.port, dev.sscard.port, dev.a4printer.port,
                         dev.camera.port)


def default_config_path() -> Path:
    return platformdirs.user_config_path(APP_NAME) / "kiosk.toml"


def _format_errors(err: ValidationError, source: str) -> str:
    lines = [f"configuration error in {source}:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (misspelt?)"
        shown = ("" if e["type"] == "extra_forbidden" or isinstance(e["input"], dict)
                 else f" (got {e['input']!r})")
        lines.append(f"  {key}: {msg}{shown}")
    return "\n".join(lines)


def dev_mode() -> bool:
    return os.environ.get(DEV_ENV) == "1"


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (_merged(base[key], value)
                    if isinstance(value, dict) and isinstance(base.get(key), dict) else value)
    return out


def parse_config(text: str, source: str = "<string>", dev: bool | None = None) -> KioskConfig:
    """The configuration in ``text``; ``dev`` (default: ``KIOSK_DEV=1``) fills what it leaves
    out from ``DEV_DEFAULTS``, otherwise the ``REQUIRED`` keys must be in it."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"configuration error in {source}: not valid TOML: {e}") from None
    if dev_mode() if dev is None else dev:
        raw = _merged(DEV_DEFAULTS, raw)
    try:
        config = KioskConfig.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_format_errors(e, source)) from None
    unset = [key for key in REQUIRED if not _value(config, key)]
    if unset:
        raise ConfigError("\n".join([
            f"configuration error in {source}:",
            *(f"  {key}: not set ({REQUIRED[key]})" for key in unset),
            "  (`kiosk config example` shows every key; `kiosk --dev` runs a simulated kiosk)",
        ]))
    return config


def _value(config: KioskConfig, key: str) -> Any:
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


def load_config(path: str | os.PathLike[str] | None = None,
                dev: bool | None = None) -> KioskConfig:
    """Load the config from ``path``, ``$KIOSK_CONFIG`` or the default place.

    A path that was asked for explicitly must exist; the default path may be absent, which
    is the empty configuration (complete in development, see ``parse_config``).
    """
    explicit = path or os.environ.get("KIOSK_CONFIG")
    p = Path(explicit) if explicit else default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(f"configuration file not found: {p}")
        return parse_config("", f"{p} (absent)", dev)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise ConfigError(f"configuration error in {p}: not UTF-8 text (byte 0x{raw[e.start]:02x} "
                          f"on line {line}); save the file as UTF-8") from None
    return parse_config(text, str(p), dev)
