"""Texts of branch-setting scenarios: operation names, labels, step descriptions, errors, reports.

Keys start with ``scenario_`` (``suggest_`` for the reasons of suggested steps).
Parameters that read differently in the two languages (id lists, labels with
their Chinese names) are passed as values of :mod:`workbench.settings.scenario.texts`,
which render themselves per language.
The rule labels belong to :mod:`workbench.settings.rules`.
"""

from __future__ import annotations

SETTINGS: dict[str, tuple[str, str]] = {
    # ----------------------------------------------------------- operations
    "scenario_op_merge": ("合并", "merge"),
    "scenario_op_split": ("拆分", "split"),
    "scenario_op_move": ("转移", "move"),
    "scenario_op_move_to": ("转移（目标支部）", "move: to"),
    "scenario_op_dissolve": ("撤销", "dissolve"),
    "scenario_op_create": ("新建", "create"),
    "scenario_op_appoint": ("任命", "appoint"),
    "scenario_op_vacate": ("免去职务", "vacate"),
    # ---------------------------------------------------------------- posts
    "scenario_role_secretary": ("书记", "secretary"),
    "scenario_role_deputy_secretary": ("副书记", "deputy secretary"),
    "scenario_role_organization": ("组织委员", "organization member"),
    "scenario_role_propaganda": ("宣传委员", "propaganda member"),
    "scenario_role_discipline": ("纪检委员", "discipline inspection member"),
    "scenario_role_committee": ("支委", "committee member"),
    "scenario_role_member": ("普通党员", "ordinary member"),
    # --------------------------------------------------------- branch kinds
    "scenario_kind_village": ("村党支部", "village branch"),
    "scenario_kind_community": ("社区党支部", "community branch"),
    "scenario_kind_enterprise": ("企业党支部", "enterprise branch"),
    "scenario_kind_institution": ("机关事业单位党支部", "institution branch"),
    "scenario_kind_joint": ("联合党支部", "joint branch"),
    # ---------------------------------------- member columns a split goes by
    "scenario_column_party_group": ("党小组", "party group"),
    "scenario_column_unit": ("所在单位", "unit"),
    "scenario_column_gender": ("性别", "gender"),
    "scenario_column_education": ("学历", "education"),
    "scenario_column_status": ("党员类别", "status"),
    # ------------------------------------------------- fields of operations
    "scenario_field_merge_branch_ids": ("合并：branch_ids（参与合并的支部编号）", "merge: branch_ids"),
    "scenario_field_split_group": ("拆分：每个分组", "split: each group"),
    "scenario_field_split_names": ("拆分：names（新支部名称）", "split: names"),
    "scenario_field_split_new_ids": ("拆分：new_ids（新支部编号）", "split: new_ids"),
    "scenario_field_move_member_ids": ("转移：member_ids（转移的党员编号）", "move: member_ids"),
    "scenario_field_create_members": ("新建：members（转入的党员编号）", "create: members"),
    # ------------------------------------------------ names in descriptions
    "scenario_branch_label": ("{id}「{name}」", "{id} “{name}”"),
    "scenario_member_label": ("{name}（{id}）", "{name} ({id})"),
    "scenario_split_part": ("「{name}」（{id}，{n}人）", "“{name}” ({id}, {n} members)"),
    "scenario_split_how_by": ("按{by}", "by {by}"),
    "scenario_split_how_lists": ("按名单", "by member lists"),
    "scenario_more_members": ("等{n}名党员（另{extra}名未列出）", " and {extra} more ({n} in all)"),
    # --------------------------------------------------------- descriptions
    "scenario_describe_merge": ("将{n}个支部（{parts}）合并为{kind}「{name}」（{id}），沿用{lead}的支委会",
                                "merge {n} branches ({parts}) into the {kind} branch “{name}” ({id}), "
                                "keeping the committee of {lead}"),
    "scenario_describe_split": ("将{branch}{how}拆分：分设{created}，原支部保留{stay}人及全部记录",
                                "split {branch} {how}: new {created}; {stay} members and all records stay"),
    "scenario_describe_move": ("将{who}{more}从{sources}转入{to}", "move {who}{more} from {sources} to {to}"),
    "scenario_describe_dissolve": ("撤销{branch}，其{n}名党员及记录并入{into}",
                                   "dissolve {branch}: its {n} members and records join {into}"),
    "scenario_describe_create": ("在{township}新建{kind}「{name}」（{id}），转入{n}名党员",
                                 "create the {kind} branch “{name}” ({id}) in {township} with {n} member(s)"),
    "scenario_describe_appoint": ("任命{branch}的{name}（{member}）为{role}",
                                  "appoint {name} ({member}) of {branch} as {role}"),
    "scenario_describe_appoint_previous": ("（原{role}{names}改为普通党员）",
                                           " (the previous {role}, {names}, steps down)"),
    "scenario_describe_vacate": ("免去{branch}的{name}（{member}）的{role}职务",
                                 "remove {name} ({member}) of {branch} from the post of {role}"),
    "scenario_no_changes": ("（无调整）", "(no changes)"),
    # ------------------------------------------------- where an error arose
    "scenario_at_step": ("第{k}步（{op}）", "step {k} ({op})"),
    "scenario_at_source": ("{source}", "{source}"),
    "scenario_at_file_step": ("第{k}步", "step {k}"),
    "scenario_at_file_step_op": ("第{k}步（{op}）", "step {k} ({op})"),
    # ------------------------------------------------ errors of operations
    "scenario_err_no_branch": ("{what}：当前状态中没有支部{ids}（现有{n}个支部）",
                               "{what}: no branch {ids} in the current state ({n} branches)"),
    "scenario_err_no_member": ("{what}：当前状态中没有党员{ids}", "{what}: no member {ids} in the current state"),
    "scenario_err_not_a_list": ("{what}应为编号列表，实际为{value}", "{what} must be a list of ids, got {value}"),
    "scenario_err_bad_kind": ("支部类型（kind）须为{kinds}之一，实际为{kind}", "kind must be one of {kinds}, got {kind}"),
    "scenario_err_id_taken": ("新支部编号{id}已被占用（编号不重复使用）",
                              "new branch id {id} is already taken (ids are never reused)"),
    "scenario_err_branches_twice": ("{what}：支部{ids}重复列出", "{what}: branch {ids} listed twice"),
    "scenario_err_members_twice": ("{what}：党员{ids}重复列出", "{what}: member {ids} listed twice"),
    "scenario_err_merge_too_few": ("合并至少需要2个支部，实际为{n}个（{ids}）",
                                   "merge needs at least 2 branches, got {n} ({ids})"),
    "scenario_err_merge_no_name": ("合并：请为合并后的新支部命名", "merge: the new branch needs a name"),
    "scenario_err_merge_townships": ("合并：这些支部分属{n}个乡镇（{towns}），请为合并后的支部指定乡镇（township=...）",
                                     "merge: the branches lie in {n} townships ({towns}); give township=... for "
                                     "the merged branch"),
    "scenario_err_merge_established": ("合并：成立日期（established）{established}晚于所沿用支委会的选举日期"
                                       "（{lead}：{elected}）；请不填成立日期或填写更早的日期",
                                       "merge: established {established} is after the election of the committee "
                                       "it keeps ({lead}: {elected}); leave established empty or give an earlier date"),
    "scenario_err_split_groups_type": ("拆分：groups（分组）应为由党员编号列表组成的列表",
                                       "split: groups must be a list of member-id lists"),
    "scenario_err_split_by_or_groups": ("拆分：请在 by=<党员信息列> 和 groups=[[党员编号], ...] 中指定且只指定一个",
                                        "split: give either by=<member column> or groups=[[member ids], ...]"),
    "scenario_err_split_no_groups": ("拆分：分组为空；请列出每个新支部的党员",
                                     "split: groups is empty; list the members of each new branch"),
    "scenario_err_split_empty_group": ("拆分：第{k}组为空；每个新支部都需要党员",
                                       "split: group {k} is empty; every new branch needs members"),
    "scenario_err_split_member_twice": ("拆分：党员{ids}出现在多个分组中", "split: member {ids} is in more than one group"),
    "scenario_err_split_stranger": ("拆分：党员{ids}不在支部{branch}中", "split: member {ids} is not in branch {branch}"),
    "scenario_err_split_takes_all": ("拆分：分组包含了支部{branch}的全部{n}名党员；原支部至少要保留1名党员（各项记录留在原支部）",
                                     "split: the groups take all {n} members of {branch}; leave at least one member "
                                     "in the original branch (it keeps the records)"),
    "scenario_err_split_not_column": ("拆分：by={by}不是党员信息列；可用的列：{columns}",
                                      "split: by={by} is not a member column; use one of {columns}"),
    "scenario_err_split_one_value": ("拆分：支部{branch}的{members}名党员中，{by}只有{n}种取值，无法据此拆分",
                                     "split: branch {branch} has {n} distinct {by} value(s) among its {members} "
                                     "members; nothing to split by"),
    "scenario_err_split_names": ("拆分：将新设{n}个支部（{labels}），但给出了{given}个名称",
                                 "split: {n} new branch(es) ({labels}) but {given} name(s)"),
    "scenario_err_split_new_ids": ("拆分：支部{branch}将分出{n}个部分，但给出了{given}个新支部编号（{ids}）；"
                                   "当前数据与制定方案时所用的数据不一致",
                                   "split: {n} part(s) leave {branch} but {given} new id(s) are given ({ids}); "
                                   "the data differ from those the scenario was made on"),
    "scenario_err_move_none": ("转移：未指定要转移的党员", "move: no members given"),
    "scenario_err_move_already": ("转移：党员{ids}已在支部{branch}中；党员不能转移到其所在的支部",
                                  "move: member {ids} is already in {branch}; a member cannot move to its own branch"),
    "scenario_err_dissolve_itself": ("撤销：支部不能撤销后并入自身（{branch}）",
                                     "dissolve: a branch cannot be dissolved into itself ({branch})"),
    "scenario_err_create_no_name": ("新建：请为新支部命名", "create: the new branch needs a name"),
    "scenario_err_create_no_township": ("新建：请指定新支部所在的乡镇", "create: the new branch needs a township"),
    "scenario_err_appoint_bad_role": ("任命：职务须为{roles}之一，实际为{role}", "appoint: role must be one of {roles}, got {role}"),
    "scenario_err_appoint_as_member": ("任命：职务须为{roles}之一，实际为{role}；改为普通党员请用免去职务（vacate）",
                                       "appoint: role must be one of {roles}, got {role}; use vacate to make a member "
                                       "an ordinary member"),
    "scenario_err_appoint_already": ("任命：党员{member}已担任{role}", "appoint: member {member} already is {role}"),
    "scenario_err_vacate_no_post": ("免去职务：党员{member}未担任任何职务", "vacate: member {member} holds no post"),
    "scenario_err_undo_empty": ("撤销上一步：方案中没有可撤销的步骤", "undo: the scenario has no operation to undo"),
    # ----------------------------------------------------- errors of files
    "scenario_err_file_no_steps": ("内容应为含有“steps”（步骤）列表的映射", "expected a mapping with a 'steps' list"),
    "scenario_err_file_steps_type": ("“steps”（步骤）应为列表，实际为{type}", "'steps' must be a list, got {type}"),
    "scenario_err_file_effective": ("effective（生效日期）不是有效日期：{value}", "effective: not a date: {value}"),
    "scenario_err_file_unreadable": ("无法读取方案文件：{reason}", "cannot read the scenario file: {reason}"),
    "scenario_err_file_yaml": ("不是有效的YAML文件：{detail}", "not valid YAML: {detail}"),
    "scenario_err_file_yaml_at": ("不是有效的YAML文件（第{line}行第{column}列附近）：{detail}",
                                  "not valid YAML (near line {line}, column {column}): {detail}"),
    "scenario_err_file_no_op": ("应为含有“op”（操作）键的映射，实际为{value}",
                                "expected a mapping with an 'op' key, got {value}"),
    "scenario_err_file_unknown_op": ("未知操作{op}；可用的操作：{ops}", "unknown op {op}; expected one of {ops}"),
    "scenario_err_file_reason": ("reason（理由）应为含有 zh 和 en 的映射", "reason must be a mapping with zh and en"),
    "scenario_err_file_unknown_key": ("未知字段{field}；可用的字段：{fields}", "unknown key {field}; allowed: {fields}"),
    "scenario_err_file_established": ("established（成立日期）不是有效日期：{value}", "established: not a date: {value}"),
    "scenario_err_file_missing": ("缺少字段{fields}", "missing {fields}"),
    "scenario_os_enoent": ("文件不存在", "No such file or directory"),
    "scenario_os_eacces": ("没有读取权限", "Permission denied"),
    "scenario_os_eisdir": ("这是一个文件夹，不是文件", "Is a directory"),
    # ------------------------------------------- reasons of suggested steps
    "suggest_formal_count": ("{id}有{n}名", "{id} {n}"),
    "suggest_join_smallest": ("正式党员{formal}名，不足{min}名：并入同乡镇同类支部（{kind}）中党员最少的{name}（{target}）",
                              "{formal} formal members, fewer than {min}: join {target} “{name}”, the smallest "
                              "{kind} branch nearby"),
    "suggest_join_joint": ("正式党员{formal}名，不足{min}名：并入同乡镇的联合党支部{name}（{target}）",
                           "{formal} formal members, fewer than {min}: join the joint branch {target} “{name}” "
                           "of the same township"),
    "suggest_form_joint": ("正式党员不足{min}名（{counts}）：同乡镇的小单位组建联合党支部",
                           "fewer than {min} formal members ({counts}): small units of one township form a "
                           "joint branch"),
    "suggest_form_joint_with": ("正式党员不足{min}名（{counts}），附近无可并入的联合党支部：与{partner}「{name}」组建联合党支部",
                                "fewer than {min} formal members ({counts}) and no joint branch nearby with room: "
                                "form a joint branch with {partner} “{name}”"),
    "suggest_split": ("党员{n}名，超过{max}名：按{by}整体拆分为{parts}个支部",
                      "{n} members, more than {max}: split along whole {by} into {parts} branches"),
    "suggest_by_party_group": ("党小组", "party groups"),
    "suggest_by_unit": ("单位", "units"),
    "suggest_secretary": ("书记空缺：{how}{name}担任，待党员大会选举",
                          "no secretary: {how}, {name}, takes the post until the general meeting elects one"),
    "suggest_secretary_deputy": ("由副书记", "the deputy"),
    "suggest_secretary_formal": ("暂由正式党员", "a formal member"),
    "suggest_committee": ("有{formal}名正式党员但未设支委会：暂定{name}为{post}，组成{size}人支委会，待选举",
                          "{formal} formal members but no committee: {name} as provisional {post} member, for a "
                          "committee of {size} until an election"),
    "suggest_post_organization": ("组织委员", "organization"),
    "suggest_post_discipline": ("纪检委员", "discipline inspection"),
    "suggest_discipline": ("支委会{committee}人，未设纪检委员：{how}{name}兼任纪检委员",
                           "committee of {committee} without a discipline inspection member: {how} {name} takes "
                           "it on"),
    "suggest_discipline_committee": ("由支委", "committee member"),
    "suggest_discipline_formal": ("增补正式党员", "formal member"),
    # ------------------------------------------------------------- reports
    "scenario_report_period": ("考评年度", "period"),
    "scenario_report_totals": ("全县汇总（调整前 -> 调整后）", "county totals (before -> after)"),
    "scenario_report_affected": ("受影响的支部", "affected branches"),
    "scenario_report_more": ("  …… 另有{n}个", "  ... {n} more"),
}
