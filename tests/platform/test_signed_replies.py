"""The platform signs its answers and the kiosk believes no other (security issue, item 4):
a server without the terminal's secret cannot have a case marked synced; plain http:// to
another machine is refused unless the config says so (and doctor warns); the reference
platform serves https with --tls-cert/--tls-key."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.config import ConfigError, parse_config
from offline_cache.client import OutcomeUnknown, PlatformClient
from offline_cache.outbox import State
from offline_cache.signing import H_NONCE, H_REPLY_SIGNATURE, reply_to_sign, signature
from offline_cache.sync import SyncEngine, SyncSettings
from tests.platform.harness import SECRET, make_client, make_outbox, signed_session


class FakePlatform(BaseHTTPRequestHandler):
    """Answers every PUT like the platform would, receipt FAKE-0001, without the secret
    (its signature, if any, made with a secret of its own)."""

    received: list[bytes] = []
    sign_with: bytes | None = None

    def log_message(self, *args: object) -> None:
        pass

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakePlatform.received.append(body)
        doc = json.loads(body)
        answer = json.dumps({"id": self.path.rsplit("/", 1)[1], "kind": "case",
                             "revision": doc["revision"], "receipt": "FAKE-0001",
                             "body_sha256": hashlib.sha256(body).hexdigest(),
                             "status": "accepted"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        if self.sign_with is not None:
            self.send_header(H_REPLY_SIGNATURE, signature(self.sign_with, reply_to_sign(
                201, self.headers[H_NONCE], answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture(params=[None, b"the fake server's own secret"], ids=["unsigned", "forged"])
def fake(request):
    FakePlatform.received, FakePlatform.sign_with = [], request.param
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePlatform)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_without_the_secret_cannot_get_a_case_marked_synced(tmp_path, fake):
    outbox = make_outbox(tmp_path / "outbox", key=b"k" * 32)
    uuid = outbox.create_case("birth", {"name": "王小明"})
    outbox.finalize(uuid)
    client = make_client(fake)
    engine = SyncEngine(make_outbox(tmp_path / "outbox", key=b"k" * 32, durable=False), client,
                        tmp_path / "outbox" / "sync.lock",
                        settings=SyncSettings(interval=3600, heartbeat_interval=3600),
                        version="test")
    assert engine.try_lock()
    engine.run_once()
    assert FakePlatform.received  # it did answer, with a perfect echo and a receipt
    rec = outbox.record(uuid)
    assert rec.state is State.FAILED and rec.receipt == ""
    assert "not signed by the platform" in rec.last_error
    engine.stop()
    client.close()
    outbox.close()


def test_the_platform_signs_each_answer_for_the_request_it_answers(platform):
    client = make_client(platform.url)
    assert client.catalog()[1] is not None  # verified inside: signed, for this nonce
    s = signed_session()
    r = s.get(f"{platform.url}/v1/catalog")
    nonce = r.request.headers[H_NONCE]
    given = r.headers[H_REPLY_SIGNATURE]
    assert given == signature(SECRET, reply_to_sign(200, nonce, r.content))
    assert given != signature(SECRET, reply_to_sign(200, "another nonce", r.content))
    # Refusals of content are signed too; the refusal of a signature cannot be.
    bad = s.put(f"{platform.url}/v1/cases/{'0' * 8}-0000-4000-8000-{'0' * 12}", data=b"{}")
    assert bad.status_code == 422 and H_REPLY_SIGNATURE in bad.headers
    assert H_REPLY_SIGNATURE not in requests.get(f"{platform.url}/v1/catalog").headers
    client.close()


def test_a_replayed_signed_answer_does_not_pass_for_another_request(platform):
    """An answer recorded on the wire, served again for a new request, is not believed."""
    recorded = signed_session().get(f"{platform.url}/v1/catalog")

    class Replayer(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self.send_response(200)
            for k in ("Content-Type", "ETag", H_REPLY_SIGNATURE):
                self.send_header(k, recorded.headers[k])
            self.send_header("Content-Length", str(len(recorded.content)))
            self.end_headers()
            self.wfile.write(recorded.content)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Replayer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = make_client(f"http://127.0.0.1:{server.server_address[1]}")
    with pytest.raises(OutcomeUnknown, match="not signed"):
        client.catalog()
    client.close()
    server.shutdown()
    server.server_close()


def test_plain_http_to_another_machine_is_refused_unless_allowed():
    with pytest.raises(ConfigError, match="plain http:// to another machine"):
        parse_config('[platform]\nurl = "http://10.20.0.5:8700"\n', "t", dev=True)
    lab = parse_config('[platform]\nurl = "http://10.20.0.5:8700"\nallow_insecure = true\n',
                       "t", dev=True)
    assert lab.platform.insecure
    for fine in ("http://127.0.0.1:8700", "http://localhost:8700", "https://zwfw.example.cn"):
        assert not parse_config(f'[platform]\nurl = "{fine}"\n', "t", dev=True).platform.insecure


def test_doctor_warns_about_an_allowed_plain_http_platform(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n[platform]\n'
                   'url = "http://10.20.0.5:8700"\nallow_insecure = true\n', encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "platform.secret").write_text(SECRET.hex())  # enrolled
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(cfg), "doctor",
                        "--wait", "2"], capture_output=True, text=True, timeout=60)
    assert "WARNING    platform http://10.20.0.5:8700 is plain http://" in r.stdout, r.stderr


def self_signed(folder) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_platform_serve_takes_a_tls_certificate(tmp_path):
    cert, key = self_signed(tmp_path)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[data]\ndir = "{(tmp_path / "data").as_posix()}"\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", str(cfg),
                             "platform", "serve", "--port", "0", "--tls-cert", cert,
                             "--tls-key", key], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("reference platform at https://127.0.0.1:"), line
        url = line.split()[3]
        secret = bytes.fromhex((tmp_path / "data" / "platform.secret").read_text().strip())
        client = PlatformClient(url, "SIM-0001", secret, ca_file=cert, deadline=10)
        assert client.catalog()[1] is not None
        client.close()
    finally:
        proc.terminate()
        proc.wait(10)
