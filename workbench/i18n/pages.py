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

#: Year over year on the overview (01).
YEAR_OVER_YEAR: dict[str, tuple[str, str]] = {
    "yoy_section": ("年度对比：{before} → {after}", "Year over year: {before} → {after}"),
    "yoy_carry_option": ("本年缺失的数值沿用上年值（须注明）", "Carry a value missing this year forward from last "
                         "year (flagged)"),
    "yoy_carried_flag": ("已沿用 {year} 年数值 {n} 项（{branches} 个支部），见下表", "{n} values of {year} carried "
                         "forward ({branches} branches): listed below"),
    "yoy_not_carried": ("未沿用上年值：本年缺失的数值按方案的缺失值规则处理",
                        "Nothing carried forward: values missing this year follow the scheme's missing-value rule"),
    "yoy_why_of": ("变化原因", "Why it moved"),
    "yoy_col_total": ("总分", "Total"),
    "yoy_col_rank": ("名次", "Rank"),
    "yoy_col_why": ("主要原因（指标贡献变化）", "Why (change of the indicators' contributions)"),
    "yoy_col_value": ("沿用的数值", "Value carried"),
    "yoy_col_from": ("来自年度", "From year"),
}

#: Weak-and-lax screening (06).
SCREENING_PAGE: dict[str, tuple[str, str]] = {
    "screening_page_title": ("软弱涣散排查", "Weak-and-lax screening"),
    "screening_chart_townships": ("各乡镇排查对象", "Candidates by township"),
    "screening_chart_triggers": ("各排查条件触发的支部数", "Branches each criterion found"),
    "screening_sec_candidates": ("排查对象（按乡镇）", "Candidates by township"),
    "screening_sec_decide": ("逐个研究：确认列入或排除", "Decide each: confirm or reject"),
    "screening_sec_list": ("软弱涣散名单及对等次的影响", "The list and what it does to grades"),
    "screening_sec_exit": ("整顿转化与退出验收", "Rectification and the exit check"),
    "screening_pending_def": ("本年尚未研究的排查对象个数。", "Candidates of this year not decided yet."),
    "screening_confirmed_def": ("本年经研究确认列入软弱涣散名单的排查对象个数。",
                                "Candidates of this year confirmed as weak and lax after review."),
    "screening_rejected_def": ("本年经研究排除（不列入名单）的排查对象个数，每个都写明理由。",
                               "Candidates of this year rejected after review, each with its reason."),
    "screening_listed": ("名单内支部", "On the list"),
    "screening_listed_detail": ("一票否决改变 {n} 个支部的等次", "the veto changes {n} grades"),
    "screening_listed_def": ("本年在软弱涣散名单上的支部：本年确认列入的、往年列入尚未退出的，以及数据中标记且未被排除的。",
                             "Branches on the weak-and-lax list this year: confirmed this year, listed earlier and "
                             "not exited, or flagged in the data and not rejected."),
    "screening_shown": ("列表中 {n} 个排查对象", "{n} candidates listed"),
    "screening_filter_trigger": ("排查条件", "Criterion"),
    "screening_filter_decision": ("研究结果", "Decision"),
    "screening_branch": ("支部", "Branch"),
    "screening_option": ("{name}（{id}）· {n} 项 · {decision}", "{name} ({id}) · {n} criteria · {decision}"),
    "screening_option_listed": ("{name}（{id}）· 名单内", "{name} ({id}) · on the list"),
    "screening_note": ("研究意见（排除或退出时必填）", "Note (required to reject or to let a branch exit)"),
    "screening_note_hint": ("如：经乡镇党委研究，书记空缺已补齐……", "e.g. reviewed by the township committee: "
                            "the secretary post is filled again..."),
    "screening_confirm": ("确认列入", "Confirm"),
    "screening_reject": ("排除", "Reject"),
    "screening_withdraw": ("撤回本年研究结果", "Withdraw this year's decision"),
    "screening_nothing": ("没有符合筛选条件的排查对象", "No candidate matches the filters"),
    "screening_on_list": ("（在名单上）", "(on the list)"),
    "screening_not_candidate": ("本年未触发排查条件；因往年列入或数据标记而在名单上。",
                                "Not a candidate this year: on the list from an earlier year or the data's flag."),
    "screening_pick_branch": ("请先选择一个支部", "Pick a branch first"),
    "screening_nothing_to_withdraw": ("该支部本年没有可撤回的研究结果", "This branch has no decision this year to "
                                      "withdraw"),
    "screening_withdrawn": ("已撤回{name}本年的研究结果，恢复为待研究", "Withdrawn: {name} is pending again"),
    "screening_done_confirmed": ("已确认将{name}列入软弱涣散名单，研究结果已保存",
                                 "{name} confirmed as weak and lax; the decision is saved"),
    "screening_done_rejected": ("已排除{name}，研究结果已保存", "{name} rejected; the decision is saved"),
    "screening_done_exited": ("{name}已通过验收、退出名单，研究结果已保存",
                              "{name} passed the exit check and leaves the list; the decision is saved"),
    "screening_export": ("导出排查名单 Excel", "Export the screening list (Excel)"),
    "list_summary": ("{period} 年名单内 {n} 个支部；一票否决使 {changed} 个支部的等次改变",
                     "{n} branches on the {period} list; the veto changes the grade of {changed}"),
    "list_veto_note": ("列入名单的支部按“列为软弱涣散”一票否决，等次最高为软弱涣散；得分不变。",
                       "A listed branch is capped at weak and lax by the veto; its score does not change."),
    "list_other_changes": ("另有 {n} 个支部因等次比例限制随之调整：", "{n} other branches change grade through the "
                           "grade quota:"),
    "list_source_confirmed": ("本年确认列入", "Confirmed this year"),
    "list_source_earlier": ("往年列入，尚未退出", "Listed earlier, not exited"),
    "list_source_data": ("数据中标记", "Flagged in the data"),
    "list_col_source": ("列入依据", "On the list because"),
    "list_col_total": ("考评得分", "Score"),
    "list_col_grade_without": ("不计名单的等次", "Grade without the list"),
    "list_col_grade_with": ("计入名单后的等次", "Grade with the list"),
    "exit_votes_label": ("测评不满意票占比（%）", "Unsatisfied votes (%)"),
    "exit_do": ("验收通过，退出名单", "Passed: leaves the list"),
    "exit_col_result": ("验收结果", "Exit check"),
    "exit_col_why": ("依据", "Why"),
    "exit_none": ("本年名单上没有支部", "No branch is on this year's list"),
    "exit_hint": ("{name}：录入退出测评的不满意票占比，验收通过后写明意见即可退出名单。",
                  "{name}: enter the share of unsatisfied votes of the exit survey; once the check passes, write "
                  "a note and let it leave the list."),
    "exit_pick": ("选择名单上的支部后可录入测评结果并办理退出。", "Pick a branch on the list to enter its exit survey "
                  "and let it leave."),
}

PAGES: dict[str, tuple[str, str]] = {**SETTINGS, **INSPECTION, **RESEARCH, **YEAR_OVER_YEAR, **SCREENING_PAGE}
