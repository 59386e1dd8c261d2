"""Catalogue part: the dashboards II (branch settings, inspection, research), the weak-and-lax screening
page and the year-over-year view of the overview.

Each entry is a key and its (Chinese, English) text; :func:`workbench.i18n.tr`
looks them up. The labels of the county's key figures are in :mod:`.rules`
(``figure_<name>``): every page shows a number under its one label.
"""

from __future__ import annotations

#: The branch-settings simulator (03): undo of replaced steps, the split planner, the export.
SETTINGS: dict[str, tuple[str, str]] = {
    "replaced_steps": ("替换了原有 {n} 步，点“撤销上一步”可恢复。",
                       "It replaced {n} earlier step(s); “Undo last step” brings them back."),
    "replace_undone": ("已撤销“{what}”，恢复为原来的 {n} 步", "Undid “{what}”: back to the {n} earlier step(s)"),
    "undo_what": ("撤销：{what}", "Undo: {what}"),
    "split_parts_label": ("拆分为", "Split into"),
    "split_parts_option": ("{n} 个支部", "{n} branches"),
    "split_groups_label": ("各组去向", "Where each group goes"),
    "split_group_row": ("{group}：{members} 人{secretary}", "{group}: {members} members{secretary}"),
    "split_with_secretary": ("（含书记）", " (with the secretary)"),
    "split_part_stays": ("留在原支部", "Stays in the branch"),
    "split_part_new": ("新支部 {k}", "New branch {k}"),
    "preview_title": ("拆分预览（尚未执行）", "Preview of the split (not applied yet)"),
    "preview_verdict": ("拆分后共 {n} 个支部：错误 {errors} 条、提醒 {warnings} 条（拆分前该支部错误 {before} 条）",
                        "After the split {n} branches: {errors} errors and {warnings} warnings (the branch has "
                        "{before} errors now)"),
    "preview_stays": ("保留", "stays"),
    "preview_new": ("新设", "new"),
    "preview_yes": ("有", "yes"),
    "preview_no": ("无", "none"),
    "preview_members": ("党员（正式）", "Members (formal)"),
    "preview_secretary": ("书记", "Secretary"),
    "preview_committee_col": ("支委会", "Committee"),
    "preview_rules": ("将出现的问题", "Rules it would break"),
    "preview_committee": ("支委会 {n} 人", "committee of {n}"),
    "preview_no_discipline": ("，无纪检委员", ", no discipline member"),
    "preview_committee_needed": ("应设支委会（正式党员 {formal} 名），须选举", "needs a committee ({formal} formal "
                                 "members): to be elected"),
    "preview_committee_not_needed": ("不设支委会（正式党员 {formal} 名，不足 {required} 名）",
                                     "no committee needed ({formal} formal members, under {required})"),
    "export_scenario": ("导出调整前后对比 Excel", "Export the before/after (Excel)"),
    "xl_sheet_about": ("说明", "About"),
    "xl_sheet_steps": ("调整步骤", "Steps"),
    "xl_sheet_totals": ("全县汇总", "County totals"),
    "xl_sheet_branches": ("涉及的支部", "Branches touched"),
    "xl_sheet_violations": ("问题变化", "Violations"),
    "xl_step": ("步骤", "Step"),
    "xl_operation": ("操作", "Operation"),
    "xl_description": ("内容", "What it does"),
    "xl_when": ("时点", "When"),
    "xl_period": ("考评年度", "Year"),
    "xl_steps": ("调整步骤数", "Steps"),
    "xl_framework": ("考评方案", "Framework"),
    "xl_made": ("生成时间", "Made"),
}

#: Inspection and rectification (04).
INSPECTION: dict[str, tuple[str, str]] = {
    "kpi_completion_def": ("各支部本年三会一课完成率（各项活动完成次数/应开次数，封顶 100%）的平均值。",
                           "The mean over the branches of this year's completion of the three meetings and one "
                           "lesson (held / required for each activity, at most 100 %)."),
    "kpi_method_def": ("本年该方式各次检查得分，先按支部平均，再取各支部的平均值。",
                       "This year's scores of this kind of inspection, averaged per branch, then over the "
                       "branches."),
    "problems_filtered": ("（按所选条件筛选）", " (filtered as chosen)"),
}

#: Research on branch functions (05).
RESEARCH: dict[str, tuple[str, str]] = {
    "movers_col_why": ("主要原因（指标贡献变化）", "Why (change of the indicators' contributions)"),
}

PAGES: dict[str, tuple[str, str]] = {**SETTINGS, **INSPECTION, **RESEARCH}
