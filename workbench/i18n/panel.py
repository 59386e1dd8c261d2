"""Catalogue part: expert panels (group AHP) and the researchers' diagnostics.

Keys: ``panel_err_*`` (problems of a panel workbook), ``panel_tpl_*`` (the
panel template), ``panel_*`` (the panel editor and the command line),
``consensus_*`` (Goepel's wording of the consensus indicator), ``diag_*``
(diagnostics: weight versus importance, factor structure, rank reversal).
"""

from __future__ import annotations

PANEL: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------ levels and words
    "panel_level_dimensions": ("维度权重", "dimension weights"),
    "panel_level_indicators": ("{dimension}的指标权重", "indicator weights of {dimension}"),
    "panel_or_indicators": ("，或某一维度的指标", ", or the indicators of one dimension"),
    "consensus_very_low": ("很低", "very low"),
    "consensus_low": ("低", "low"),
    "consensus_moderate": ("中等", "moderate"),
    "consensus_high": ("高", "high"),
    "consensus_very_high": ("很高", "very high"),
    # ---------------------------------------------------------------- problems
    "panel_err_head": ("专家打分表 {source} 有 {n} 个问题，未计算权重：",
                       "{n} problem(s) in the panel workbook {source}; no weights were computed:"),
    "panel_err_more": ("……另有 {n} 个问题", "... and {n} more"),
    "panel_err_sheet": ("工作表“{sheet}”", "sheet '{sheet}'"),
    "panel_err_cell": ("单元格 {cell}", "cell {cell}"),
    "panel_err_row": ("第 {row} 行", "row {row}"),
    "panel_err_expert": ("专家 {expert}", "expert {expert}"),
    "panel_err_value": ("填写的是", "value"),
    "panel_err_open": ("无法读取文件：{reason}", "cannot read the file: {reason}"),
    "panel_err_not_xlsx": ("不是可读取的 Excel 工作簿（.xlsx）（{reason}）；请用 Excel 另存为 .xlsx 后再上传",
                           "not a readable Excel workbook (.xlsx) ({reason}); save it as .xlsx in Excel and try again"),
    "panel_err_too_big": ("工作簿过大（{cells} 个单元格，{mb} MB 数据），不像专家打分表，未读取",
                          "the workbook is far larger than a panel ({cells} cells, {mb} MB of data) and was not read"),
    "panel_err_too_long": ("工作表超过 {limit} 行，其后的行未读取", "the sheet has more than {limit} rows; the rest was not read"),
    "panel_err_empty": ("工作簿中没有找到任何两两比较：每位专家一个工作表（首行为指标名称的判断矩阵），"
                        "或一个长表（专家、指标A、指标B、判断）",
                        "no pairwise comparisons found: give one sheet per expert (a matrix with the criteria as "
                        "headers) or one sheet in long form (expert, criterion A, criterion B, judgement)"),
    "panel_err_no_matrix": ("该工作表中没有判断矩阵：首行应为两个以上的维度或指标名称，首列为同样的名称",
                            "no matrix on this sheet: a header row of two or more dimension or indicator names, "
                            "and the same names down the first column, are expected"),
    "panel_err_unknown": ("不是本考评框架中的维度或指标；应为：{expected}",
                          "not a dimension or indicator of the framework; expected one of: {expected}"),
    "panel_err_no_criterion": ("缺少比较的指标名称；应为：{expected}",
                               "the criterion is missing; expected one of: {expected}"),
    "panel_err_levels": ("“{a}”与“{b}”不属于同一层级：只能比较各维度之间，或同一维度内的指标之间",
                         "'{a}' and '{b}' are not on one level: compare the dimensions with each other, or the "
                         "indicators of one dimension with each other"),
    "panel_err_header_twice": ("名称重复出现", "this name appears twice"),
    "panel_err_row_label": ("该行有判断值，但首列没有指标名称", "this row has judgements but no criterion name in its first column"),
    "panel_err_same": ("指标A与指标B相同：一个指标不与自身比较", "criterion A and B are the same: a criterion is not compared with itself"),
    "panel_err_no_expert": ("缺少专家姓名", "the expert's name is missing"),
    "panel_err_missing_value": ("缺少判断值（1–9 或其倒数，如 1/3）",
                                "the judgement is missing (1 to 9 or a reciprocal such as 1/3)"),
    "panel_err_judgement": ("无法识别的判断：应为 1–9 的数、其倒数（如 1/3），或标度用语（同等重要、稍微重要、明显重要、强烈重要、极端重要）",
                            "not a judgement: write a number from 1 to 9, a reciprocal such as 1/3, or a word of the "
                            "scale (equal, moderate, strong, very strong, extreme)"),
    "panel_err_zero": ("判断为 0：判断值应为 1–9 或其倒数（1/2 … 1/9），不能为 0",
                       "a judgement of 0: judgements are 1 to 9 or their reciprocals (1/2 ... 1/9), never 0"),
    "panel_err_scale": ("超出 1–9 标度：判断值应在 1/9 到 9 之间",
                        "beyond Saaty's scale: a judgement lies between 1/9 and 9"),
    "panel_err_date": ("Excel 把分数当成了日期（如 1/3 变成 1月3日）：请把单元格设为“文本”格式后重新输入 1/3",
                       "Excel turned a fraction into a date (1/3 became 3 January): format the cell as Text and type "
                       "1/3 again"),
    "panel_err_diagonal": ("对角线（指标与自身比较）只能为 1 或留空", "the diagonal (a criterion against itself) must be 1 or empty"),
    "panel_err_reciprocal": ("判断不互为倒数：“{a}”对“{b}”为 {given}，而 {other} 中“{b}”对“{a}”为 {mirror}"
                             "（应为 {expected}）；只填上三角即可，下三角会自动取倒数",
                             "not reciprocal: '{a}' against '{b}' is {given}, but '{b}' against '{a}' in {other} is "
                             "{mirror} (expected {expected}); fill one triangle only, the other follows"),
    "panel_err_twice": ("“{a}”与“{b}”的比较填写了两次（先在 {first}）", "'{a}' against '{b}' is given twice (first in {first})"),
    "panel_err_missing_pair": ("缺少“{a}”与“{b}”的比较", "no judgement of '{a}' against '{b}'"),
    "panel_err_incomplete": ("矩阵中“{criterion}”只出现在首行或首列之一：行与列应列出相同的指标",
                             "'{criterion}' is in the matrix's header row or first column but not both: rows and "
                             "columns list the same criteria"),
    "panel_err_expert_level": ("其他专家比较了{level}，这位专家没有；请补全或删去",
                               "other experts compared the {level}, this expert did not; complete it or remove it"),
    "panel_err_weight_headers": ("专家权重表首行应为“专家”和“权重”", "the expert weights sheet needs the headers 'expert' and 'weight'"),
    "panel_err_weight_no_expert": ("缺少专家姓名", "the expert's name is missing"),
    "panel_err_weight_value": ("专家权重应为正数", "an expert's weight is a positive number"),
    "panel_err_weight_twice": ("该专家的权重填写了两次", "this expert's weight is given twice"),
    "panel_err_weight_expert": ("专家权重表中的这位专家没有打分；打分的专家有：{experts}",
                                "this expert has no comparisons; the experts who compared are: {experts}"),
    "panel_err_weight_missing": ("给了专家权重时，每位专家都要有权重", "with expert weights, every expert needs one"),
    # ---------------------------------------------------------------- template
    "panel_tpl_expert": ("专家{k}", "Expert {k}"),
    "panel_tpl_guide_sheet": ("填表说明", "Instructions"),
    "panel_tpl_long_sheet": ("长表", "Long form"),
    "panel_tpl_weights_sheet": ("专家权重", "Expert weights"),
    "panel_tpl_title": ("专家打分表（层次分析法两两比较）—— {framework}",
                        "Expert panel workbook (AHP pairwise comparisons): {framework}"),
    "panel_tpl_step_what": ("每位专家对各维度两两比较一次，再对每个维度内的指标两两比较。所有专家的判断用几何平均合成，"
                            "得出维度权重和维度内的指标权重。",
                            "Each expert compares the dimensions in pairs, then the indicators within each "
                            "dimension. The judgements of all experts are combined by geometric mean into dimension "
                            "weights and indicator weights within each dimension."),
    "panel_tpl_step_wide": ("每位专家一个工作表（工作表名即专家姓名，可改名、复制增加专家）。只填黄色单元格（右上三角）："
                            "单元格的值表示“行”指标比“列”指标重要多少；灰色的左下三角自动取倒数，无需填写。",
                            "One sheet per expert (the sheet's name is the expert's: rename it, copy it for more "
                            "experts). Fill in the yellow cells only (upper triangle): how much more important the "
                            "row is than the column. The grey lower triangle follows as reciprocals."),
    "panel_tpl_step_long": ("长表每行一个比较：专家、指标A、指标B、判断（A 比 B 重要多少）。每位专家要比较同一层级的每一对指标。",
                            "The long form has one comparison per row: expert, criterion A, criterion B, judgement "
                            "(how much more important A is than B). Each expert compares every pair of one level."),
    "panel_tpl_step_text": ("判断值为 1–9 或其倒数 1/2 … 1/9，可从下拉列表选择。输入单元格已设为“文本”格式，"
                            "这样 Excel 不会把 1/3 变成日期；若从别处粘贴，请保持文本格式。",
                            "A judgement is 1 to 9 or a reciprocal 1/2 ... 1/9; pick it from the dropdown. The input "
                            "cells are formatted as Text so that Excel does not turn 1/3 into a date; keep that "
                            "format when pasting."),
    "panel_tpl_step_words": ("也可填写标度用语：同等重要（1）、稍微重要（3）、明显重要（5）、强烈重要（7）、极端重要（9）；"
                             "2、4、6、8 为中间值。",
                             "Words of the scale are read too: equal (1), moderate (3), strong (5), very strong (7), "
                             "extreme (9); 2, 4, 6 and 8 lie between."),
    "panel_tpl_step_weights": ("“专家权重”表可让某位专家的意见占更大比重（默认都为 1，即同等对待）。",
                               "The 'Expert weights' sheet lets one expert count more (all 1 by default: equal)."),
    "panel_tpl_step_cr": ("一致性比率 CR 超过 0.1 的专家会被标出，并提示最不一致的一处比较及建议值；"
                          "请与该专家核对后再确定权重。",
                          "Experts whose consistency ratio CR exceeds 0.1 are flagged, with the comparison that is "
                          "most inconsistent and the value that would fit; check with the expert before the weights "
                          "are settled."),
    "panel_tpl_step_run": ("填好后在“权重探索”页面上传本表，或运行：workbench panel weights 本文件.xlsx -o 方案.yaml",
                           "When filled in, upload this workbook in the weight explorer, or run: workbench panel "
                           "weights this.xlsx -o scheme.yaml"),
    "panel_tpl_scale_value": ("标度", "Value"),
    "panel_tpl_scale_words": ("用语", "Words"),
    "panel_tpl_scale_meaning": ("含义", "Meaning"),
    "panel_tpl_sheet_hint": ("只填黄色单元格：行指标比列指标重要多少（1–9 或 1/2…1/9）",
                             "Fill in the yellow cells only: how much more important the row is than the column "
                             "(1-9 or 1/2 ... 1/9)"),
    "panel_tpl_corner": ("行 比 列", "row vs column"),
    "panel_tpl_col_expert": ("专家", "Expert"),
    "panel_tpl_col_a": ("指标A", "Criterion A"),
    "panel_tpl_col_b": ("指标B", "Criterion B"),
    "panel_tpl_col_judgement": ("判断", "Judgement"),
    "panel_tpl_col_level": ("层级（仅供参考）", "Level (for reference)"),
    "panel_tpl_col_weight": ("权重", "Weight"),
    "panel_tpl_error_title": ("判断值无效", "Not a judgement"),
    "panel_tpl_error": ("请从下拉列表选择：1–9、1/2…1/9 或标度用语", "Pick from the list: 1-9, 1/2 ... 1/9 or a word of the scale"),
    "panel_tpl_prompt_title": ("行比列重要多少", "Row against column"),
    "panel_tpl_prompt": ("1 同等，3 稍微，5 明显，7 强烈，9 极端；不如列重要时填倒数，如 1/3",
                         "1 equal, 3 moderate, 5 strong, 7 very strong, 9 extreme; a reciprocal such as 1/3 when the "
                         "column matters more"),
    "panel_tpl_weight_error": ("专家权重应为正数", "An expert's weight is a positive number"),
    # -------------------------------------------------------------- command line
    "panel_cli_template_written": ("已写出专家打分表：{path}", "Panel workbook written: {path}"),
    "panel_cli_head": ("专家打分表 {source}：{n} 位专家（{experts}），合成方法 {method}",
                       "Panel workbook {source}: {n} experts ({experts}), aggregation {method}"),
    "panel_cli_level": ("{level}：组合判断 CR = {cr:.3f}，专家共识 S* = {consensus:.0%}（{band}）",
                        "{level}: group judgements CR = {cr:.3f}, consensus S* = {consensus:.0%} ({band})"),
    "panel_cli_range": ("（各专家 {low:.1%} – {high:.1%}）", "(experts {low:.1%} to {high:.1%})"),
    "panel_cli_consistent": ("一致", "consistent"),
    "panel_cli_inconsistent": ("不一致（> 0.1）", "inconsistent (> 0.1)"),
    "panel_cli_distance": ("与组合判断的距离 {distance:.2f}", "distance from the group {distance:.2f}"),
    "panel_cli_worst": ("最不一致的比较：{a} 对 {b} 为 {now}，改为 {better} 时 CR = {cr:.3f}",
                        "most inconsistent: {a} against {b} is {now}; {better} would give CR = {cr:.3f}"),
    "panel_cli_refused": ("未写出方案：{levels}的组合判断不一致（CR > 0.1）。请与专家核对；确需使用时加 --accept-inconsistent",
                          "no scheme written: the group judgements of {levels} are inconsistent (CR > 0.1). Check "
                          "with the experts; add --accept-inconsistent to write it anyway"),
    "panel_cli_written": ("已写出权重方案：{path}", "Scheme written: {path}"),
    # ------------------------------------------------------------ panel editor
    "panel_group": ("专家组", "Group"),
    "panel_weight_axis": ("权重", "Weight"),
    "panel_spread_title": ("各专家与专家组的权重：{level}", "Weights by expert: {level}"),
    "panel_ui_dimensions": ("维度之间", "Dimensions"),
    "panel_ui_indicators": ("{dimension}内的指标", "Indicators of {dimension}"),
    "panel_hint": ("可录入多位专家的判断，或上传专家打分表；多位专家的判断按几何平均合成。",
                   "Enter several experts' judgements, or upload a panel workbook; a panel's judgements are "
                   "combined by geometric mean."),
    "panel_not_entered": ("未录入", "not entered"),
    "panel_add_expert": ("添加专家", "Add expert"),
    "panel_remove_expert": ("删除专家", "Remove expert"),
    "panel_rename": ("改名", "Rename"),
    "panel_rename_placeholder": ("专家姓名", "Expert's name"),
    "panel_keep_one": ("至少保留一位专家", "The panel keeps at least one expert"),
    "panel_name_taken": ("已有名为“{name}”的专家", "There is already an expert called '{name}'"),
    "panel_upload": ("上传专家打分表", "Upload panel workbook"),
    "panel_template": ("下载打分表模板", "Download the panel template"),
    "panel_tpl_file": ("专家打分表", "expert-panel"),
    "panel_too_large": ("文件过大（{size}），上限为 {limit}", "The file is too large ({size}); the limit is {limit}"),
    "panel_refused": ("{name} 有 {n} 个问题，未读取（见下表）；原有的判断保持不变",
                      "{name} has {n} problem(s) and was not read (see the table); the judgements here are unchanged"),
    "panel_loaded": ("已读取 {name}：{n} 位专家，{levels} 组比较", "Read {name}: {n} experts, {levels} sets of comparisons"),
    "panel_col_sheet": ("工作表", "Sheet"),
    "panel_col_cell": ("单元格", "Cell"),
    "panel_col_expert": ("专家", "Expert"),
    "panel_col_cr": ("一致性比率 CR", "Consistency ratio CR"),
    "panel_col_worst": ("最不一致的比较与建议", "Most inconsistent comparison, and what would fit"),
    "panel_col_distance": ("与组合判断的距离", "Distance from the group"),
    "panel_worst_short": ("{a} 对 {b}：{now} → {better}（CR {cr:.3f}）", "{a} vs {b}: {now} → {better} (CR {cr:.3f})"),
    "panel_method_aij": ("合成判断（AIJ，几何平均后求权重）", "Combine judgements (AIJ)"),
    "panel_method_aip": ("合成权重（AIP，各自求权重后几何平均）", "Combine weights (AIP)"),
    "panel_summary": ("已录入 {n}/{total} 位专家 · 组合判断 CR = {cr:.3f} · 专家共识 S* = {consensus:.0%}（{band}）",
                      "{n} of {total} experts entered · group CR = {cr:.3f} · consensus S* = {consensus:.0%} ({band})"),
    "panel_apply_all": ("应用全部层级的权重", "Apply the weights of every level"),
    "panel_doubt_group": ("{level}的组合判断不一致（CR = {cr:.2f} > 0.1）",
                          "the group's judgements of {level} are inconsistent (CR = {cr:.2f} > 0.1)"),
    "panel_doubt_experts": ("{level}中判断不一致的专家：{experts}", "inconsistent experts on {level}: {experts}"),
    "panel_doubt_single": ("{level}的判断不一致（CR = {cr:.2f} > 0.1）",
                           "the judgements of {level} are inconsistent (CR = {cr:.2f} > 0.1)"),
    "panel_confirm": ("{doubts}。由此得出的权重可能不可靠，仍要应用吗？",
                      "{doubts}. The weights may not be reliable; apply them anyway?"),
    "panel_applied": ("已应用层次分析法权重：{levels}（{n} 位专家，最大 CR = {cr:.3f}）",
                      "AHP weights applied: {levels} ({n} expert(s), largest CR = {cr:.3f})"),
    # ------------------------------------------------------------- diagnostics
    "diag_nominal_weight": ("名义权重", "Nominal weight"),
    "diag_importance": ("实际影响（一阶敏感度占比）", "Importance (share of first-order index)"),
    "diag_share_axis": ("占比", "Share"),
    "diag_component": ("主成分{k}", "Component {k}"),
    "diag_reversal_warning": ("注意：本方案未改动的支部中，有 {pairs} 对支部的先后顺序发生了变化（涉及 {branches} 个支部）{example}。"
                              "这是相对标准化或由数据求得的权重造成的，并非这些支部自身的变化。",
                              "Note: among the branches this scenario does not change, {pairs} pair(s) swapped "
                              "places ({branches} branches){example}. Relative normalizations or data-derived "
                              "weights do this, not those branches' own records."),
    "diag_reversal_example": ("，如 {a} 与 {b}", ", e.g. {a} and {b}"),
    "diag_title": ("诊断：权重、结构与排名稳定性", "Diagnostics: weights, structure and stable rankings"),
    "diag_intro": ("供研究参考：这些诊断说明考评方案在本年数据上的表现，不用于自动设定权重。",
                   "For research: these diagnostics describe how the scheme behaves on this year's data; they never "
                   "set weights by themselves."),
    "diag_importance_heading": ("名义权重与实际影响", "Nominal weight and actual importance"),
    "diag_importance_title": ("权重与对总分的实际影响", "Weight and share of the total explained"),
    "diag_importance_hint": ("实际影响：该项得分能解释总分差异的比例（一阶敏感度，相关比），各项合计为 100%。"
                             "名义权重相近、实际影响相差很大时，排名主要由影响大的一项决定。",
                             "Importance: the share of the differences in total score each component explains "
                             "(first-order index, the correlation ratio), adding up to 100 %. When it is far from the "
                             "nominal weight, the ranking follows the component that explains most."),
    "diag_importance_ok": ("各项的实际影响与名义权重大体相当。", "Every component's importance is close to its weight."),
    "diag_flag_over": ("{name}：权重 {weight:.0%}，却解释了总分差异的 {share:.0%}",
                       "{name}: weight {weight:.0%}, yet explains {share:.0%} of the differences in total"),
    "diag_flag_under": ("{name}：权重 {weight:.0%}，只解释了总分差异的 {share:.0%}",
                        "{name}: weight {weight:.0%}, but explains only {share:.0%} of the differences in total"),
    "diag_level_dimensions": ("维度", "Dimensions"),
    "diag_level_indicators": ("指标", "Indicators"),
    "diag_factors_heading": ("指标的结构：六个方面是否各自独立", "Structure of the indicators: are the six points distinct?"),
    "diag_loadings_title": ("主成分载荷（方差最大旋转）", "Component loadings (varimax)"),
    "diag_factors_summary": ("保留 {n} 个主成分（平行分析；特征值大于 1 的有 {kaiser} 个），第一个解释 {first:.0%}，"
                             "合计 {kept:.0%}；{dims} 个维度中 {distinct} 个有自己的主成分。",
                             "{n} components kept (parallel analysis; {kaiser} with eigenvalue above 1), the first "
                             "explaining {first:.0%}, together {kept:.0%}; {distinct} of {dims} dimensions have a "
                             "component of their own."),
    "diag_factors_shared": ("共用一个主成分、数据上难以区分的维度：{groups}",
                            "Dimensions that share a component and are hard to tell apart in the data: {groups}"),
    "diag_factors_ok": ("每个指标都主要落在本维度的主成分上。", "Every indicator loads mainly with its own dimension."),
    "diag_factors_stray": ("主要落在其他维度主成分上的指标：", "Indicators that load mainly with another dimension:"),
    "diag_col_indicator": ("指标", "Indicator"),
    "diag_col_dimension": ("所属维度", "Dimension"),
    "diag_col_component": ("主成分", "Component"),
    "diag_col_loading": ("载荷", "Loading"),
    "diag_col_with": ("与之同列的维度", "Loads with"),
    "diag_alone": ("（单独成分）", "(a component of its own)"),
    "diag_reversal_heading": ("排名反转：增减、合并支部是否改变其他支部的先后",
                              "Rank reversal: do adding, removing or merging branches reorder the others?"),
    "diag_reversal_hint": ("选择方案并运行：每次随机删去、新增或合并支部，再看其余支部之间的先后是否改变。",
                           "Choose a scheme and run: each trial removes, adds or merges branches at random and checks "
                           "whether the order of the other branches changes."),
    "diag_run_reversal": ("运行（每种 {n} 次）", "Run ({n} trials each)"),
    "diag_variant_framework": ("框架方案", "The framework's scheme"),
    "diag_variant_minmax": ("改用最小-最大标准化", "Min-max normalization instead"),
    "diag_variant_entropy": ("改用熵权法权重", "Entropy weights instead"),
    "diag_op_remove": ("删去一个支部", "remove a branch"),
    "diag_op_add": ("新增一个支部", "add a branch"),
    "diag_op_merge": ("合并两个支部", "merge two branches"),
    "diag_col_operation": ("变化", "Change"),
    "diag_col_trials": ("次数", "Trials"),
    "diag_col_with_reversal": ("出现反转的比例", "With a reversal"),
    "diag_col_mean_pairs": ("平均反转对数", "Mean pairs reversed"),
    "diag_col_max_pairs": ("最多反转对数", "Most pairs reversed"),
    "diag_col_max_shift": ("其他支部最大名次变化", "Largest rank change of another branch"),
    "diag_reversal_found": ("{variant}下，其他支部的先后会因增减或合并支部而改变：相对标准化或由数据求得的权重所致。",
                            "Under {variant} the order of other branches changes when branches are added, removed or "
                            "merged: relative normalization or data-derived weights do this."),
    "diag_reversal_none": ("{variant}下，增减或合并支部不改变其他支部的先后。",
                           "Under {variant} adding, removing or merging branches leaves the order of the others as it was."),
}
