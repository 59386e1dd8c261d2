"""The message catalogue: every label a user sees, in Chinese and English.

Labels of dimensions, indicators, grades and vetoes come from the framework;
everything else (buttons, headings, chart axes, messages) is here, once.

>>> tr("branches", "zh"), tr("branches", "en")
('支部数', 'Branches')
>>> tr("rank_shift_up", "en", n=3)
'up 3'
"""

from __future__ import annotations

__all__ = ["tr", "MESSAGES", "LANGUAGES"]

LANGUAGES = {"zh": "中文", "en": "English"}

MESSAGES: dict[str, tuple[str, str]] = {
    # app titles
    "overview_title": ("支部考评总览", "Branch assessment overview"),
    "weights_title": ("权重探索", "Weight explorer"),
    "settings_title": ("支部设置模拟", "Branch-settings simulator"),
    "inspection_title": ("督查整改", "Inspection and rectification"),
    "research_title": ("支部功能研究", "Research on branch functions"),
    # common controls
    "language": ("语言", "Language"),
    "period": ("考评年度", "Year"),
    "data": ("数据", "Data"),
    "data_source": ("数据来源", "Data source"),
    "sample_county": ("示例县", "Sample county"),
    "server_path": ("服务器路径", "Server path"),
    "upload": ("上传文件", "Upload files"),
    "load": ("加载", "Load"),
    "loading": ("正在加载……", "Loading..."),
    "loaded": ("已加载 {source}：{branches} 个支部，{members} 名党员",
               "Loaded {source}: {branches} branches, {members} members"),
    "load_failed": ("加载失败，仍使用之前的数据。发现 {n} 个问题：",
                    "Loading failed; the previous data stays loaded. {n} problem(s) found:"),
    "upload_too_large": ("文件过大（{size}），上限为 {limit}。请在服务器上放置数据并使用“服务器路径”。",
                         "The upload is too large ({size}); the limit is {limit}. Put the data on the "
                         "server and use \"Server path\"."),
    "upload_hint": ("CSV（每表一个文件）或一个 .xlsx 工作簿", "CSV files (one per table) or one .xlsx workbook"),
    "path_placeholder": ("文件夹或 .xlsx 路径", "folder or .xlsx path"),
    "problem_file": ("文件", "File"),
    "problem_row": ("行", "Row"),
    "problem_column": ("列", "Column"),
    "problem_value": ("值", "Value"),
    "problem_message": ("问题", "Problem"),
    "error": ("出错了：{message}", "Something went wrong: {message}"),
    # KPIs
    "branches": ("支部数", "Branches"),
    "members": ("党员数", "Members"),
    "violations": ("设置问题", "Rule violations"),
    "violations_detail": ("错误 {errors} · 提醒 {warnings}", "errors {errors} · warnings {warnings}"),
    "rectification": ("整改完成率", "Rectification"),
    "rectification_detail": ("{done}/{found} 个问题已销号", "{done} of {found} problems closed"),
    "overdue": ("逾期未整改", "Overdue problems"),
    "share_of_branches": ("占 {share:.0%}", "{share:.0%} of branches"),
    # charts
    "grade_distribution": ("等次分布", "Grades"),
    "score_by_township": ("各乡镇得分", "Scores by township"),
    "top_n": ("前 {n} 名", "Top {n}"),
    "bottom_n": ("后 {n} 名", "Bottom {n}"),
    "total_score": ("总分", "Total score"),
    "score": ("得分", "Score"),
    "count": ("支部数", "Branches"),
    "township": ("乡镇", "Township"),
    "rank": ("排名", "Rank"),
    "profile": ("支部画像", "Branch profile"),
    "county_mean": ("全县平均", "County mean"),
    "contributions": ("主要加分与减分指标", "What raises and lowers this branch"),
    "contribution": ("相对平均的贡献（分）", "Contribution vs the mean (points)"),
    "rank_intervals": ("排名区间（P5–P95）", "Rank intervals (P5-P95)"),
    "nominal_rank": ("当前排名", "Nominal rank"),
    "median_rank": ("中位排名", "Median rank"),
    "weights_chart": ("综合权重", "Effective weights"),
    "baseline": ("基准权重", "Baseline weights"),
    "current": ("当前权重", "Current weights"),
    "rank_shift_up": ("上升 {n}", "up {n}"),
    "rank_shift_down": ("下降 {n}", "down {n}"),
    "rank_shift_none": ("不变", "no change"),
    "select_branch": ("选择支部", "Branch"),
    # weights panel
    "weights": ("权重", "Weights"),
    "dimension_weights": ("维度权重", "Dimension weights"),
    "indicator_weights": ("指标权重", "Indicator weights"),
    "lock": ("锁定", "Lock"),
    "auto_balance": ("自动平衡（合计100%）", "Auto-balance (sum 100%)"),
    "renormalize": ("归一化", "Renormalize"),
    "weights_sum": ("合计 {total:.0f}%", "Sum {total:.0f}%"),
    "preset": ("预设", "Preset"),
    "preset_default": ("框架默认", "Framework default"),
    "preset_equal": ("等权", "Equal"),
    "preset_entropy": ("熵权法", "Entropy"),
    "preset_critic": ("CRITIC 法", "CRITIC"),
    "preset_ahp": ("层次分析法", "AHP"),
    "ahp_editor": ("层次分析法两两比较", "AHP pairwise comparisons"),
    "ahp_apply": ("应用 AHP 权重", "Apply AHP weights"),
    "ahp_cr": ("一致性比率 CR = {cr:.3f}", "Consistency ratio CR = {cr:.3f}"),
    "ahp_cr_ok": ("通过一致性检验（CR < 0.1）", "Consistent (CR < 0.1)"),
    "ahp_cr_bad": ("判断不一致（CR > 0.1），请调整比较", "Inconsistent (CR > 0.1): revise the comparisons"),
    "ahp_hint": ("数值表示行指标相对列指标的重要程度（1–9 标度）",
                 "Values say how much more important the row is than the column (Saaty 1-9 scale)"),
    "scheme_name": ("方案名称", "Scheme name"),
    "save_scheme": ("保存方案", "Save scheme"),
    "load_scheme": ("载入方案", "Load scheme"),
    "saved_to": ("已保存：{path}", "Saved: {path}"),
    "loaded_scheme": ("已载入方案：{name}", "Loaded scheme: {name}"),
    "no_saved_schemes": ("尚无保存的方案", "No saved schemes yet"),
    "comparison_summary": ("与基准相比：{moved} 个支部排名变化，{changed} 个支部等次变化，Kendall τ = {tau:.2f}",
                           "Against the baseline: {moved} branches changed rank, {changed} changed grade, "
                           "Kendall tau = {tau:.2f}"),
    # export
    "export": ("导出", "Export"),
    "export_excel": ("导出 Excel", "Export Excel"),
    "export_html": ("导出图表 HTML", "Export chart HTML"),
    "export_png": ("导出图表 PNG", "Export chart PNG"),
    "exported": ("已导出：{path}", "Exported: {path}"),
    "download": ("下载 {name}", "Download {name}"),
    # robustness
    "robustness": ("稳健性分析", "Robustness"),
    "run_robustness": ("运行蒙特卡洛（{n} 次）", "Run Monte Carlo ({n} samples)"),
    "robustness_summary": ("{decided} 个支部的等次取决于权重选择", "{decided} branches' grades depend on the weighting"),
}


def tr(key: str, lang: str = "zh", **values) -> str:
    """The label ``key`` in ``lang`` ("zh" or "en"), formatted with ``values``."""
    try:
        zh, en = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the catalogue") from None
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
