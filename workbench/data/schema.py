"""The tables of a county's branch data, declared as data.

Every rule the loader checks is written here once: column names (English
identifiers and the Chinese headers that Excel users type), types, allowed
values (with their Chinese spellings), keys and references between tables.
``workbench.data.validate`` reads these declarations; nothing else re-validates.

>>> from workbench.data.schema import TABLES
>>> TABLES["members"].key
'member_id'
>>> TABLES["members"].column("education").allowed[:3]
('primary', 'junior_high', 'senior_high')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "Column",
    "TableSchema",
    "TABLES",
    "TABLE_ORDER",
    "REQUIRED_TABLES",
    "Reference",
    "EDUCATION_COLLEGE",
    "COMMITTEE_ROLES",
    "header_aliases",
    "normalize_header",
    "header_variants",
    "is_ignored_header",
    "preferred_spellings",
]

# Value sets. Order matters for categories (education is ordinal).
BRANCH_KINDS = ("village", "community", "enterprise", "institution", "joint")
EDUCATION = (
    "primary",
    "junior_high",
    "senior_high",
    "vocational",
    "college",
    "bachelor",
    "postgraduate",
)
#: "College education or above" (大专及以上), as the DOMAIN figures count it.
EDUCATION_COLLEGE = ("college", "bachelor", "postgraduate")
GENDERS = ("male", "female")
STATUSES = ("formal", "probationary")
ROLES = (
    "secretary",
    "deputy_secretary",
    "organization",
    "propaganda",
    "discipline",
    "committee",
    "member",
)
#: Roles that sit on the branch committee (支委会).
COMMITTEE_ROLES = ROLES[:-1]
MEETING_KINDS = (
    "general_meeting",
    "committee_meeting",
    "group_meeting",
    "party_lesson",
    "themed_day",
    "organizational_life",
    "democratic_review",
)
TRAINING_KINDS = ("red_education", "batch_training", "online")
INSPECTION_METHODS = ("platform", "onsite", "materials")
PROBLEM_CATEGORIES = (
    "organizational_life",
    "records",
    "settings",
    "membership",
    "education",
    "discipline",
    "other",
)
SEVERITIES = ("minor", "general", "serious")

# Chinese (and common alternative) spellings of the values above. Keys are
# matched after stripping spaces; English identifiers always match themselves.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "kind_branch": {
        "村": "village", "村党支部": "village", "农村": "village",
        "社区": "community", "社区党支部": "community",
        "企业": "enterprise", "非公企业": "enterprise", "国有企业": "enterprise",
        "机关事业单位": "institution", "事业单位": "institution", "机关": "institution",
        "联合": "joint", "联合党支部": "joint",
    },
    "education": {
        "小学": "primary", "初中": "junior_high", "高中": "senior_high",
        "中专": "vocational", "中职": "vocational", "职高": "vocational",
        "大专": "college", "专科": "college", "本科": "bachelor", "大学": "bachelor",
        "研究生": "postgraduate", "硕士": "postgraduate", "博士": "postgraduate",
    },
    "gender": {"男": "male", "女": "female", "m": "male", "f": "female"},
    "status": {"正式党员": "formal", "正式": "formal", "预备党员": "probationary", "预备": "probationary"},
    "role": {
        "书记": "secretary", "支部书记": "secretary",
        "副书记": "deputy_secretary",
        "组织委员": "organization", "宣传委员": "propaganda",
        "纪检委员": "discipline", "纪律检查委员": "discipline",
        "委员": "committee", "支委": "committee",
        "党员": "member", "普通党员": "member",
    },
    "kind_meeting": {
        "党员大会": "general_meeting", "支委会": "committee_meeting",
        "党小组会": "group_meeting", "党课": "party_lesson",
        "主题党日": "themed_day", "组织生活会": "organizational_life",
        "民主评议": "democratic_review", "民主评议党员": "democratic_review",
    },
    "kind_training": {"红色教育": "red_education", "集中轮训": "batch_training", "分批培训": "batch_training", "网络学习": "online", "线上": "online"},
    "method": {"平台": "platform", "平台检查": "platform", "现场": "onsite", "现场检查": "onsite", "资料": "materials", "资料抽查": "materials"},
    "category": {
        "组织生活": "organizational_life", "台账资料": "records", "组织设置": "settings",
        "党员队伍": "membership", "教育管理": "education", "纪律": "discipline", "其他": "other",
    },
    "severity": {"轻微": "minor", "一般": "general", "严重": "serious"},
}

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "是", "有", "√", "✓", "✔", "1.0"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "否", "无", "×", "✗", "✘", "", "0.0"})
#: How yes / no is written in the clerk's files (for messages and the template's dropdowns).
YES_NO_ZH = ("是", "否")

#: Headers of columns clerks add that carry no data of ours: accepted and left out.
IGNORED_HEADERS = ("序号", "编号序号", "备注", "说明", "no", "no.", "#", "remark", "remarks", "note", "notes")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind`` is one of ``id``, ``text``, ``category``, ``int``, ``float``,
    ``date``, ``bool``. ``required`` columns must be present in the file;
    optional ones are added empty when absent. ``nullable`` says whether a cell
    may be empty.
    """

    name: str
    zh: str
    kind: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    aliases: str | None = None  # key into VALUE_ALIASES
    minimum: float | None = None
    maximum: float | None = None
    en: str = ""
    other_headers: tuple[str, ...] = ()

    @property
    def label_en(self) -> str:
        return self.en or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Reference:
    """``column`` of this table must name an existing ``table.target`` key."""

    column: str
    table: str
    target: str


