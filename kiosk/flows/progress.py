"""进度查询: the citizen's ID card, then their cases, newest first (state and date), and one
case's life: each step with its date, and for 补正 what is needed. Needs the network: the
platform knows where a case is; offline the notice says so.

补交材料 (opening the capture step for the material asked for) is not built yet.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from kiosk.flow import Flow, IdentityNeed, Needs, NetworkNeed, Tile
from kiosk.guide_view import Choice, both
from kiosk.i18n import catalog
from kiosk.link import citizen_client
from offline_cache.client import OutcomeUnknown, PlatformClient, PlatformRefused

log = logging.getLogger(__name__)


class ProgressFlow(Flow):
    id = "progress"
    tile = Tile("查", order=25)
    needs = Needs(identity=IdentityNeed.ID_CARD, network=NetworkNeed.REQUIRED)
    online_url = "https://zwfw.example.gov.cn/progress"
    steps = {
        "progress_list": "screens.entry:ChoiceScreen:progress_list",
        "progress_case": "screens.progress:CaseScreen",
    }

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.cases: dict[str, dict[str, Any]] = {}
        self._client: PlatformClient | None = None

    def left(self) -> None:
        self.cases = {}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def bind(self, step: str, screen: Any) -> None:
        if step == "progress_list":
            screen.chosen.connect(self.open_case)

    def start(self) -> None:
        who = self.ctx.sessions.current.identity
        assert who is not None
        self.host.screen("progress_list").set_content("progress.list_title", [], "loading")
        self.host.go("progress_list")
        if self._client is None:
            assert self.ctx.link is not None
            self._client = citizen_client(self.ctx.config, self.ctx.link.url)
        self.host.run(self._client.cases_of, who.id_number, on_done=self._found)

    def _found(self, fut: Future[list[dict[str, Any]]]) -> None:
        screen = self.host.screen("progress_list")
        try:
            cases = fut.result()
        except (OutcomeUnknown, PlatformRefused, OSError) as e:
            log.warning("progress: no answer from the platform: %s", e)
            screen.set_content("progress.list_title", [], "unavailable")
            return
        self.cases = {c["case_number"]: c for c in cases}
        if not cases:
            screen.set_content("progress.list_title", [], "none")
            return
        screen.set_content("progress.list_title", [
            Choice(c["case_number"], both(c["entry_name"], c["entry_name"]), {
                lang: catalog(lang)[f"progress.state.{c['state']}"] + " · "
                + catalog(lang)["progress.list_sub"].format(date=c["submitted_at"][:10])
                for lang in ("zh_CN", "en")}, "件") for c in cases])
        self.host.content_changed()

    def open_case(self, case_number: str) -> None:
        self.host.screen("progress_case").show_case(self.cases[case_number])
        self.host.go("progress_case")
