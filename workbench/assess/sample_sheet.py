"""The example county rule sheet (sample_data/评分细则.xlsx) and assessor scores for the sample county.

``python -m workbench.assess.sample_sheet sample_data`` writes the sheet, adds
the table ``scores`` (考核评分: self scores and the assessors' scores of the
sheet's on-site items, both years) to the sample county's CSV folder and to
its workbook, and checks that both still load. The scores are drawn (seeded)
around what the branch's records say, with self scores that run above the
assessors' as they do in practice.

>>> rows = SAMPLE_ITEMS
>>> sum(r[3] for r in rows if r[5] != "加分")
100
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..files import atomic_path, write_excel

__all__ = ["SAMPLE_ITEMS", "SAMPLE_HEADERS", "write_sample_rule_sheet", "sample_scores"]

#: The headers as a county writes them (line breaks and units as in real sheets).
SAMPLE_HEADERS = ("序号", "维度", "项目", "名称", "分值\n（分）", "依据", "计分方式", "标准", "每单位分值",
                  "适用类型", "评分细则")

#: dimension, item, name, points, source, method, standard, per_unit, applies_to, the rule as published
SAMPLE_ITEMS: tuple[tuple, ...] = (
    ("队伍建设", "reserve_cadres", "村级后备干部", 6, "reserve_cadres", "低于标准扣分", 2, 3, "村,社区",
     "后备干部不少于2名，每少1名扣3分"),
    ("队伍建设", "secretary_in_post", "书记在岗履职", 4, "secretary_in_post", "按比例", 1, None, "",
     "书记在岗得满分，空缺不得分"),
    ("队伍建设", "wealth_leader", "书记为致富带头人", 4, "secretary_wealth_leader", "按比例", 1, None, "村",
     "村党组织书记为致富带头人得满分"),
    ("队伍建设", "capable_cadres", "能人进班子", 6, "capable_cadres", "按比例", 0.6, None, "村、社区",
     "村（社区）干部中能人占60%以上得满分，不足按比例计分"),
    ("教育管理", "college_share", "支委学历结构", 5, "committee_college_share", "按比例", 0.6, None, "",
     "支委大专以上学历占60%以上得满分，不足按比例计分"),
    ("教育管理", "training_hours", "党员教育培训", 5, "training_hours", "低于标准扣分", 32, 0.5, "",
     "党员年人均学习培训不少于32学时，每少1学时扣0.5分"),
    ("教育管理", "young_cadre", "35岁以下干部", 5, "young_cadre", "按比例", 1, None, "",
     "班子中有35岁以下成员得满分"),
    ("基础建设", "setting_compliance", "支部设置规范", 5, "setting_compliance", "按比例", 1, None, "",
     "组织设置符合规定得满分，按合规比例计分"),
    ("基础建设", "new_members", "发展党员", 3, "new_members", "低于标准扣分", 1, 3, "",
     "年内未发展党员扣3分"),
    ("基础建设", "election_on_time", "按期换届", 3, "election_on_time", "按比例", 1, None, "",
     "按期换届得满分，逾期不得分"),
    ("基础建设", "young_members", "青年党员比例", 4, "young_member_share", "按比例", 0.3, None, "",
     "35岁以下党员占30%以上得满分，不足按比例计分"),
    ("红色教育", "red_sessions", "红色教育活动", 5, "red_sessions", "低于标准扣分", 4, 1.25, "",
     "全年开展红色教育不少于4次，每少1次扣1.25分"),
    ("红色教育", "trained_share", "党员分批轮训", 5, "trained_share", "按比例", 0.9, None, "",
     "党员轮训覆盖90%以上得满分，不足按比例计分"),
    ("督查整改", "three_meetings", "三会一课", 8, "three_meetings_completion", "按比例", 1, None, "",
     "按完成比例计分"),
    ("督查整改", "themed_day", "主题党日", 4, "themed_day_completion", "按比例", 1, None, "",
     "按完成比例计分"),
    ("督查整改", "problems_found", "督查发现问题", 4, "problems_found", "每次扣分", None, 0.5, "",
     "每发现1个问题扣0.5分，扣完为止"),
    ("督查整改", "overdue_problems", "问题逾期未整改", 4, "overdue_problems", "每次扣分", None, 1, "",
     "每有1个问题逾期未整改扣1分，扣完为止"),
    ("督查整改", "records_onsite", "党建档案现场检查", 5, "assessor", "考核打分", None, None, "",
     "考核组现场查阅档案打分"),
    ("功能发挥", "general_meeting", "党员大会议事决策", 4, "general_meeting_decisions", "低于标准扣分", 4, 1,
     "", "党员大会全年议事决策不少于4项，每少1项扣1分"),
    ("功能发挥", "satisfaction", "群众满意度", 6, "satisfaction", "按比例", 90, None, "",
     "满意度90%以上得满分，不足按比例计分"),
    ("功能发挥", "function_onsite", "作用发挥现场考核", 5, "assessor", "考核打分", None, None, "",
     "考核组现场考核打分"),
    ("功能发挥", "income_bonus", "村集体经济收入加分", 3, "collective_income", "加分", None, 0.1, "村",
     "村集体经济收入每1万元加0.1分，最多加3分"),
    ("基础建设", "recruit_bonus", "发展党员加分", 2, "new_members", "加分", None, 0.5, "",
     "每发展1名党员加0.5分，最多加2分"),
)

#: The on-site items the assessors score, and what in the records the scores lean on.
_ONSITE = {"records_onsite": "three_meetings_completion", "function_onsite": "satisfaction"}


def write_sample_rule_sheet(path: str | Path) -> Path:
    """Write the example rule sheet (sheet 评分细则, Chinese headers with line breaks and units).

    >>> import tempfile, workbench as wb
    >>> fw = wb.Framework.from_rule_sheet(write_sample_rule_sheet(Path(tempfile.mkdtemp()) / "r.xlsx"))
    >>> len(fw.indicators), len(fw.bonus)
    (21, 2)
    """
    rows = [[k + 1, *item] for k, item in enumerate(SAMPLE_ITEMS)]
    frame = pd.DataFrame(rows, columns=list(SAMPLE_HEADERS))
    return write_excel(Path(path), {"评分细则": frame})


def sample_scores(data, framework, *, seed: int = 0) -> pd.DataFrame:
    """Self and assessor scores of the framework's on-site items for every branch and year (seeded).

    The assessors' score leans on the branch's records (three meetings and one
    lesson done, satisfaction), with noise; the self score runs above it by a
    point or so, and a few branches were not visited (no assessor score).
    """
    from .indicators import compute_indicators

    rng = np.random.default_rng(seed)
    items = {i.id: float(i.normalization.points) for i in framework.indicators if i.derivation == "assessor"}
    rows = []
    assessors = ["县委组织部考核一组", "县委组织部考核二组", "县委组织部考核三组"]
    towns = {t: assessors[k % len(assessors)] for k, t in enumerate(sorted(data.branches["township"].unique()))}
    for year in data.periods:
        table = compute_indicators(data, period=year)
        for item, points in items.items():
            basis = table[_ONSITE.get(item, "three_meetings_completion")].to_numpy(dtype="float64")
            share = basis / 100.0 if np.nanmax(basis) > 1.5 else basis
            share = np.nan_to_num(share, nan=0.6)
            assessor = np.clip(points * (0.35 + 0.6 * share) + rng.normal(0, 0.4, len(share)), 0, points)
            self_score = np.clip(assessor + np.abs(rng.normal(0.6, 0.5, len(share))), 0, points)
            visited = rng.random(len(share)) > 0.02
            for k, branch in enumerate(table.index):
                town = data.branches["township"].iloc[k]
                low = assessor[k] < 0.6 * points
                rows.append({"branch_id": branch, "year": year, "item": item,
                             "self_score": round(float(self_score[k]), 1),
                             "assessor_score": round(float(assessor[k]), 1) if visited[k] else np.nan,
                             "assessor": towns[town] if visited[k] else None,
                             "note": ("档案不全，需整改" if item == "records_onsite" else "作用发挥不明显")
                             if visited[k] and low else None})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Write 评分细则.xlsx into a county folder and add the assessor scores to its CSV files and workbook."""
    import dataclasses

    from ..data import load
    from .framework import Framework

    folder = Path((argv or sys.argv[1:] or ["sample_data"])[0])
    sheet = write_sample_rule_sheet(folder / "评分细则.xlsx")
    framework = Framework.from_rule_sheet(sheet)
    data = load(folder)
    scores = sample_scores(data, framework)
    data = dataclasses.replace(data, scores=scores.astype(data.scores.dtypes.to_dict()))
    # the one new table beside the county's files, written as they are (plain CSV, English headers)
    with atomic_path(folder / "scores.csv") as tmp:
        data.scores.to_csv(tmp, index=False, encoding="utf-8")
    book = folder / "county.xlsx"
    if book.exists():
        data.to_excel(book, lang="zh")
    again = load(folder)
    assert again.equals(data) and (not book.exists() or load(book).equals(data))
    print(f"{sheet}: {len(framework.indicators)} items, {len(framework.bonus)} bonus; "
          f"{len(scores)} assessor scores added to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
