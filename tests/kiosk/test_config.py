import pytest
from pydantic import BaseModel

from kiosk.cli import main
from kiosk.config import (
    EXAMPLE_PATH,
    REQUIRED,
    ConfigError,
    KioskConfig,
    load_config,
    parse_config,
)


def _keys(model: BaseModel, prefix: str = "") -> set[str]:
    out = set()
    for name, value in model:
        key = f"{prefix}{name}"
        out |= _keys(value, f"{key}.") if isinstance(value, BaseModel) else {key}
    return out


def test_example_file_is_a_real_kiosk_that_documents_every_key_and_default():
    text = EXAMPLE_PATH.read_text(encoding="utf-8")
    example = parse_config(text, dev=False)
    assert not example.uses_simulators
    defaults = KioskConfig()
    for key in _keys(defaults):
        got, default = example, defaults
        for part in key.split("."):
            got, default = getattr(got, part), getattr(default, part)
        assert got == default or key in REQUIRED, key  # beside the examples of REQUIRED keys
    assert text.count("REQUIRED") == 1 + len(REQUIRED)  # the header and one per key


def test_empty_file_in_development_is_a_complete_simulated_kiosk():
    cfg = parse_config("", dev=True)
    assert cfg.devices.idcard.port == "sim" and cfg.devices.printer.port == "sim"
    assert cfg.platform.url == "embedded" and cfg.terminal.id == "SIM-0001"
    assert cfg.terminal.idle_timeout == 60
    assert cfg.uses_simulators


def test_without_dev_nothing_is_simulated_and_the_missing_keys_are_named():
    with pytest.raises(ConfigError) as e:
        parse_config("[devices.idcard]\nbaud = 9600\n", "kiosk.toml", dev=False)
    msg = str(e.value)
    for key in REQUIRED:
        assert f"{key}: not set" in msg
    assert "--dev" in msg
    cfg = parse_config('[terminal]\nid = "T-1"\nhall_name = "某中心"\n[devices.printer]\n'
                       'port = "10.0.0.9:9100"\n[platform]\nurl = "https://p.example"\n',
                       dev=False)
    assert not cfg.uses_simulators
    assert cfg.devices.idcard.port == "auto" and cfg.devices.camera.port == "none"


def test_dev_fills_only_what_the_file_leaves_out():
    cfg = parse_config('[devices.printer]\nport = "10.0.0.9:9100"\n', dev=True)
    assert cfg.devices.printer.port == "10.0.0.9:9100" and cfg.devices.idcard.port == "sim"


def test_cli_dev_flag_and_missing_config(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("KIOSK_DEV", raising=False)
    monkeypatch.setenv("KIOSK_CONFIG", "")
    monkeypatch.setattr("kiosk.config.default_config_path", lambda: tmp_path / "none.toml")
    assert main(["config", "check"]) == 2
    assert "platform.url: not set" in capsys.readouterr().err
    assert main(["--dev", "config", "check"]) == 0


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ('[terminal]\nmode = "town"', "terminal.mode", "'hall' or 'village'"),
        ('[terminal]\nidle_timeout = 5', "terminal.idle_timeout", "greater than or equal to 15"),
        ('[terminal]\nlanguage = "fr"', "terminal.language", "'zh_CN' or 'en'"),
        ('[devices.idcard]\nport = "lpt1"', "devices.idcard.port", "'sim', 'auto'"),
        ('[devices.idcard]\nbaud = 1200', "devices.idcard.baud", "115200"),
        ('[devices.printer]\nport = "printer"', "devices.printer.port", "host:port"),
        ('[devices.printer]\npaper_width = 60', "devices.printer.paper_width", "58"),
        ('[platform]\nurl = "ftp://x"', "platform.url", "'embedded' or an http(s)"),
        ('[devices.idcard]\nprot = "sim"', "devices.idcard.prot", "unknown key"),
        ('[[queue.categories]]\nprefix="A"\nname_zh="一"\nname_en="a"\n'
         '[[queue.categories]]\nprefix="A"\nname_zh="二"\nname_en="b"',
         "queue.categories", "unique"),
    ],
)
def test_wrong_value_names_the_key_and_what_is_allowed(text, key, allowed):
    with pytest.raises(ConfigError) as e:
        parse_config(text, "kiosk.toml")
    msg = str(e.value)
    assert "kiosk.toml" in msg and key in msg and allowed in msg


def test_real_device_ports_are_accepted():
    cfg = parse_config(
        '[devices.idcard]\nport = "/dev/serial/by-id/usb-SAM"\nbaud = 9600\n'
        '[devices.printer]\nport = "192.168.1.50:9100"\n'
        '[devices.sscard]\nport = "ACS ACR39U"\n'
        '[devices.a4printer]\nport = "HP_LaserJet"\n'
        '[devices.camera]\nport = "/dev/v4l/by-id/usb-Doc_Camera-video-index0"\n'
    )
    assert cfg.devices.idcard.baud == 9600
    assert not cfg.uses_simulators


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_refuses_to_start_on_a_bad_config(tmp_path, capsys):
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[terminal]\nmode = "town"\n', encoding="utf-8")
    assert main(["--config", str(bad), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert "terminal.mode" in err and "'hall' or 'village'" in err
