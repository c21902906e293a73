"""The service catalog (办事指南) as the platform publishes it at ``GET /v1/catalog``.

Each item (事项) carries the national 实施清单 fields; a bundle (一件事) joins several items
into one application with one set of materials. Keys are English; every field says which
实施清单 field it is, and ``docs/platform-openapi.yaml`` has the same schema. Enumerations
are codes, with their Chinese and English names in ``LABELS``, so neither a screen nor a
printout ever shows a code.

The kiosk reads catalogs tolerantly (unknown keys are ignored): a platform that adds a
field must not leave terminals on an old cached copy. The shipped reference catalog is
checked strictly by the tests. No Qt here: the CLI, the printer and the screens share it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

Audience = Literal["person", "legal_person"]  # 服务对象: 自然人 / 法人
ItemKind = Literal["license", "benefit", "confirmation", "levy", "public_service", "other"]
MaterialType = Literal["original", "copy", "original_and_copy"]
MaterialForm = Literal["paper", "electronic", "paper_or_electronic"]
Source = Literal["applicant", "government", "institution", "other"]
Necessity = Literal["required", "optional", "deferrable"]
Scope = Literal["national", "cross_province", "province", "city", "district"]

# code -> (Chinese, English) for every enumeration above, by the field it belongs to.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "audience": {"person": ("个人", "Individuals"),
                 "legal_person": ("法人", "Businesses and organisations")},
    "kind": {"license": ("行政许可", "Administrative licence"),
             "benefit": ("行政给付", "Benefit payment"),
             "confirmation": ("行政确认", "Administrative confirmation"),
             "levy": ("行政征收", "Administrative levy"),
             "public_service": ("公共服务", "Public service"),
             "other": ("其他行政权力", "Other administrative power")},
    "type": {"original": ("原件", "original"), "copy": ("复印件", "copy"),
             "original_and_copy": ("原件和复印件", "original and copy")},
    "form": {"paper": ("纸质", "paper"), "electronic": ("电子", "electronic"),
             "paper_or_electronic": ("纸质或电子", "paper or electronic")},
    "source": {"applicant": ("申请人自备", "your own"),
               "government": ("政府部门核发", "issued by a government office"),
               "institution": ("相关机构出具", "issued by an institution"),
               "other": ("其他", "other")},
    "necessity": {"required": ("必要", "required"), "optional": ("非必要", "if applicable"),
                  "deferrable": ("容缺后补", "may be handed in later")},
    "scope": {"national": ("全国通办", "anywhere in China"),
              "cross_province": ("跨省通办", "across provinces"),
              "province": ("全省通办", "anywhere in the province"),
              "city": ("全市通办", "anywhere in the city"),
              "district": ("本区办理", "in this district only")},
}


def label(field: str, code: str, language: str = "zh_CN") -> str:
    """The name of enumeration ``code`` of ``field`` in ``language`` (zh_CN or en)."""
    zh, en = LABELS[field][code]
    return en if language == "en" else zh


_Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$")]
_Text = Annotated[str, Field(min_length=1, max_length=200)]
_Url = Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=200)]
_OptionalUrl = Annotated[str, Field(pattern=r"^(https://[^\s]+)?$", max_length=200)]
_Phone = Annotated[str, Field(pattern=r"^[0-9][0-9-]{2,19}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Department(_Model):
    """实施主体: a department of the hall's government."""

    id: _Id
    name: _Text  # 部门名称
    name_en: _Text
    credit_code: Annotated[str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]  # 统一社会信用代码


class Topic(_Model):
    """主题: how citizens group what they need (生育收养, 户籍办理, 企业开办 …)."""

    id: _Id
    name: _Text
    name_en: _Text
    audience: Annotated[tuple[Audience, ...], Field(min_length=1)]  # 服务对象


class Material(_Model):
    """申请材料: one document the applicant brings (or the platform already holds)."""

    name: _Text  # 材料名称
    name_en: _Text
    type: MaterialType = "original"  # 材料类型: 原件 / 复印件 / 原件和复印件
    form: MaterialForm = "paper"  # 材料形式
    copies: Annotated[int, Field(ge=0, le=20)] = 1  # 纸质材料份数
    spec: str = ""  # 纸质材料规格, e.g. A4
    source: Source = "applicant"  # 来源渠道
    necessity: Necessity = "required"  # 材料必要性
    promise_allowed: bool = False  # 告知承诺制: a signed promise may replace it
    e_license: bool = False  # 电子证照: the platform fetches it; paper only if that fails
    blank_form_url: _OptionalUrl = ""  # 空白表格
    sample_url: _OptionalUrl = ""  # 示例样表
    notes: str = ""  # 填报须知 / 受理标准

    @property
    def deferrable(self) -> bool:
        """是否可容缺: accepted now on a signed promise to hand it in before the deadline."""
        return self.necessity == "deferrable"