@dataclass(frozen=True)
class TableSchema:
    name: str
    zh: str
    key: str | tuple[str, ...]
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    required: bool = True
    other_names: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key,) if isinstance(self.key, str) else tuple(self.key)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _id(name, zh, **kw):
    return Column(name, zh, "id", **kw)


TABLES: dict[str, TableSchema] = {
    "branches": TableSchema(
        "branches", "支部", "branch_id",
        (
            _id("branch_id", "支部编号", other_headers=("支部代码",)),
            Column("name", "支部名称", "text"),
            Column("township", "乡镇", "text", other_headers=("乡镇（街道）", "所属乡镇")),
            Column("kind", "支部类型", "category", allowed=BRANCH_KINDS, aliases="kind_branch"),
            Column("established", "成立日期", "date"),
            Column("committee_elected", "换届日期", "date", nullable=True,
                   en="Committee elected", other_headers=("支委会选举日期", "上次换届日期")),
            Column("collective_income", "村集体经济收入", "float", required=False, nullable=True,
                   minimum=0, en="Collective income (10k yuan)", other_headers=("集体经济收入",)),
            Column("satisfaction", "满意度", "float", required=False, nullable=True,
                   minimum=0, maximum=100, other_headers=("群众满意度",)),
        ),
        other_names=("支部信息", "党支部"),
    ),
    "members": TableSchema(
        "members", "党员", "member_id",
        (
            _id("member_id", "党员编号"),
            _id("branch_id", "支部编号"),
            Column("name", "姓名", "text"),
            Column("gender", "性别", "category", allowed=GENDERS, aliases="gender"),
            Column("birth_year", "出生年份", "int", minimum=1900),
            Column("education", "学历", "category", allowed=EDUCATION, aliases="education"),
            Column("join_date", "入党日期", "date"),
            Column("status", "党员类型", "category", allowed=STATUSES, aliases="status",
                   other_headers=("党员状态",)),
            Column("role", "职务", "category", allowed=ROLES, aliases="role", other_headers=("党内职务",)),
            Column("village_cadre", "村干部", "bool", required=False, other_headers=("是否村干部",)),
            Column("reserve_cadre", "后备干部", "bool", required=False, other_headers=("是否后备干部",)),
            Column("wealth_leader", "致富带头人", "bool", required=False, other_headers=("是否致富带头人",)),
            Column("mobile", "流动党员", "bool", required=False, other_headers=("是否流动党员",)),
            Column("party_group", "党小组", "text", required=False, nullable=True),
            Column("unit", "所在单位", "text", required=False, nullable=True,
                   en="Unit (village / company)", other_headers=("工作单位", "所在村")),
        ),
        references=(Reference("branch_id", "branches", "branch_id"),),
        other_names=("党员信息",),
    ),
    "meetings": TableSchema(
        "meetings", "会议", "meeting_id",
        (
            _id("meeting_id", "会议编号"),
            _id("branch_id", "支部编号"),
            Column("date", "日期", "date", other_headers=("会议日期",)),
            Column("kind", "会议类型", "category", allowed=MEETING_KINDS, aliases="kind_meeting"),
            Column("attendees", "参会人数", "int", minimum=0, other_headers=("到会人数",)),
            Column("decisions", "决议事项数", "int", minimum=0, required=False,
                   other_headers=("决策事项数",)),
        ),
        references=(Reference("branch_id", "branches", "branch_id"),),
        other_names=("三会一课", "组织生活"),
    ),
    "trainings": TableSchema(
        "trainings", "培训", "training_id",
        (
            _id("training_id", "培训编号"),
            _id("member_id", "党员编号"),
            Column("date", "日期", "date", other_headers=("培训日期",)),
            Column("hours", "学时", "float", minimum=0, other_headers=("培训学时",)),
            Column("kind", "培训类型", "category", allowed=TRAINING_KINDS, aliases="kind_training"),
        ),
        references=(Reference("member_id", "members", "member_id"),),
        other_names=("教育培训",),
    ),
    "inspections": TableSchema(
        "inspections", "督查", "inspection_id",
        (
            _id("inspection_id", "督查编号", other_headers=("检查编号",)),
            _id("branch_id", "支部编号"),
            Column("date", "日期", "date", other_headers=("检查日期", "督查日期")),
            Column("method", "督查方式", "category", allowed=INSPECTION_METHODS, aliases="method",
                   other_headers=("检查方式",)),
            Column("score", "得分", "float", minimum=0, maximum=100, other_headers=("检查得分",)),
        ),
        references=(Reference("branch_id", "branches", "branch_id"),),
        other_names=("检查", "督查检查"),
    ),
    "problems": TableSchema(
        "problems", "问题", "problem_id",
        (
            _id("problem_id", "问题编号"),
            _id("inspection_id", "督查编号", other_headers=("检查编号",)),
            _id("branch_id", "支部编号"),
            Column("category", "问题类别", "category", allowed=PROBLEM_CATEGORIES, aliases="category"),
            Column("severity", "严重程度", "category", allowed=SEVERITIES, aliases="severity"),
            Column("found", "发现日期", "date"),
            Column("due", "整改期限", "date"),
            Column("rectified", "整改完成日期", "date", nullable=True, other_headers=("销号日期",)),
        ),
        references=(
            Reference("inspection_id", "inspections", "inspection_id"),
            Reference("branch_id", "branches", "branch_id"),
        ),
        other_names=("问题清单", "整改"),
    ),
    # Optional: outcomes per branch and year (collective income, satisfaction
    # survey, the department's weak-and-lax list). When absent, the
    # single-year columns of ``branches`` are used.
    "outcomes": TableSchema(
        "outcomes", "年度成效", ("branch_id", "year"),
        (
            _id("branch_id", "支部编号"),
            Column("year", "年度", "int", minimum=1921),
            Column("collective_income", "村集体经济收入", "float", nullable=True, minimum=0,
                   en="Collective income (10k yuan)", other_headers=("集体经济收入",)),
            Column("satisfaction", "满意度", "float", nullable=True, minimum=0, maximum=100,
                   other_headers=("群众满意度",)),
            Column("weak_lax", "软弱涣散", "bool", required=False,
                   en="Listed as weak and lax", other_headers=("是否软弱涣散",)),
        ),
        references=(Reference("branch_id", "branches", "branch_id"),),
        required=False,
        other_names=("年度数据",),
    ),
    # Optional: the scores of the items a county's rule sheet (评分细则) leaves to the assessors:
    # each branch scores itself first (自评分), then the assessors score it on site (考核分).
    # Which items exist and their full points come from the rule sheet, so they are checked
    # against it when scoring (workbench.assess.rulesheet.check_scores).
    "scores": TableSchema(
        "scores", "考核评分", ("branch_id", "year", "item"),
        (
            _id("branch_id", "支部编号"),
            Column("year", "年度", "int", minimum=1921, other_headers=("考核年度",)),
            _id("item", "项目", en="Item", other_headers=("项目编号", "考核项目", "评分项目")),
            Column("self_score", "自评分", "float", nullable=True, minimum=0,
                   en="Self score", other_headers=("自查分", "自评得分", "自查得分")),
            Column("assessor_score", "考核分", "float", nullable=True, minimum=0,
                   en="Assessor score", other_headers=("考核得分", "考核组评分", "评分")),
            Column("assessor", "考核人", "text", required=False, nullable=True,
                   other_headers=("考核组", "评分人")),
            # not 备注: a 备注 column is a clerk's remark the intake passes over in every table
            Column("note", "考核意见", "text", required=False, nullable=True, other_headers=("评分说明", "扣分说明")),
        ),
        references=(Reference("branch_id", "branches", "branch_id"),),
        required=False,
        other_names=("考核打分", "现场考核", "assessor_scores"),
    ),
}

