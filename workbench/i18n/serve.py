"""Texts of the server's own pages and refusals: login, logout, refused requests, roles.

Each entry is a key and its (Chinese, English) text; :func:`workbench.i18n.tr`
looks them up. The server's pages show the language of ``--lang`` first and the
other one beside it.
"""

from __future__ import annotations

SERVE: dict[str, tuple[str, str]] = {
    "app_name": ("支部考评工作台", "Branch Assessment Workbench"),
    # login and logout
    "login_title": ("登录", "Sign in"),
    "login_intro": ("这些看板含有党员个人信息，请使用管理员为您开设的账号登录。",
                    "These dashboards hold members' personal data: sign in with the account the operator made for you."),
    "login_user": ("用户名", "User name"),
    "login_password": ("密码", "Password"),
    "login_submit": ("登录", "Sign in"),
    "login_failed": ("用户名或密码不正确。", "The user name or the password is not right."),
    "login_throttled": ("尝试次数过多，请 {seconds} 秒后再试。",
                        "Too many attempts: try again in {seconds} seconds."),
    "login_no_account": ("没有账号？请联系管理员用 workbench users add 开设。",
                         "No account? Ask the operator to add you with workbench users add."),
    "login_sso_only": ("此账号通过单位统一登录进入，请从单位门户打开工作台。",
                       "This account signs in through the county's single sign-on: open the workbench from the portal."),
    "logout": ("退出登录", "Sign out"),
    "logout_title": ("退出登录", "Sign out"),
    "logout_question": ("退出前：是否保留您上传的数据，以便下次登录时继续使用？",
                        "Before you go: keep the data you uploaded for your next sign-in?"),
    "logout_remove": ("退出并删除我上传的数据", "Sign out and remove my uploaded data"),
    "logout_keep": ("退出并保留我上传的数据", "Sign out and keep my uploaded data"),
    "logged_out": ("您已退出登录。", "You have signed out."),
    "logged_out_removed": ("您上传的数据已从服务器删除。", "The data you uploaded was removed from the server."),
    "logged_out_kept": ("您上传的数据仍保存在服务器上，下次登录后可继续使用。",
                        "The data you uploaded stays on the server for your next sign-in."),
    "login_again": ("重新登录", "Sign in again"),
    "signed_in_as": ("当前用户：{user}（{role}）", "Signed in as {user} ({role})"),
    # roles
    "role_county": ("县级", "county"),
    "role_township": ("乡镇：{townships}", "township: {townships}"),
    "role_presenter": ("演示（只读）", "presenter (read-only)"),
    "role_local": ("本机", "this machine"),
    # refusals of requests
    "refused_host": ("拒绝访问：此服务器不以“{host}”名义提供服务。",
                     "Refused: this server does not answer to the name \"{host}\"."),
    "refused_host_hint": ("请使用管理员告知的地址打开工作台。", "Open the workbench at the address the operator gave you."),
    "refused_kernels_total": ("服务器正忙：已同时打开 {n} 个看板（上限 {limit}）。请稍后再试，或关闭不用的看板页面。",
                              "The server is busy: {n} dashboards are open (the limit is {limit}). Try again in a "
                              "moment, or close dashboard pages you no longer use."),
    "refused_kernels_user": ("您已打开 {n} 个看板页面（每人上限 {limit}）。请关闭不用的页面后再试。",
                             "You have {n} dashboard pages open (the limit is {limit} per person). Close the pages "
                             "you no longer use and try again."),
    "refused_cross_site": ("拒绝访问：看板只能在浏览器中直接打开，不能嵌入其他网页。",
                           "Refused: a dashboard opens only as a page of its own, never inside another website."),
    "refused_not_yours": ("拒绝访问：此看板页面属于另一位用户。", "Refused: this dashboard page belongs to another user."),
    "refused_generic": ("请求被拒绝。", "The request was refused."),
    "back_to_dashboards": ("返回全部看板", "Back to all dashboards"),
    # in the dashboards
    "read_only_refused": ("演示账号为只读：不能上传数据，也不能在服务器上保存。",
                          "A presenter account is read-only: it cannot upload data or save anything on the server."),
    "township_no_branches": ("数据中没有您所在乡镇（{townships}）的支部。请联系县级管理员核对账号或数据。",
                             "The data has no branches of your township ({townships}). Ask the county operator to "
                             "check your account or the data."),
    "action_failed": ("操作未完成（服务器日志编号 {ref}）。", "The action did not complete (server log reference {ref})."),
}
