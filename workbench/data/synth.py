"""A seeded generator of realistic synthetic counties and provinces.

The numbers come from DOMAIN.md: about 22 members per branch (villages 15-60,
a few branches under 3 and a few over 50), committees of 3-5 where a branch
has 7 or more formal members, secretaries aged 45.5 on average (sd 7), the
education mix of two-committee members, 2-3 reserve cadres per village,
three-meetings-one-lesson records with some branches falling short, trainings,
inspections and problem lists with some problems overdue, and 10-15 % weak
and lax branches whose records show it (fewer meetings, more problems, lower
satisfaction, older committees).

Everything is vectorised with numpy: 10^5 branches (about 2 million members)
take seconds, not minutes.

>>> from workbench.data.synth import generate
>>> data = generate(60, seed=1)
>>> len(data.branches)
60
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from .core import BranchData
from .schema import (
    BRANCH_KINDS,
    EDUCATION,
    INSPECTION_METHODS,
    MEETING_KINDS,
    PROBLEM_CATEGORIES,
    ROLES,
    SEVERITIES,
    TRAINING_KINDS,
)
from .validate import DATE_DTYPE, TEXT_DTYPE

__all__ = ["generate", "SynthConfig"]

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = list("建国华明军平伟英芳秀兰海涛强磊洋艳勇杰娟静敏丽志红刚峰春梅林斌辉玲燕霞鹏飞浩宇晨欣雪婷超波文俊学成德福贵荣祥庆永新发晓")
_SYLL_A = list("东西南北上下大小前后新老高长青红白金石古双三五柳桃杏松竹梅兰李杨柏枫河湖溪泉山岭峰坪塘坝湾桥")
_SYLL_B = list("安平和丰兴宁康乐泰福祥瑞阳明光华源盛荣昌隆庄沟店集营堡寨坡岗关口")
_TOWN_SUFFIX = ["镇", "乡", "街道"]
_INSTITUTIONS = ["中心小学", "中学", "卫生院", "派出所", "财政所", "农业服务中心", "文化站", "供电所", "司法所", "林业站"]
_COMPANY = ["农业", "食品", "建材", "物流", "纺织", "机械", "电子", "商贸", "旅游", "养殖"]
_NUMERALS = list("一二三四五六七八九十")

# Per-year required counts (DOMAIN.md, three meetings and one lesson and organisational life).
REQUIRED = {
    "general_meeting": 4, "committee_meeting": 12, "group_meeting": 12, "party_lesson": 4,
    "themed_day": 12, "organizational_life": 1, "democratic_review": 1,
}


@dataclass(frozen=True)
class SynthConfig:
    """Shares and rates of the generator; the defaults follow DOMAIN.md."""

    kind_shares: tuple[float, ...] = (0.52, 0.10, 0.16, 0.16, 0.06)
    weak_share_village: float = 0.16
    weak_share_other: float = 0.08
    branches_per_township: int = 25
    tiny_share: float = 0.02          # branches with fewer than 3 members
    no_committee_share: float = 0.03  # branches of 7+ formal members without a committee
    no_discipline_share: float = 0.05
    vacant_secretary_share: float = 0.015
    overdue_term_share: float = 0.06
    lagging_share: float = 0.25       # sound branches whose records fall short here and there


def generate(n_branches: int = 300, *, seed: int | np.random.Generator | None = 0,
             years: tuple[int, ...] = (2024, 2025), today: dt.date | None = None,
             config: SynthConfig = SynthConfig(), validate: bool = True,
             ids: Mapping[str, tuple[int, int]] | None = None, township_prefix: str = "") -> BranchData:
    """Generate a synthetic county (or province) of ``n_branches`` branches.

    ``years`` are the assessment periods with activity records; outcomes
    (collective income, satisfaction) also cover the year before the first,
    so income growth can be computed. ``validate=False`` skips the loader's
    checks (the generator's output is valid by construction; the tests prove it).

    One part of a larger dataset generated piece by piece (``workbench.scale``)
    needs ids unique across the parts and townships of its own: ``ids`` maps a
    table name (branches, members, meetings, trainings, inspections, problems)
    to ``(start, digits)``: its ids number from ``start + 1`` with at least
    ``digits`` digits; ``township_prefix`` (e.g. a county name) is put before
    every township name.

    >>> data = generate(40, seed=3, years=(2025,))
    >>> data.periods
    [2025]
    """
    if n_branches < 1:
        raise ValueError(f"n_branches must be at least 1, got {n_branches}")
    years = tuple(sorted(int(y) for y in years))
    today = pd.Timestamp(today or dt.date.today())
    if pd.Timestamp(years[0], 1, 1) > today:
        raise ValueError(f"the first year {years[0]} starts after today ({today.date()})")
    rng = np.random.default_rng(seed)
    g = _Generator(n_branches, rng, years, today, config, dict(ids or {}), township_prefix)
    tables = g.run()
    data = BranchData(**tables, source=f"synthetic(n={n_branches}, seed={seed})")
    if validate:
        return BranchData.from_frames(**data.tables(), today=today.date(), source=data.source)
    return data


def _ids(prefix: str, n: int, width: int | None = None, start: int = 0) -> pd.Series:
    """Sequential identifiers (``B00001`` ...; from ``start + 1``), built as bytes: millions in a second."""
    width = max(width or max(5, len(str(n))), len(str(start + n)))
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    w = len(head) + width
    buf = np.empty((n + 1, w), dtype=np.uint8)
    buf[:, : len(head)] = head
    numbers = np.arange(start, start + n + 1, dtype=np.int64) if start else None
    for j in range(width):  # digit j cycles 0-9, each repeated 10**j times
        if numbers is not None:
            buf[:, w - 1 - j] = 48 + (numbers // 10**j) % 10
            continue
        cycle = np.repeat(np.arange(48, 58, dtype=np.uint8), min(10**j, n + 1))
        buf[:, w - 1 - j] = np.resize(cycle, n + 1)
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets),
                                           pa.py_buffer(np.ascontiguousarray(buf[1:]).reshape(-1)))
    return pd.Series(arr.to_pandas()).astype(TEXT_DTYPE)


def _take(ids: pd.Series, index: np.ndarray) -> pd.Series:
    """``ids[index]`` as a string Series, through Arrow (no Python string objects)."""
    arr = pa.array(ids)
    return pd.Series(arr.take(pa.array(index)).to_pandas(), index=pd.RangeIndex(len(index))).astype(TEXT_DTYPE)


def _lookup(values, index: np.ndarray) -> pd.Series:
    """``values[index]`` as a string Series (values: a short list or array of strings)."""
    return _take(pd.Series(np.asarray(values, dtype=object)).astype(TEXT_DTYPE), index)


def _pick(rng, options, n, p=None):
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _strs(*parts) -> np.ndarray:
    out = np.asarray(parts[0]).astype(np.dtypes.StringDType())
    for part in parts[1:]:
        out = np.strings.add(out, np.asarray(part).astype(np.dtypes.StringDType()))
    return out


def _days(ts: pd.Timestamp) -> int:
    return int((ts - pd.Timestamp("1970-01-01")).days)


def _to_dates(days: np.ndarray) -> pd.Series:
    return pd.Series(days.astype("datetime64[D]")).astype(DATE_DTYPE)


class _Generator:
    def __init__(self, n, rng, years, today, config, ids=None, township_prefix=""):
        self.n, self.rng, self.years, self.today, self.cfg = n, rng, years, today, config
        self.ref_year = years[-1]
        self.today_days = _days(today)
        self.id_start, self.township_prefix = ids or {}, township_prefix

    def _ids(self, table: str, prefix: str, n: int, width: int | None = None) -> pd.Series:
        start, digits = self.id_start.get(table, (0, 0))
        return _ids(prefix, n, max(width or max(5, len(str(n))), digits), start=start)

    # ------------------------------------------------------------------ branches
    def run(self) -> dict[str, pd.DataFrame]:
        self._branches()
        self._members()
        meetings = self._meetings()
        trainings = self._trainings()
        inspections, problems = self._inspections()
        outcomes = self._outcomes()
        branches = self.branch_frame
        last = outcomes[outcomes["year"] == self.ref_year].set_index("branch_id")
        branches["collective_income"] = branches["branch_id"].map(last["collective_income"]).astype("float64")
        branches["satisfaction"] = branches["branch_id"].map(last["satisfaction"]).astype("float64")
        return {"branches": branches, "members": self.member_frame, "meetings": meetings,
                "trainings": trainings, "inspections": inspections, "problems": problems,
                "outcomes": outcomes}

    def _branches(self):
        rng, n, cfg = self.rng, self.n, self.cfg
        kind = rng.choice(len(BRANCH_KINDS), size=n, p=cfg.kind_shares)
        n_town = max(1, round(n / cfg.branches_per_township))
        town_names = self._place_names(n_town, _TOWN_SUFFIX)
        town_weight = rng.dirichlet(np.full(n_town, 8.0))
        town = np.sort(rng.choice(n_town, size=n, p=town_weight))
        weak_p = np.where(kind == 0, cfg.weak_share_village, cfg.weak_share_other)
        weak = rng.random(n) < weak_p

        median = np.array([27, 23, 9, 14, 13])[kind]
        sigma = np.array([0.38, 0.35, 0.55, 0.45, 0.35])[kind]
        size = np.round(np.exp(rng.normal(np.log(median), sigma))).astype(int)
        size = np.clip(size, 3, 95)
        size[kind == 0] = np.clip(size[kind == 0], 12, 95)
        tiny = (rng.random(n) < cfg.tiny_share / 0.32) & np.isin(kind, [2, 3])
        size[tiny] = rng.integers(1, 3, size=tiny.sum())

        # Units (companies) of joint branches: normally at most 5, a few more.
        n_units = np.where(kind == 4, rng.choice([2, 3, 4, 5, 6, 7], size=n,
                                                 p=[.2, .3, .25, .15, .06, .04]), 0)
        size = np.where(kind == 4, np.maximum(size, n_units + 1), size)

        term = np.where(np.isin(kind, [0, 1]), 5, 3)
        end_days = _days(pd.Timestamp(self.ref_year, 12, 31))
        est_year = rng.integers(1955, self.years[0] - 2, size=n)
        established = np.array([_days(pd.Timestamp(y, 1, 1)) for y in range(1955, self.years[0] - 1)])
        established = established[est_year - 1955] + rng.integers(0, 365, size=n)
        overdue = rng.random(n) < np.where(weak, 3, 1) * cfg.overdue_term_share
        years_ago = np.where(overdue, term + rng.uniform(0.1, 1.5, size=n), rng.uniform(0.2, term - 0.05))
        elected = end_days - np.round(years_ago * 365.25).astype(int)
        elected = np.maximum(elected, established + 30)
        elected = np.minimum(elected, self.today_days)

        # A middle tier between sound and weak branches: records that fall short here and there.
        lagging = (~weak) & (rng.random(n) < cfg.lagging_share)
        self.tier = np.where(weak, 0, np.where(lagging, 1, 2))
        self.kind, self.town, self.weak, self.size, self.n_units = kind, town, weak, size, n_units
        self.term = term
        names = self._branch_names(kind, town, town_names, n_units)
        self.branch_ids = self._ids("branches", "B", n)
        self.branch_frame = pd.DataFrame({
            "branch_id": self.branch_ids,
            "name": pd.Series(names).astype(TEXT_DTYPE),
            "township": pd.Series(np.asarray([self.township_prefix + t for t in town_names],
                                             dtype=object)[town]).astype(TEXT_DTYPE),
            "kind": pd.Categorical.from_codes(kind, categories=list(BRANCH_KINDS)),
            "established": _to_dates(established),
            "committee_elected": _to_dates(elected),
            "collective_income": np.nan,
            "satisfaction": np.nan,
        })
        self.town_names = town_names

    def by_tier(self, weak, lagging, good, index=None) -> np.ndarray:
        """Per-branch (or per-record, through ``index``) values by quality tier."""
        tier = self.tier if index is None else self.tier[index]
        return np.choose(tier, [weak, lagging, good])

    def _place_names(self, n, suffixes):
        rng = self.rng
        pairs = np.array([a + b for a in _SYLL_A for b in _SYLL_B])
        rng.shuffle(pairs)
        base = pairs[np.arange(n) % len(pairs)]
        suffix = _pick(rng, suffixes, n, p=[0.55, 0.3, 0.15])
        rounds = np.arange(n) // len(pairs)
        tag = np.where(rounds > 0, rounds.astype(str), "")
        return list(_strs(base, tag, suffix.astype(str)))

    def _branch_names(self, kind, town, town_names, n_units):
        rng, n = self.rng, self.n
        stem = _strs(_pick(rng, _SYLL_A, n), _pick(rng, _SYLL_B, n))
        town_short = np.asarray([t[:2] for t in town_names], dtype=object)[town]
        seq = np.arange(1, n + 1).astype(str)
        names = np.where(
            kind == 0, _strs(stem, "村党支部"),
            np.where(kind == 1, _strs(stem, "社区党支部"),
                     np.where(kind == 2, _strs(stem, _pick(rng, _COMPANY, n), "有限公司党支部"),
                              np.where(kind == 3, _strs(town_short, _pick(rng, _INSTITUTIONS, n), "党支部"),
                                       _strs(town_short, "非公企业联合党支部")))))
        # Names repeat across a province; the number keeps each one distinct.
        return _strs(names, "（", seq, "）") if n > 400 else _make_unique(names)

    # ------------------------------------------------------------------- members
    def _members(self):
        rng, cfg = self.rng, self.cfg
        size, kind, weak = self.size, self.kind, self.weak
        n = self.n
        m = int(size.sum())
        mb = np.repeat(np.arange(n), size)
        start = np.cumsum(size) - size
        pos = np.arange(m) - start[mb]

        # New members sit at the end of each branch's list; they joined during the periods.
        p_new = np.where(weak, 0.012, 0.05)
        n_new = np.minimum(rng.binomial(size, p_new * len(self.years)), np.maximum(size - 3, 0))
        is_new = pos >= (size - n_new)[mb]
        new_year = rng.choice(self.years, size=m)
        formal_est = size - n_new  # members who joined before the periods

        # Committee: required at 7+ formal members; a few branches lack one.
        has_committee = (formal_est >= 7) & (rng.random(n) >= cfg.no_committee_share)
        c = rng.choice([3, 4, 5, 7, 2, 6, 8], size=n, p=[.32, .06, .46, .08, .03, .03, .02])
        c = np.where(has_committee, np.minimum(c, formal_est), 0)
        no_disc = rng.random(n) < np.where(weak, 2.5, 1.0) * cfg.no_discipline_share
        vacant = rng.random(n) < np.where(weak, 4.0, 1.0) * cfg.vacant_secretary_share
        deputy_small = (~has_committee) & (size >= 3) & (rng.random(n) < 0.3)

        seq3 = ["secretary", "organization", "discipline"]
        seq = ["secretary", "organization", "propaganda", "discipline", "deputy_secretary"]
        table = np.full((10, 12), ROLES.index("member"), dtype=np.int8)
        for cc in range(1, 10):
            order = seq3 if cc == 3 else seq
            for p in range(cc):
                role = order[p] if p < len(order) else "committee"
                table[cc, p] = ROLES.index(role)
        cb = c[mb]
        role = np.where(pos < cb, table[np.minimum(cb, 9), np.minimum(pos, 11)], ROLES.index("member"))
        small = (cb == 0)
        role = np.where(small & (pos == 0) & (size[mb] >= 1), ROLES.index("secretary"), role)
        role = np.where(small & (pos == 1) & deputy_small[mb], ROLES.index("deputy_secretary"), role)
        role = np.where((role == ROLES.index("discipline")) & no_disc[mb], ROLES.index("committee"), role)
        role = np.where((role == ROLES.index("secretary")) & vacant[mb], ROLES.index("member"), role)
        role = np.where(is_new, ROLES.index("member"), role)
        on_committee = (role != ROLES.index("member"))
        secretary = role == ROLES.index("secretary")

        # Reserve cadres follow the committee in the list.
        reserve_target = np.where(kind == 0, rng.poisson(np.where(weak, 0.8, 2.3)),
                                  rng.poisson(np.where(weak, 0.2, 0.6)))
        first_plain = np.maximum(c, np.where(deputy_small, 2, 1))
        reserve_n = np.clip(np.minimum(reserve_target, size - n_new - first_plain), 0, None)
        reserve = (~on_committee) & (~is_new) & (pos >= first_plain[mb]) & (pos < (first_plain + reserve_n)[mb])

        # Ages (in the last period year), by role.
        ref = self.ref_year
        weak_m = weak[mb]
        age = np.where(rng.random(m) < 0.36, rng.uniform(61, 88, m), rng.uniform(24, 60, m))
        age = np.where(is_new, rng.uniform(22, 38, m), age)
        age = np.where(reserve, rng.uniform(23, 35, m), age)
        committee_age = np.clip(rng.normal(np.where(weak_m, 54, 45), np.where(weak_m, 7, 9)), 24, 66)
        # "Young" teams: many branches have brought a member under 35 onto the committee.
        young_pick = rng.random(m) < np.where(weak_m, 0.04, 0.22)
        committee_age = np.where(young_pick, rng.uniform(26, 34.9, m), committee_age)
        age = np.where(on_committee & ~secretary, committee_age, age)
        sec_age = np.clip(rng.normal(np.where(weak_m, 53, 45.5), np.where(weak_m, 5, 7)), 25, 60)
        age = np.where(secretary, sec_age, age)
        birth_year = ref - np.round(age).astype(int)

        # Education by role and kind; weak branches lower.
        rural = np.isin(kind[mb], [0])
        base = np.where(rural[:, None], np.array([.13, .33, .22, .10, .12, .09, .01]),
                        np.array([.02, .08, .15, .08, .22, .38, .07]))
        shift = np.where(on_committee[:, None] | reserve[:, None],
                         np.array([-.5, -.35, 0.1, 0.1, 0.35, 0.3, 0.0]), 0.0)
        shift = shift + np.where(secretary[:, None], np.array([-.3, -.3, 0, 0, .1, .1, 0]), 0.0)
        shift = shift + np.where(weak_m[:, None], np.array([.6, .5, 0, 0, -.4, -.4, -.4]), 0.0)
        probs = base * np.exp(shift)
        probs /= probs.sum(axis=1, keepdims=True)
        education = (probs.cumsum(axis=1) < rng.random(m)[:, None]).sum(axis=1)
        education = np.minimum(education, len(EDUCATION) - 1)

        female = rng.random(m) < np.where(secretary, 0.07, np.where(on_committee, 0.33, 0.26))

        # Join date: at 18 or later; new members during the periods.
        old_enough = birth_year + 18
        last_possible = np.maximum(old_enough, self.years[0] - 1)
        join_year = np.where(is_new, np.maximum(new_year, old_enough),
                             rng.integers(old_enough, last_possible + 1))
        join_day = rng.integers(0, 365, m)
        join = np.minimum(self._jan1(join_year) + join_day, self.today_days)
        probationary = join > (self.today_days - 365)
        probationary |= is_new & (join_year == self.years[-1])

        village_like = np.isin(kind[mb], [0, 1])
        village_cadre = village_like & (on_committee | ((pos == first_plain[mb] + reserve_n[mb]) & (rng.random(m) < .6)))
        wealth = rng.random(m) < np.where(secretary, np.where(weak_m, 0.25, 0.50),
                                          np.where(on_committee, 0.22, np.where(rural, 0.06, 0.02)))
        mobile = (~on_committee) & (rng.random(m) < np.where(rural, 0.11, 0.04))

        # Party groups of about 12 in branches of 25+; villages name them after natural villages.
        n_groups = np.where(size >= 25, np.ceil(size / 12).astype(int), 0)
        group_idx = pos % np.maximum(n_groups[mb], 1)
        has_group = n_groups[mb] > 0
        # Names are built once per branch and group (or unit), then looked up per member.
        natural = _strs(_pick(rng, _SURNAMES, n), _pick(rng, ["家", "庄", "王", "李"], n))
        numerals = np.asarray(_NUMERALS, dtype=object)
        village_groups = _strs(np.repeat(natural, 10), np.tile(numerals, n), "组")
        other_groups = [f"第{x}党小组" for x in _NUMERALS]
        cell = mb * 10 + group_idx % 10
        village_group = _lookup(village_groups, cell)
        group_name = village_group.where(kind[mb] == 0, _lookup(other_groups, group_idx % 10))
        party_group = group_name.where(has_group)
        # Units: companies of joint branches; natural villages of village branches.
        unit_idx = pos % np.maximum(self.n_units[mb], 1)
        branch_of_cell = np.repeat(np.arange(n), 8)
        unit_of_cell = np.tile(np.arange(8), n)
        companies = _strs(np.asarray(self.town_names, dtype=object)[self.town][branch_of_cell],
                          np.asarray(_SYLL_A, dtype=object)[(branch_of_cell * 7 + unit_of_cell) % len(_SYLL_A)],
                          np.asarray(_COMPANY, dtype=object)[(branch_of_cell + unit_of_cell * 3) % len(_COMPANY)],
                          "公司")
        company = _lookup(companies, mb * 8 + unit_idx)
        unit = company.where(kind[mb] == 4, village_group)
        unit = unit.where((kind[mb] == 4) | ((kind[mb] == 0) & has_group))

        given = [*_GIVEN, ""]
        name_table = [a + b + c for a in _SURNAMES for b in _GIVEN for c in given]
        name_idx = (rng.integers(0, len(_SURNAMES), m) * len(_GIVEN) + rng.integers(0, len(_GIVEN), m)) \
            * len(given) + np.where(rng.random(m) < 0.6, rng.integers(0, len(_GIVEN), m), len(_GIVEN))
        names = _lookup(name_table, name_idx)
        self.member_ids = self._ids("members", "M", m, width=max(7, len(str(m))))
        self.mb, self.pos, self.on_committee, self.c = mb, pos, on_committee, c
        self.is_new, self.mobile = is_new, mobile
        self.n_groups = n_groups
        self.member_frame = pd.DataFrame({
            "member_id": self.member_ids,
            "branch_id": _take(self.branch_ids, mb),
            "name": names,
            "gender": pd.Categorical.from_codes(female.astype(np.int8), categories=["male", "female"]),
            "birth_year": birth_year.astype("int64"),
            "education": pd.Categorical.from_codes(education.astype(np.int8), categories=list(EDUCATION)),
            "join_date": _to_dates(join),
            "status": pd.Categorical.from_codes(probationary.astype(np.int8), categories=["formal", "probationary"]),
            "role": pd.Categorical.from_codes(role.astype(np.int8), categories=list(ROLES)),
            "village_cadre": village_cadre,
            "reserve_cadre": reserve,
            "wealth_leader": wealth,
            "mobile": mobile,
            "party_group": party_group,
            "unit": unit,
        })
        self.member_frame["branch_id"] = self.member_frame["branch_id"].astype(TEXT_DTYPE)

    # ------------------------------------------------------------------ meetings
    def _meetings(self) -> pd.DataFrame:
        rng, n = self.rng, self.n
        kinds = list(MEETING_KINDS)
        required = np.array([REQUIRED[k] for k in kinds])
        applies = np.ones((n, len(kinds)), dtype=bool)
        applies[:, kinds.index("committee_meeting")] = self.c > 0
        applies[:, kinds.index("group_meeting")] = self.n_groups > 0
        # Per-branch diligence: most branches hold (nearly) all, weak ones far fewer.
        diligence = self.by_tier(rng.beta(5, 4, n), rng.beta(9, 2.5, n), rng.beta(30, 1.2, n))
        n_years = len(self.years)
        p = np.clip(diligence[:, None, None] * np.ones((1, n_years, len(kinds))), 0, 1)
        counts = rng.binomial(np.broadcast_to(required, p.shape), p)
        counts = counts + (rng.random(p.shape) < 0.05)  # an occasional extra meeting
        counts = np.where(applies[:, None, :], counts, 0)
        flat = counts.reshape(-1)
        total = int(flat.sum())
        cell = np.repeat(np.arange(flat.size), flat)
        branch = cell // (n_years * len(kinds))
        year_i = (cell // len(kinds)) % n_years
        kind = cell % len(kinds)
        year = np.asarray(self.years)[year_i]
        days = self._random_days(year, total)
        size = self.size[branch]
        rate = self.by_tier(0.62, 0.76, 0.88, branch)
        people = np.where(kind == kinds.index("committee_meeting"), self.c[branch],
                          np.where(kind == kinds.index("group_meeting"),
                                   np.ceil(size / np.maximum(self.n_groups[branch], 1)), size))
        attendees = rng.binomial(people.astype(int), np.where(kind == 1, 0.95, rate))
        dec_rate = np.where(kind == 0, np.where(self.weak[branch], 0.6, 1.8),
                            np.where(kind == 1, np.where(self.weak[branch], 0.5, 1.2), 0.0))
        decisions = rng.poisson(dec_rate)
        order = np.lexsort((days, branch))
        return pd.DataFrame({
            "meeting_id": self._ids("meetings", "MT", total, width=max(7, len(str(total)))),
            "branch_id": _take(self.branch_ids, branch[order]),
            "date": _to_dates(days[order]),
            "kind": pd.Categorical.from_codes(kind[order].astype(np.int8), categories=kinds),
            "attendees": attendees[order].astype("int64"),
            "decisions": decisions[order].astype("int64"),
        }).astype({"branch_id": TEXT_DTYPE})

    def _random_days(self, year: np.ndarray, n: int) -> np.ndarray:
        days = self._jan1(year) + self.rng.integers(0, 365, n)
        return np.minimum(days, self.today_days)

    @staticmethod
    def _jan1(year: np.ndarray) -> np.ndarray:
        """Days since 1970 of 1 January of each year (vectorised, any range of years)."""
        year = np.asarray(year, dtype=np.int64)
        lo, hi = int(year.min(initial=1970)), int(year.max(initial=1970))
        table = np.array([_days(pd.Timestamp(y, 1, 1)) for y in range(lo, hi + 1)], dtype=np.int64)
        return table[year - lo]

    # ----------------------------------------------------------------- trainings
    def _trainings(self) -> pd.DataFrame:
        rng = self.rng
        m = len(self.mb)
        weak_m = self.weak[self.mb]
        parts = []
        for year in self.years:
            # batch training and online learning: one record per member and year
            for kind, p_normal, p_weak, hours in (
                ("batch_training", 0.86, 0.5, lambda k: rng.choice([8.0, 16.0, 24.0], size=k)),
                ("online", 0.72, 0.4, lambda k: np.round(rng.uniform(4, 32, size=k))),
            ):
                p = self.by_tier(p_weak, (p_weak + p_normal) / 2, p_normal, self.mb) * np.where(self.mobile, 0.7, 1.0)
                who = np.flatnonzero(rng.random(m) < p)
                parts.append((who, np.full(who.size, year), kind, hours(who.size), None))
            # red education: sessions held by the branch, each attended by most members
            sessions = rng.poisson(self.by_tier(1.2, 2.6, 3.8))
            session_days = self._random_days(np.full(int(sessions.sum()), year), int(sessions.sum()))
            s_start = np.cumsum(sessions) - sessions
            k = sessions[self.mb]
            pair_member = np.repeat(np.arange(m), k)
            pair_session = s_start[self.mb][pair_member] + (np.arange(pair_member.size)
                                                           - np.repeat(np.cumsum(k) - k, k))
            attend = rng.random(pair_member.size) < np.where(self.mobile[pair_member], 0.35, 0.78)
            who = pair_member[attend]
            parts.append((who, np.full(who.size, year), "red_education",
                          rng.choice([3.0, 4.0, 6.0], size=who.size), session_days[pair_session[attend]]))
        member = np.concatenate([p[0] for p in parts])
        year = np.concatenate([p[1] for p in parts])
        kind = np.concatenate([np.full(p[0].size, TRAINING_KINDS.index(p[2])) for p in parts])
        hours = np.concatenate([p[3] for p in parts])
        days = self._random_days(year, member.size)
        fixed = np.concatenate([p[4] if p[4] is not None else np.full(p[0].size, -1) for p in parts])
        days = np.where(fixed >= 0, fixed, days)
        # Members who joined during the year train only after joining.
        join_days = self.member_frame["join_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        keep = days >= join_days[member]
        member, kind, hours, days = member[keep], kind[keep], hours[keep], days[keep]
        order = np.argsort(member.astype(np.int64) * 100_000 + (days - days.min(initial=0)), kind="stable")
        total = member.size
        return pd.DataFrame({
            "training_id": self._ids("trainings", "T", total, width=max(8, len(str(total)))),
            "member_id": _take(self.member_ids, member[order]),
            "date": _to_dates(days[order]),
            "hours": hours[order].astype("float64"),
            "kind": pd.Categorical.from_codes(kind[order].astype(np.int8), categories=list(TRAINING_KINDS)),
        }).astype({"member_id": TEXT_DTYPE})

    # ------------------------------------------------------- inspections, problems
    def _inspections(self):
        rng, n = self.rng, self.n
        rows = []
        for year in self.years:
            for q in range(4):  # the platform checks every branch each quarter
                who = np.flatnonzero(rng.random(n) < 0.97)
                start = _days(pd.Timestamp(year, 1 + 3 * q, 1))
                rows.append((who, start + rng.integers(0, 88, who.size), 0))
            onsite = np.flatnonzero(rng.random(n) < np.where(self.weak, 0.95, 0.45))
            rows.append((onsite, _days(pd.Timestamp(year, 3, 1)) + rng.integers(0, 270, onsite.size), 1))
            materials = np.flatnonzero(rng.random(n) < 0.35)
            rows.append((materials, _days(pd.Timestamp(year, 2, 1)) + rng.integers(0, 300, materials.size), 2))
        branch = np.concatenate([r[0] for r in rows])
        days = np.minimum(np.concatenate([r[1] for r in rows]), self.today_days)
        method = np.concatenate([np.full(r[0].size, r[2]) for r in rows])
        weak = self.weak[branch]
        mean = self.by_tier(71.0, 81.0, 89.0, branch) - np.array([0.0, 2.0, 1.0])[method]
        score = np.round(np.clip(rng.normal(mean, self.by_tier(8.0, 6.0, 4.5, branch)), 0, 100), 1)
        order = np.lexsort((days, branch))
        branch, days, method, score = branch[order], days[order], method[order], score[order]
        n_insp = branch.size
        insp_ids = self._ids("inspections", "I", n_insp, width=max(7, len(str(n_insp))))
        inspections = pd.DataFrame({
            "inspection_id": insp_ids,
            "branch_id": _take(self.branch_ids, branch),
            "date": _to_dates(days),
            "method": pd.Categorical.from_codes(method.astype(np.int8), categories=list(INSPECTION_METHODS)),
            "score": score,
        }).astype({"branch_id": TEXT_DTYPE})

        lam = self.by_tier(1.1, 0.5, 0.18, branch) * np.array([1.0, 2.2, 1.8])[method]
        k = rng.poisson(lam)
        insp = np.repeat(np.arange(n_insp), k)
        total = insp.size
        pb = branch[insp]
        weak_p = self.weak[pb]
        cat_p = np.array([.30, .28, .08, .10, .12, .04, .08])
        category = rng.choice(len(PROBLEM_CATEGORIES), size=total, p=cat_p)
        sev = rng.choice(3, size=total, p=[.55, .41, .04])
        # A serious discipline problem triggers the one-vote veto: keep them rare, mostly in weak branches.
        serious_disc = (category == PROBLEM_CATEGORIES.index("discipline")) & (sev == 2)
        sev = np.where(serious_disc & ~weak_p & (rng.random(total) < 0.7), 1, sev)
        found = days[insp]
        due = found + rng.choice([30, 60, 90], size=total)
        delay = np.round(rng.gamma(2.0, self.by_tier(45.0, 28.0, 14.0, pb))).astype(int) + 1
        open_forever = rng.random(total) < self.by_tier(0.22, 0.09, 0.03, pb)
        rectified = found + delay
        rectified_known = (~open_forever) & (rectified <= self.today_days)
        order = np.lexsort((found, pb))
        problems = pd.DataFrame({
            "problem_id": self._ids("problems", "P", total, width=max(7, len(str(total)))),
            "inspection_id": _take(insp_ids, insp[order]),
            "branch_id": _take(self.branch_ids, pb[order]),
            "category": pd.Categorical.from_codes(category[order].astype(np.int8), categories=list(PROBLEM_CATEGORIES)),
            "severity": pd.Categorical.from_codes(sev[order].astype(np.int8), categories=list(SEVERITIES)),
            "found": _to_dates(found[order]),
            "due": _to_dates(due[order]),
            "rectified": _to_dates(np.where(rectified_known, rectified, 0)[order]).where(rectified_known[order]),
        }).astype({"inspection_id": TEXT_DTYPE, "branch_id": TEXT_DTYPE})
        return inspections, problems

    # ------------------------------------------------------------------ outcomes
    def _outcomes(self) -> pd.DataFrame:
        rng, n = self.rng, self.n
        years = [self.years[0] - 1, *self.years]
        village = self.kind == 0
        income = np.exp(rng.normal(np.log(np.where(self.weak, 5.5, 16.0)), 0.55))
        rows = []
        for i, year in enumerate(years):
            if i:
                income = income * (1 + rng.normal(np.where(self.weak, -0.02, 0.07), 0.09))
            sat = np.clip(rng.normal(self.by_tier(69.0, 81.0, 89.0), self.by_tier(9.0, 6.0, 4.5)), 25, 100)
            flagged = np.where(self.weak, rng.random(n) < 0.8, rng.random(n) < 0.01) if year in self.years \
                else np.zeros(n, dtype=bool)
            rows.append(pd.DataFrame({
                "branch_id": self.branch_ids,
                "year": np.full(n, year, dtype="int64"),
                "collective_income": np.where(village, np.round(np.maximum(income, 0), 2), np.nan),
                "satisfaction": np.round(sat, 1),
                "weak_lax": flagged,
            }))
        return pd.concat(rows, ignore_index=True)


def _make_unique(names: np.ndarray) -> np.ndarray:
    """Number repeated branch names (二, 三, ...) the way a county register would."""
    series = pd.Series(names.astype(object))
    dup = series.groupby(series).cumcount()
    suffix = np.where(dup > 0, "（" + (dup + 1).astype(str) + "）", "")
    return (series + suffix).to_numpy()