TABLE_ORDER = tuple(TABLES)
REQUIRED_TABLES = tuple(t for t, s in TABLES.items() if s.required)


def header_aliases(table: str) -> dict[str, str]:
    """Map every accepted header spelling of ``table`` to its column identifier.

    Matching ignores case, surrounding spaces and full-width parentheses.

    >>> header_aliases("members")["出生年份"]
    'birth_year'
    """
    out: dict[str, str] = {}
    for col in TABLES[table].columns:
        for spelling in (col.name, col.zh, col.label_en, *col.other_headers):
            for variant in header_variants(spelling):
                out.setdefault(variant, col.name)
    return out


_BRACKETS = re.compile(r"[(\[【<《{][^()\[\]【】<>《》{}]*[)\]】>》}]$")


def normalize_header(text: str) -> str:
    r"""A header (or table name) as compared: full-width folded, no spaces, line breaks, ``*`` or case.

    >>> normalize_header(" 支部\n编号 * "), normalize_header("Branch ID")
    ('支部编号', 'branchid')
    """
    text = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    text = re.sub(r"[\s_]+", "", text).lower()
    return text.strip("*:：")


def header_variants(text: str) -> list[str]:
    """Ways to match a header: as written, then without a unit in brackets at the end.

    >>> header_variants("村集体经济收入（万元）")
    ['村集体经济收入(万元)', '村集体经济收入']
    """
    key = normalize_header(text)
    out = [key]
    bare = key
    while _BRACKETS.search(bare):
        bare = _BRACKETS.sub("", bare).strip("*:：")
        if bare and bare not in out:
            out.append(bare)
    return out


def is_ignored_header(text: str) -> bool:
    """序号 (row number) and 备注 (remarks) columns: accepted, carry nothing of ours.

    >>> is_ignored_header("序号"), is_ignored_header("备注（选填）"), is_ignored_header("姓名")
    (True, True, False)
    """
    return any(v in _IGNORED for v in header_variants(text))


_IGNORED = frozenset(normalize_header(h) for h in IGNORED_HEADERS)


def preferred_spellings(col: Column, *, chinese: bool = True) -> tuple[str, ...]:
    """The values of a category (or yes/no) column as a clerk writes them.

    >>> preferred_spellings(TABLES["branches"].column("kind"))
    ('村', '社区', '企业', '机关事业单位', '联合')
    """
    if col.kind == "bool":
        return YES_NO_ZH if chinese else ("yes", "no")
    if not chinese or not col.aliases:
        return tuple(col.allowed)
    first: dict[str, str] = {}
    for spelling, value in VALUE_ALIASES[col.aliases].items():
        if not spelling.isascii():
            first.setdefault(value, spelling)
    return tuple(first.get(v, v) for v in col.allowed)
