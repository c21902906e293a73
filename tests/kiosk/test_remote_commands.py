"""Remote commands without the window: each carried out once, by command id, across
heartbeats heard again and restarts of the kiosk on the same data folder; acknowledged again
when the platform could not be told. The kiosk's parts are real (embedded platform over
HTTP, outbox, sync engine driven round by round); only the window is a recorder."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.config import KioskConfig, parse_config
from kiosk.context import KioskContext
from kiosk.remote import STARTED, RemoteCommands


class RecordingHost:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.serving = False

    def busy(self) -> bool:
        return self.serving

    def lock(self, message: str) -> None:
        self.calls.append(("lock", message))

    def unlock(self) -> None:
        self.calls.append(("unlock", None))

    def end_session(self, reason: str) -> None:
        self.calls.append(("end_session", reason))

    def apply_config(self, config: KioskConfig) -> None:
        self.calls.append(("apply_config", config.voice.volume))

    def restart_kiosk(self) -> None:
        self.calls.append(("restart_kiosk", None))


@pytest.fixture
def config(tmp_path) -> KioskConfig:
    return parse_config(f'[data]\ndir = "{tmp_path.as_posix()}"\n')


def build(config: KioskConfig) -> KioskContext:
    ctx = KioskContext.build(config)
    assert ctx.sync is not None  # every round beats: a command is heard at the next one
    ctx.sync.settings = dataclasses.replace(ctx.sync.settings, heartbeat_interval=0.0)
    ctx.start(sync=False)  # rounds are run by the test
    return ctx


@pytest.fixture
def ctx(config) -> Iterator[KioskContext]:
    c = build(config)
    yield c
    c.stop()


def issue(ctx: KioskContext, name: str, **args: str) -> str:
    cid = ctx.link.server.store.enqueue_command(ctx.config.terminal.id, name, args)
    ctx.sync.run_once()  # the heartbeat: kept in the outbox, acknowledged as received
    assert ctx.link.server.store.command_ack(cid)[0] == "received"
    return cid


def test_a_command_heard_again_or_after_a_restart_is_not_run_twice(config, ctx):
    host = RecordingHost()
    remote = RemoteCommands(ctx, host)
    cid = issue(ctx, "lock", message="维护中")
    remote.run_pending()
    assert host.calls == [("end_session", "remote_lock"), ("lock", "维护中")]
    assert ctx.link.server.store.command_ack(cid) == ("done", "locked: out-of-service screen "
                                                      "shown")
    # The same command in a heartbeat again (its "received" never reached the platform).
    ctx.outbox.save_commands([{"id": cid, "name": "lock", "args": {"message": "维护中"}}])
    remote.run_pending()
    assert host.calls == [("end_session", "remote_lock"), ("lock", "维護中".replace("護", "护"))]

    # A restart killed the kiosk while this one ran: started, never finished.
    cid2 = issue(ctx, "restart_kiosk")
    remote.ledger.set(cid2, "restart_kiosk", STARTED)
    remote.stop()
    ctx.stop()

    again = build(config)  # the kiosk started again on the same data folder
    try:
        assert {c["id"] for c in again.outbox.commands()} == {cid, cid2}  # still there
        host2 = RecordingHost()
        remote2 = RemoteCommands(again, host2)
        remote2.run_pending()
        assert host2.calls == []  # neither the lock nor the restart again
        status, detail = again.link.server.store.command_ack(cid2)
        assert status == "failed" and detail.startswith("interrupted")
        assert remote2.locked == "维护中"  # the window shows it again at start
        remote2.stop()
    finally:
        again.stop()


def test_what_disturbs_a_citizen_waits_until_the_session_ends(ctx):
    host = RecordingHost()
    host.serving = True
    remote = RemoteCommands(ctx, host)
    cid = issue(ctx, "restart_kiosk")
    cfg = issue(ctx, "set_config", **{"voice.volume": "30"})
    remote.run_pending()
    assert host.calls == [("apply_config", 30)]  # a setting disturbs nobody
    assert ctx.link.server.store.command_ack(cid)[0] == "received"
    assert ctx.link.server.store.command_ack(cfg)[0] == "done"
    host.serving = False
    remote.run_pending()
    assert host.calls[-1] == ("restart_kiosk", None)
    assert ctx.link.server.store.command_ack(cid)[0] == "done"
    remote.stop()


def test_an_acknowledgement_not_delivered_is_sent_again_the_command_not_run_again(ctx):
    host = RecordingHost()
    remote = RemoteCommands(ctx, host)
    cid = issue(ctx, "unlock")
    ctx.link.set_up(False)  # the link is cut after the heartbeat
    remote.run_pending()
    assert ctx.link.server.store.command_ack(cid)[0] == "received"
    assert remote.ledger.commands[cid]["acked"] is False
    ctx.link.set_up(True)
    remote.run_pending()
    assert ctx.link.server.store.command_ack(cid) == ("done", "was not locked")
    assert host.calls == []  # unlock of a kiosk not locked: nothing to do, once
    remote.stop()


def test_the_ledger_forgets_commands_acknowledged_long_ago(tmp_path, monkeypatch):
    """Months of commands do not grow ``remote/state.json`` for ever; one not yet
    acknowledged is kept however old (it must not run again when heard again)."""
    from kiosk import remote

    ledger = remote.Ledger(tmp_path / "state.json")
    now = 1_800_000_000.0
    monkeypatch.setattr(remote.time, "time", lambda: now)
    ledger.set("old-acked", "unlock", "done")
    ledger.commands["old-acked"]["acked"] = True
    ledger.set("old-unacked", "unlock", "done")
    now += remote.LEDGER_KEEP_SECONDS + 1
    ledger.set("new", "unlock", "done")
    kept = remote.Ledger(tmp_path / "state.json").commands
    assert set(kept) == {"old-unacked", "new"}
