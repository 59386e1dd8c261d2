"""Catalogue part: rule names, screening, the county's key figures, year over year.

Rule names are ``rule_<id>`` (ids of ``workbench.settings.rules.RULES``).
Each key figure has a label ``figure_<name>`` and a one-sentence definition
``figure_<name>_def`` (the hover text): the overview, the settings page and
the inspection page show the same figure under the same label.
"""

from __future__ import annotations

_ACTIVITIES = {
    "general_meeting": ("党员大会", "general membership meetings"),
    "committee_meeting": ("支委会", "committee meetings"),
    "group_meeting": ("党小组会", "party group meetings"),
    "party_lesson": ("党课", "party lessons"),
    "themed_day": ("主题党日", "themed party days"),
    "organizational_life": ("组织生活会", "organizational life meetings"),
    "democratic_review": ("民主评议党员", "democratic reviews of members"),
}

RULE_LABELS: dict[str, tuple[str, str]] = {
    "rule_under_min_formal": ("正式党员不足", "too few formal members"),
    "rule_joint_units": ("联合支部单位过多", "joint branch of too many units"),
    "rule_over_max_members": ("党员人数过多", "too many members"),
    "rule_no_committee": ("未设支委会", "no committee"),
    "rule_committee_too_small": ("支委会人数不足", "committee too small"),
    "rule_committee_size": ("支委会人数超出常规", "committee larger than normal"),
    "rule_committee_too_large": ("支委会人数过多", "committee too large"),
    "rule_no_discipline": ("未设纪检委员", "no discipline inspection member"),
    "rule_no_secretary": ("书记空缺", "no secretary"),
    "rule_term_overdue": ("换届超期", "committee term overdue"),
    "rule_term_due": ("即将换届", "committee term ends soon"),
    **{f"rule_activity_{k}": (f"{zh}次数不足", f"too few {en}") for k, (zh, en) in _ACTIVITIES.items()},
}

#: Key figures: label and one-sentence definition (what it counts), the same on every page.
FIGURES: dict[str, tuple[str, str]] = {
    "figure_violations": ("规则问题", "Rule violations"),
    "figure_violations_def": (
        "本年按组织设置规则和组织生活规则检查出的问题条数（一个支部违反一条规则记一条），名册按年末计。",
        "Violations of the branch-setting and organizational-life rules found for the year (one per "
        "branch and rule), on the roster at the year's end."),
    "figure_violation_errors": ("错误", "Errors"),
    "figure_violation_errors_def": ("违反硬性规定（如未设支委会、缺纪检委员、换届超期）的问题条数。",
                                    "Violations of hard rules (no committee, no discipline member, "
                                    "overdue election ...)."),
    "figure_violation_warnings": ("提醒", "Warnings"),
    "figure_violation_warnings_def": ("违反一般性要求（如会议次数不足、人数超出常规）的问题条数。",
                                      "Violations of soft rules (too few meetings, size above normal ...)."),
    "figure_violation_branches": ("涉及支部", "Branches affected"),
    "figure_violation_branches_def": ("至少有一条规则问题的支部数。", "Branches with at least one violation."),
    "figure_error_branches": ("有错误的支部", "Branches with errors"),
    "figure_error_branches_def": ("至少有一条错误级问题的支部数。", "Branches with at least one error."),
    "figure_violations_detail": ("错误 {errors} · 提醒 {warnings} · 涉及 {branches} 个支部",
                                 "{errors} errors · {warnings} warnings · {branches} branches"),
    "figure_problems_found": ("本年发现问题", "Problems found this year"),
    "figure_problems_found_def": ("发现日期在本年内的督查问题个数。",
                                  "Inspection problems found during the year."),
    "figure_problems_closed": ("本年发现已销号", "Found this year and closed"),
    "figure_problems_closed_def": ("本年发现、且在年末前整改销号的问题个数。",
                                   "Problems found during the year and closed off by its end."),
    "figure_rectification_rate": ("整改完成率", "Rectification rate"),
    "figure_rectification_rate_def": ("本年发现问题中年末前已销号的比例。",
                                      "Share of the problems found this year closed off by the year's end."),
    "figure_problems_in_year": ("本年在办问题", "Problems handled this year"),
    "figure_problems_in_year_def": ("本年内某一时刻处于未销号状态的问题个数：本年发现的，加上以前发现、本年初仍未销号的。",
                                    "Problems open at some time during the year: found this year, plus those "
                                    "found earlier and still open when it began."),
    "figure_problems_carried": ("上年结转", "Carried over"),
    "figure_problems_carried_def": ("以前年度发现、本年初仍未销号的问题个数。",
                                    "Problems found in earlier years and still open when the year began."),
    "figure_problems_open": ("年末未销号", "Open at year end"),
    "figure_problems_open_def": ("本年在办问题中年末仍未销号的个数（含逾期）。",
                                 "Problems handled this year still open at its end (overdue included)."),
    "figure_problems_overdue": ("逾期未整改", "Overdue"),
    "figure_problems_overdue_def": ("年末仍未销号且已过整改期限的问题个数。",
                                    "Problems still open at the year's end and past their deadline."),
    "figure_problems_in_year_detail": ("本年发现 {found} 个，上年结转 {carried} 个",
                                       "{found} found this year, {carried} carried over"),
}

