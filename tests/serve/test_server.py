"""workbench.serve without a browser: settings, catalogue, options, CLI; JupyterLab over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import plotly.io as pio
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import workbench
from tests.browser.conftest import FIXTURES, LOGS, ROOT, Server, free_port, stop_server
from workbench.cli import main
from workbench.serve.server import (
    DEFAULT_NOTEBOOKS,
    SHARE_DIR,
    Dashboard,
    dashboard_settings,
    list_dashboards,
    plotly_template,
    server_environment,
    serve_options,
)

def test_dashboard_settings_defaults_and_environment():
    assert dashboard_settings({}) == dashboard_settings(
        {"WORKBENCH_DATA": "", "WORKBENCH_LANG": "", "WORKBENCH_THEME": ""}
    )
    default = dashboard_settings({})
    assert default.data_path == Path(workbench.__file__).resolve().parents[1] / "sample_data"
    assert (default.lang, default.theme) == ("zh", "light")
    given = dashboard_settings({"WORKBENCH_DATA": "county.xlsx", "WORKBENCH_LANG": "en", "WORKBENCH_THEME": "dark"})
    assert given.data_path.is_absolute() and given.data_path.name == "county.xlsx"
    assert (given.lang, given.theme) == ("en", "dark")
    with pytest.raises(ValueError, match="WORKBENCH_LANG must be one of zh, en; got 'fr'"):
        dashboard_settings({"WORKBENCH_LANG": "fr"})
    with pytest.raises(ValueError, match="WORKBENCH_THEME"):
        dashboard_settings({"WORKBENCH_THEME": "sepia"})
    with pytest.raises(AttributeError):
        default.lang = "en"  # frozen


def test_plotly_template_matches_the_theme():
    assert plotly_template("light") == "plotly_white"
    assert plotly_template("dark") == "plotly_dark"
    for theme in ("light", "dark"):
        assert plotly_template(theme) in pio.templates
    with pytest.raises(ValueError, match="theme must be one of light, dark"):
        plotly_template("blue")


def write_notebook(path: Path, cells, metadata=None) -> None:
    nbformat.write(new_notebook(cells=cells, metadata=metadata or {}), path)


def test_list_dashboards_reads_metadata_then_headings(tmp_path):
    write_notebook(tmp_path / "b_weights.ipynb", [new_markdown_cell("# ignored")], {
        "workbench": {"title_zh": "权重", "title_en": "Weights", "summary_zh": "调权重",
                      "summary_en": "Tune weights", "order": 2},
    })
    write_notebook(tmp_path / "a_overview.ipynb", [new_markdown_cell("# 总览\n\nKPIs at a glance.")],
                   {"workbench": {"title_en": "Overview", "order": 1}})
    write_notebook(tmp_path / "c_plain.ipynb", [new_code_cell("1"), new_markdown_cell("Intro\n## 分析 Analysis\ntext")])
    write_notebook(tmp_path / "d_bare.ipynb", [new_code_cell("1")])
    (tmp_path / "e_bad.ipynb").write_text("{not json", encoding="utf-8")
    write_notebook(tmp_path / "_draft.ipynb", [new_markdown_cell("# hidden")])
    write_notebook(tmp_path / ".secret.ipynb", [new_markdown_cell("# hidden")])
    (tmp_path / "notes.txt").write_text("not a notebook")

    found = list_dashboards(tmp_path)
    assert [d.name for d in found] == [
        "a_overview.ipynb", "b_weights.ipynb", "c_plain.ipynb", "d_bare.ipynb", "e_bad.ipynb",
    ]
    assert found[0] == Dashboard("a_overview.ipynb", "Overview", "Overview", "KPIs at a glance.",
                                 "KPIs at a glance.", 1.0)
    assert found[1] == Dashboard("b_weights.ipynb", "权重", "Weights", "调权重", "Tune weights", 2.0)
    assert (found[2].title_zh, found[2].summary_en) == ("分析 Analysis", "text")
    assert (found[3].title_en, found[3].summary_zh) == ("d_bare", "")
    assert found[4].title_zh == "e_bad" and "cannot read" in found[4].summary_en


def test_the_fixtures_folder_is_listed_as_the_landing_page_shows_it():
    names = [d.name for d in list_dashboards(FIXTURES)]
    assert names == ["slider_chart.ipynb", "broken.ipynb"]


def test_serve_options_name_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"--data: no such file or folder: .*nowhere"):
        serve_options(data=tmp_path / "nowhere", notebooks=FIXTURES)
    with pytest.raises(FileNotFoundError, match=r"--notebooks: the notebooks folder .*missing does not exist"):
        serve_options(notebooks=tmp_path / "missing")
    with pytest.raises(ValueError, match="--port must be a whole number from 1 to 65535; got 0"):
        serve_options(notebooks=FIXTURES, port=0)
    with pytest.raises(ValueError, match="--lang must be one of zh, en"):
        serve_options(notebooks=FIXTURES, lang="de")
    with pytest.raises(ValueError, match="--preheat"):
        serve_options(notebooks=FIXTURES, preheat=-1)
    opts = serve_options(data="sample_data", notebooks=FIXTURES)
    assert opts.data == ROOT / "sample_data" and opts.notebooks == FIXTURES
    assert DEFAULT_NOTEBOOKS == ROOT / "notebooks"


def test_server_environment_points_kernels_and_voila_at_our_files():
    env = server_environment(serve_options(notebooks=FIXTURES, lang="en", theme="dark"))
    assert env["WORKBENCH_DATA"] == str(ROOT / "sample_data")
    assert (env["WORKBENCH_LANG"], env["WORKBENCH_THEME"]) == ("en", "dark")
    first = Path(env["JUPYTER_PATH"].split(":")[0])
    assert first == SHARE_DIR
    conf = first / "voila" / "templates" / "workbench" / "conf.json"
    assert json.loads(conf.read_text()) == {"base_template": "lab"}
    assert env["OPENBLAS_NUM_THREADS"] == os.environ.get("OPENBLAS_NUM_THREADS", "1")


def test_the_cli_reports_bad_options_without_a_traceback(tmp_path, capsys):
    assert main(["serve", "--no-browser", "--notebooks", str(tmp_path / "missing")]) == 1
    assert "error: --notebooks: the notebooks folder" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--no-browser", "--notebooks", str(FIXTURES), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"error: --port: cannot listen on 127.0.0.1:{port}" in err


@pytest.mark.slow
def test_workbench_lab_serves_the_notebooks_with_widgets_and_plotly():
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / "lab.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "lab", "--no-browser", "--port", str(port),
             "--notebooks", str(FIXTURES)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    server = Server(process=process, host="127.0.0.1", port=port, log_path=log_path)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline and process.poll() is None:
            match = re.search(r"JupyterLab is running; open: (http://127\.0\.0\.1:\d+/lab\?token=\S+)",
                              server.log_text())
            url = match.group(1) if match else None
            time.sleep(0.3)
        assert url, server.log_text()
        html = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      html, re.S).group(1))
        extensions = {e["name"] for e in config["federated_extensions"]}
        assert {"@jupyter-widgets/jupyterlab-manager", "jupyterlab-plotly", "anywidget"} <= extensions
        assert Path(config["serverRoot"]) == FIXTURES
        # the dashboards' charts load plotly.js from the server once per page (see widgets.plotly_chart)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/workbench/plotly.min.js", timeout=30) as response:
            assert response.status == 200 and len(response.read()) > 1_000_000
        # the API needs the token
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernels", timeout=10)
    finally:
        stop_server(server)


def test_the_policy_allows_voilas_heartbeat_by_its_hash_and_nothing_else_inline():
    """A slow kernel makes Voilà stream a heartbeat script without our nonce; blocked, it is a console
    error in every page of a loaded server. Allowed by its hash: if Voilà changes it, this fails."""
    import base64
    import hashlib
    import inspect

    import voila.handler

    from workbench.serve.server import CONTENT_SECURITY_POLICY, VOILA_HEARTBEAT_SCRIPT

    assert f"<script>{VOILA_HEARTBEAT_SCRIPT}</script>" in inspect.getsource(voila.handler)
    digest = base64.b64encode(hashlib.sha256(VOILA_HEARTBEAT_SCRIPT.encode()).digest()).decode()
    script_src = next(d for d in CONTENT_SECURITY_POLICY.split("; ") if d.startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'", "'nonce-{nonce}'", f"'sha256-{digest}'", "blob:"]