class FieldChoice(_Model):
    value: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,24}$")]
    label: _Text
    label_en: _Text


class FormField(_Model):
    """一表申请: one field of the application form, with its type and validation."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    label: _Text  # what the form calls it
    label_en: _Text
    # address: picked from the catalog's 行政区划 (province → city → county → town), then
    # the street and number typed; id_number: 18 characters with a GB 11643 check digit.
    type: Literal["text", "phone", "choice", "date", "number", "address", "id_number"] = "text"
    required: bool = True
    choices: tuple[FieldChoice, ...] = ()  # a choice field's values
    # Filled from the card read: name, id_number, address, nation or birth ("" none).
    prefill: Literal["", "name", "id_number", "address", "nation", "birth"] = ""
    editable: bool = True  # False: as the card says, not to be changed here
    masked: bool = False  # shown masked on screen (an ID number)
    max_length: Annotated[int, Field(ge=1, le=200)] = 30
    when: str = ""  # shown (and asked) only when another field has a value: "delivery=mail"


class Fee(_Model):
    """收费: one fee item."""

    name: _Text  # 收费项目名称
    standard: _Text  # 收费标准
    basis: _Text  # 收费依据
    waivable: bool = False  # 是否允许减免


class Step(_Model):
    """办理流程: one step."""

    name: _Text
    name_en: _Text
    detail: str = ""


class GuideEntry(_Model):
    """What a guide page shows, for an item and a bundle alike."""

    id: _Id
    name: _Text  # 事项名称
    name_en: _Text
    short_en: Annotated[str, Field(min_length=1, max_length=32)]  # for tiles in English
    audience: Annotated[tuple[Audience, ...], Field(min_length=1)]  # 服务对象
    topics: Annotated[tuple[str, ...], Field(min_length=1)]  # 主题 (topic ids)
    department: str  # 实施主体 (an item) / 牵头部门 (a bundle): a department id
    keywords: tuple[str, ...] = ()  # what citizens call it (生孩子, 社保卡 …), for search
    conditions: Annotated[tuple[str, ...], Field(min_length=1)]  # 受理条件
    materials: tuple[Material, ...]  # 申请材料 (a bundle: the merged set)
    steps: Annotated[tuple[Step, ...], Field(min_length=1)]  # 办理流程
    promised_days: Annotated[int, Field(ge=0, le=365)]  # 承诺办结时限, working days; 0 即办
    time_note: str = ""  # 时限说明, e.g. 含30日离婚冷静期
    fees: tuple[Fee, ...] = ()  # 收费项目; none: 不收费
    location: _Text  # 办理地点
    hours: _Text  # 办理时间
    phone: _Phone  # 咨询电话
    complaint_phone: _Phone  # 监督投诉电话
    visits: Annotated[int, Field(ge=0, le=2)]  # 到办事现场次数
    online: bool  # 是否网办
    terminal: bool  # 是否支持终端办理 (self-service terminal)
    delivery: bool  # 是否支持物流快递 (result mailed)
    appointment: bool = False  # 是否支持预约办理
    scope: Scope  # 通办范围
    guide_url: _Url  # the public guide page (码上告知 QR)
    form: tuple[FormField, ...] = ()  # 一表申请: fields beyond who applies and delivery

    @property
    def charged(self) -> bool:
        """是否收费."""
        return bool(self.fees)

    @property
    def is_bundle(self) -> bool:
        return False

    def title(self, language: str = "zh_CN") -> str:
        return self.name_en if language == "en" else self.name


class Item(GuideEntry):
    """事项: one item of the 实施清单."""

    basic_code: Annotated[str, Field(pattern=r"^[0-9]{12}$")]  # 基本编码
    # 实施编码: the department's credit code, the basic code, a 3-digit 业务办理项 number
    impl_code: Annotated[str, Field(pattern=r"^[0-9A-Z]{18}[0-9]{15}$")]
    kind: ItemKind  # 事项类型
    legal_basis: Annotated[tuple[str, ...], Field(min_length=1)]  # 设定依据
    legal_days: Annotated[int, Field(ge=0, le=365)]  # 法定办结时限, working days
    result: str = ""  # 审批结果名称

    @property
    def immediate(self) -> bool:
        """办件类型: 即办件 (done while the applicant waits) rather than 承诺件."""
        return self.promised_days == 0


class Bundle(GuideEntry):
    """一件事: several items applied for once, with one form and one set of materials."""

    members: Annotated[tuple[str, ...], Field(min_length=2)]  # the items' ids

    @property
    def is_bundle(self) -> bool:
        return True


Entry = Item | Bundle


class CatalogError(ValueError):
    """The catalog contradicts itself (an id used twice, a reference to nothing …)."""


class Region(_Model):
    """One 行政区划 (GB/T 2260 code and name) and the ones under it, for the address pickers.
    The platform publishes them with the catalog, so a kiosk picks addresses offline too."""

    code: Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{3})?$")]
    name: _Text
    children: tuple[Region, ...] = ()


class Catalog(_Model):
    version: _Text
    departments: Annotated[tuple[Department, ...], Field(min_length=1)]
    topics: Annotated[tuple[Topic, ...], Field(min_length=1)]
    services: tuple[Item, ...]  # the items (事项)
    bundles: tuple[Bundle, ...] = ()  # 一件事
    popular: tuple[str, ...] = ()  # 常办事项: ids offered when a search finds nothing
    regions: tuple[Region, ...] = ()  # 行政区划 for address pickers (provinces at the top)

    _by_code: dict[str, Entry] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        departments = {d.id: d for d in self.departments}
        topics = {t.id: t for t in self.topics}
        by_code: dict[str, Entry] = {}
        for e in self.entries():
            keys = [e.id] + ([e.basic_code, e.impl_code] if isinstance(e, Item) else [])
            for key in keys:
                if key in by_code:
                    raise CatalogError(f"{key}: used by {by_code[key].id} and {e.id}")
                by_code[key] = e
            if e.department not in departments:
                raise CatalogError(f"{e.id}: unknown department {e.department!r}")
            for t in e.topics:
                if t not in topics or not set(topics[t].audience) & set(e.audience):
                    raise CatalogError(f"{e.id}: topic {t!r} is unknown or not for its audience")
            if isinstance(e, Item):
                self._check_item(e, departments[e.department])
        for b in self.bundles:
            wrong = [m for m in b.members if not isinstance(by_code.get(m), Item)]
            if wrong:
                raise CatalogError(f"{b.id}: members that are not items: {wrong}")
        unknown = [p for p in self.popular if p not in by_code]
        if unknown:
            raise CatalogError(f"popular: unknown ids {unknown}")
        self._by_code = by_code
        return self

    @staticmethod
    def _check_item(item: Item, department: Department) -> None:
        if item.impl_code[:18] != department.credit_code or item.impl_code[18:30] != \
                item.basic_code:
            raise CatalogError(f"{item.id}: the 实施编码 must be the department's credit code, "
                               "the 基本编码 and a 3-digit number")
        if item.promised_days > item.legal_days:
            raise CatalogError(f"{item.id}: promised more days than the law allows")

    # --- looking things up -----------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Bundles first (one application for several items), then items, as published."""
        return [*self.bundles, *self.services]

    def entry(self, code: str) -> Entry | None:
        """The item with this id, 基本编码 or 实施编码, or the bundle with this id."""
        code = code.strip()
        return self._by_code.get(code.lower()) or self._by_code.get(code.upper())

    def department(self, department_id: str) -> Department:
        return next(d for d in self.departments if d.id == department_id)

    def topic(self, topic_id: str) -> Topic:
        return next(t for t in self.topics if t.id == topic_id)

    def topics_for(self, audience: Audience) -> list[Topic]:
        """The topics with at least one entry for ``audience``, in the published order."""
        used = {t for e in self.entries() if audience in e.audience for t in e.topics}
        return [t for t in self.topics if audience in t.audience and t.id in used]

    def browse(self, audience: Audience | None = None, topic: str | None = None,
               department: str | None = None) -> list[Entry]:
        """Entries for 服务对象 → 主题, or for one department (a bundle counts for every
        department of its members)."""
        return [e for e in self.entries()
                if (audience is None or audience in e.audience)
                and (topic is None or topic in e.topics)
                and (department is None or department in self.departments_of(e))]

    def departments_of(self, entry: Entry) -> list[str]:
        """The department ids that act on ``entry`` (the lead department first)."""
        ids = [entry.department]
        for m in self.members(entry):
            if m.department not in ids:
                ids.append(m.department)
        return ids

    def members(self, entry: Entry) -> list[Item]:
        """A bundle's items (none for an item)."""
        if not isinstance(entry, Bundle):
            return []
        return [self._by_code[m] for m in entry.members]  # type: ignore[misc]

    def bundles_with(self, item: Entry) -> list[Bundle]:
        """The bundles an item can also be applied for in (一件事联办)."""
        return [b for b in self.bundles if item.id in b.members]

    def region_path(self, codes: list[str]) -> list[Region]:
        """The regions along ``codes`` from a province down (an unknown code ends it)."""
        path: list[Region] = []
        level = self.regions
        for code in codes:
            found = next((r for r in level if r.code == code), None)
            if found is None:
                break
            path.append(found)
            level = found.children
        return path

    def popular_entries(self) -> list[Entry]:
        return [self._by_code[p] for p in self.popular]


def parse_catalog(document: dict[str, Any]) -> Catalog:
    """The catalog in ``document``; pydantic's ValidationError (naming the field, or the
    contradiction) if it is not one."""
    return Catalog.model_validate(document)