SCREENING: dict[str, tuple[str, str]] = {
    "screening_title": ("软弱涣散基层党组织排查", "Weak-and-lax screening"),
    "screening_candidates": ("排查对象", "Candidates"),
    "screening_others": ("其他支部", "Other branches"),
    "screening_candidates_def": ("本年至少触发 {n} 项排查条件的支部；仅为建议名单，须逐个研究确认。",
                                 "Branches that meet at least {n} screening criteria this year; a proposal "
                                 "only, each one to be confirmed or rejected."),
    "screening_summary": ("{period} 年排查对象 {n} 个（占 {share:.0%}），涉及 {townships} 个乡镇",
                          "{n} candidates in {period} ({share:.0%} of branches) in {townships} townships"),
    "screening_none": ("{period} 年没有支部触发排查条件", "No branch meets a screening criterion in {period}"),
    "screening_col_township": ("乡镇", "Township"),
    "screening_col_branch_id": ("支部编号", "Branch ID"),
    "screening_col_name": ("支部名称", "Branch"),
    "screening_col_kind": ("类型", "Kind"),
    "screening_col_reasons": ("触发条件数", "Criteria met"),
    "screening_col_triggers": ("触发条件", "Criteria"),
    "screening_col_evidence": ("依据", "Evidence"),
    "screening_col_decision": ("研究结果", "Decision"),
    "screening_col_note": ("说明", "Note"),
    "screening_col_decided": ("研究时间", "Decided"),
    "screening_col_branches": ("支部数", "Branches"),
    "screening_col_candidates": ("排查对象", "Candidates"),
    "screening_col_share": ("占比", "Share"),
    "screening_col_confirmed": ("确认列入", "Confirmed"),
    "screening_col_trigger": ("排查条件", "Criterion"),
    "screening_col_group": ("类别", "Group"),
    "screening_col_params": ("参数", "Parameters"),
    "screening_col_fired": ("触发支部数", "Branches"),
    "screening_sheet_candidates": ("排查对象", "Candidates"),
    "screening_sheet_townships": ("按乡镇", "By township"),
    "screening_sheet_triggers": ("排查条件", "Criteria"),
    "screening_sheet_about": ("说明", "About"),
    "screening_about_period": ("年度", "Year"),
    "screening_about_framework": ("考评方案", "Framework"),
    "screening_about_min_reasons": ("列为排查对象的最少条件数", "Criteria needed to propose a branch"),
    "screening_about_note": ("注意", "Note"),
    "screening_about_note_text": ("排查对象是按条件自动筛出的建议名单，须经研究逐个确认或排除，不等于认定为软弱涣散。",
                                  "Candidates are proposed by the criteria; each must be confirmed or rejected. "
                                  "Being a candidate is not being listed."),
    "screening_group_leadership": ("班子建设", "Leadership"),
    "screening_group_organizational_life": ("组织生活", "Organizational life"),
    "screening_group_functions": ("作用发挥", "Functions"),
    "decision_confirmed": ("确认列入", "Confirmed"),
    "decision_rejected": ("排除", "Rejected"),
    "decision_exited": ("整顿转化，退出", "Exited after rectification"),
    "decision_pending": ("待研究", "Pending"),
    "decision_unknown": ("未知的研究结果 {value!r}：应为 confirmed（确认列入）、rejected（排除）或 exited（整顿转化退出）",
                         "unknown decision {value!r}: expected confirmed, rejected or exited"),
    "decision_not_candidate": ("{branch} 在 {period} 年不是排查对象，也未列入软弱涣散名单，无从{action}",
                               "{branch} is neither a candidate nor listed as weak and lax in {period}: "
                               "nothing to {action}"),
    "decision_no_note": ("{branch}：排除或退出须写明理由（note）", "{branch}: a rejection or an exit needs a note"),
    "decision_exit_failed": ("{branch} 未通过退出验收：{reason}", "{branch} fails the exit check: {reason}"),
    "decision_file_bad": ("{path}：不是有效的研究结果文件：{problem}", "{path}: not a valid decisions file: {problem}"),
    "decision_unknown_branch": ("{path}：第 {row} 条的支部编号 {branch} 不在数据中",
                                "{path}: entry {row}: branch {branch} is not in the data"),
    "exit_score": ("考评得分 {score:.1f} 分（须不低于 {min:.0f} 分）", "score {score:.1f} (at least {min:.0f} needed)"),
    "exit_votes": ("不满意票占 {share:.0%}（须不超过 {max:.0%}）",
                   "{share:.0%} of the votes unsatisfied (at most {max:.0%} allowed)"),
    "exit_votes_from_satisfaction": ("未录入测评票，按满意度 {satisfaction:.0f} 推算不满意票不超过 {share:.0%}",
                                     "no vote count entered: satisfaction {satisfaction:.0f} puts the unsatisfied "
                                     "votes at {share:.0%} or fewer"),
    "exit_votes_unknown": ("未录入测评票，满意度 {satisfaction} 不足以判断，请录入不满意票数",
                           "no vote count entered and satisfaction {satisfaction} cannot settle it: "
                           "enter the unsatisfied votes"),
    "exit_no_score": ("本年无考评得分", "no score this year"),
    "exit_pass": ("通过", "passes"),
    "exit_fail": ("未通过", "fails"),
    "exit_unknown": ("待补充材料", "cannot tell yet"),
    # evidence of each test (the figures that made it fire)
    "evidence_secretary_vacant": ("年末党员 {members} 名，无书记", "{members} members at the year's end, no secretary"),
    "evidence_no_committee": ("正式党员 {formal} 名（满 {required} 名应设支委会），未设支委会",
                              "{formal} formal members ({required} require a committee), no committee"),
    "evidence_committee_small": ("支委会仅 {size} 人（不少于 {min} 人）", "committee of only {size} (at least {min})"),
    "evidence_no_discipline": ("支委会 {size} 人，无纪检委员", "committee of {size}, no discipline member"),
    "evidence_no_discipline_short": ("无纪检委员", "no discipline member"),
    "evidence_election_overdue": ("{elected} 选举，{years} 年任期于 {ends} 届满，年末已超期 {months} 个月",
                                  "elected {elected}, {years}-year term ended {ends}: {months} months overdue "
                                  "at the year's end"),
    "evidence_three_meetings_low": ("三会一课完成率 {completion:.0%}（低于 {below:.0%}）：{detail}",
                                    "three meetings and one lesson {completion:.0%} (below {below:.0%}): {detail}"),
    "evidence_organizational_life_missing": ("{detail}", "{detail}"),
    "evidence_activity_held": ("{activity} {held}/{required} 次", "{activity} {held} of {required}"),
    "evidence_no_new_members": ("{start}—{end} 年未发展党员，最近一名入党于 {last}",
                                "no new member {start}–{end}; the last joined {last}"),
    "evidence_no_new_members_never": ("{start}—{end} 年未发展党员，名册中无入党日期记录",
                                      "no new member {start}–{end}; no join date on the roster"),
    "evidence_satisfaction_low": ("群众满意度 {value:.0f}（低于 {below:.0f}）", "satisfaction {value:.0f} (below {below:.0f})"),
    "evidence_income_low": ("村集体经济收入 {value:.1f} 万元，不到全县村级中位数 {median:.1f} 万元的 {share:.0%}",
                            "collective income {value:.1f} (10k yuan), under {share:.0%} of the county's village "
                            "median {median:.1f}"),
    "evidence_problems_unrectified": ("年末逾期未整改问题 {count} 个（{ids}），最长逾期 {days} 天",
                                      "{count} problems overdue at the year's end ({ids}); the longest {days} days"),
    "evidence_serious_violation": ("本年发现严重违纪问题 {count} 个（{ids}）",
                                   "{count} serious discipline problems found this year ({ids})"),
    "evidence_low_score": ("考评得分 {score:.1f}，全县第 {rank}/{n} 名（末位 {share:.0%}）",
                           "score {score:.1f}, rank {rank} of {n} (bottom {share:.0%})"),
}

TRENDS: dict[str, tuple[str, str]] = {
    "yoy_title": ("年度对比", "Year over year"),
    "yoy_transitions": ("等次变化（{before} → {after}）", "Grade transitions ({before} → {after})"),
    "yoy_before": ("{year} 年等次", "Grade {year}"),
    "yoy_after": ("{year} 年等次", "Grade {year}"),
    "yoy_rank_shift": ("名次变化", "Rank shift"),
    "yoy_total_year": ("{year} 年总分", "Total {year}"),
    "yoy_totals": ("总分对比（{before} → {after}）", "Totals ({before} → {after})"),
    "yoy_rank_shift_axis": ("名次变化（正数为上升）", "Rank shift (positive: up)"),
    "yoy_branches": ("支部数", "Branches"),
    "yoy_township_trends": ("各乡镇维度得分变化（{before} → {after}）",
                            "Dimension scores by township ({before} → {after})"),
    "yoy_change": ("变化", "Change"),
    "yoy_movers": ("变化最大的支部", "Branches that moved most"),
    "yoy_up": ("上升", "Up"),
    "yoy_down": ("下降", "Down"),
    "yoy_same": ("持平", "Same"),
    "yoy_summary": ("{up} 个支部等次上升，{down} 个下降，{same} 个不变；名次平均变动 {shift:.1f} 位",
                    "{up} branches moved up a grade, {down} down, {same} stayed; ranks moved {shift:.1f} "
                    "places on average"),
    "yoy_why": ("{indicator} {before} → {after}", "{indicator} {before} → {after}"),
    "carried_forward": ("沿用上年值", "Carried forward from last year"),
    "carried_forward_def": ("本年缺失、按所选缺失值处理方式沿用上一年数值的指标值。",
                            "Values missing this year and carried forward from last year, as the chosen "
                            "missing-value option says."),
}

CLI: dict[str, tuple[str, str]] = {
    "cli_period_unknown": ("数据中没有 {period} 年的记录；有记录的年份：{years}。请用 --period 指定其中一年",
                           "no records for {period} in the data; years with records: {years}. "
                           "Give one of them with --period"),
    "cli_xlsx_only": ("{path}：候选名单导出为 Excel 工作簿，请用 .xlsx 结尾的文件名",
                      "{path}: the candidate list is an Excel workbook; give a name ending in .xlsx"),
    "cli_written": ("已写入", "written:"),
}

RULES_CATALOGUE: dict[str, tuple[str, str]] = {**RULE_LABELS, **FIGURES, **SCREENING, **TRENDS, **CLI}
