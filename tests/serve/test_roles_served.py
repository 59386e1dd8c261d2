"""Roles on the served dashboards, over the page's websocket: what each role's page can reach.

A pre-run kernel (``--pool``) runs the weight explorer before anyone asks; a
township user who gets it must see only their township (the dashboard is
rebuilt on their data and the first one closed, before the page sees
anything), whatever widget messages the page sends; a county user who gets
one sees their own upload; a presenter's upload and save controls are disabled
and refused by the kernel.
"""

from __future__ import annotations

import json
import re
import time

import pytest

import workbench as wb
from tests.browser.conftest import ROOT, SAMPLE, start_server, stop_server
from tests.serve.access import Client, KernelSocket, run_async
from workbench.data.scope import townships_of
from workbench.serve.users import UsersFile
from workbench.views.state import DataStore

pytestmark = pytest.mark.slow

PASSWORDS = {"li": "county passphrase", "wang": "township passphrase", "zhao": "presenter passphrase"}
WEIGHTS = "02_weights.ipynb"


@pytest.fixture(scope="module")
def county():
    return wb.load(SAMPLE)


@pytest.fixture(scope="module")
def town(county):
    return townships_of(county)[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory, town):
    state = tmp_path_factory.mktemp("state")
    users = UsersFile(state / "users.json")
    users.add("li", role="county", password=PASSWORDS["li"])
    users.add("wang", role="township", townships=[town], password=PASSWORDS["wang"])
    users.add("zhao", role="presenter", password=PASSWORDS["zhao"])
    server = start_server(notebooks=ROOT / "notebooks", state_dir=state, name="roles-served",
                          args=("--pool", f"{WEIGHTS}=1", "--connect-timeout", "300"))
    yield server
    stop_server(server)


def wait_for_pool(server, fills: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while server.log_text().count(f"Kernel pool of {WEIGHTS} is filled") < fills:
        assert time.monotonic() < deadline, server.log_text()[-3000:]
        time.sleep(0.5)


def foreign_words(county, town) -> set[str]:
    others = county.branches[county.branches["township"] != town]
    members = county.members[county.members["branch_id"].isin(others["branch_id"])]
    return set(others["branch_id"]) | set(members["member_id"]) | (set(others["township"]) - {town})


def found(words: set[str], text: str) -> list[str]:
    tokens = set(re.findall(r"\bB\d{5}\b|\bM\d{7}\b", text))
    return sorted((tokens & words) | {w for w in words if not w[0] in "BM" and w in text})


def open_page(server, name: str):
    client = Client(server.url)
    assert client.login(name, PASSWORDS[name]).status == 302
    r, kernel_id = client.open_dashboard(WEIGHTS)
    assert r.status == 200 and kernel_id and "There was an error" not in r.text
    root = re.search(r'"model_id": "([0-9a-f]{32})"', r.text).group(1)
    return client, kernel_id, root


async def states_after(server, client, kernel_id, poke=None):
    ws = await KernelSocket.connect(server.url, kernel_id, headers={"Cookie": client.cookie_header()})
    states = await ws.widget_states()
    if poke is not None:
        poke(ws, states)
        await ws.read_until(lambda m: False, timeout=3)
        states = await ws.widget_states()
    ws.close()
    return states


def test_a_township_user_on_a_pre_run_kernel_reaches_only_their_township(server, county, town):
    wait_for_pool(server, 1)
    client, kernel_id, root = open_page(server, "wang")
    assert f"Using pre-heated kernel: {kernel_id}" in server.log_text()
    words = foreign_words(county, town)
    other_names = [n for n in county.branches.loc[county.branches["township"] != town, "name"]][:5]

    def poke(ws, states):
        # a page that tries: another township's names in every text box, every dropdown to an index
        # beyond its options, and the first dashboard's widgets (closed) addressed directly
        for model_id, entry in states.items():
            state = entry["state"]
            if entry["model_name"] in ("TextModel", "TextareaModel"):
                ws.comm_msg(model_id, {"method": "update", "state": {"value": other_names[0]}, "buffer_paths": []})
            elif "_options_labels" in state:
                ws.comm_msg(model_id, {"method": "update", "state": {"index": len(state["_options_labels"]) + 3},
                                       "buffer_paths": []})

    states = run_async(states_after(server, client, kernel_id, poke))
    text = json.dumps(states, ensure_ascii=False)
    assert root in states, "the page's own widget is there"
    assert found(words, text) == []
    mine = set(county.branches.loc[county.branches["township"] == town, "branch_id"])
    shown = set(re.findall(r"\bB\d{5}\b", text))
    assert shown and shown <= mine


def test_a_county_user_on_a_pre_run_kernel_sees_their_own_upload(server, small):
    DataStore(server.state_dir, user="li").save(
        {p.name: p.read_bytes() for p in small.to_csv(server.state_dir / "li-upload").glob("*.csv")},
        source="li's county")
    wait_for_pool(server, 2)
    client, kernel_id, root = open_page(server, "li")
    assert f"Using pre-heated kernel: {kernel_id}" in server.log_text()
    text = json.dumps(run_async(states_after(server, client, kernel_id)), ensure_ascii=False)
    theirs = set(small.branches["branch_id"])
    shown = set(re.findall(r"\bB\d{5}\b", text))
    assert shown and shown <= theirs


def test_a_presenter_cannot_upload_or_save_whatever_the_page_sends(server):
    # like the tests above, on a ready pre-run kernel: under a whole suite's load, a page that has to
    # wait for the pool's next kernel to run the notebook can take longer than the client's timeout
    wait_for_pool(server, 3)
    client, kernel_id, _ = open_page(server, "zhao")
    refused = {}

    def poke(ws, states):
        for model_id, entry in states.items():
            state = entry["state"]
            if entry["model_name"] == "FileUploadModel":
                refused.setdefault("upload", []).append(model_id)
                assert state["disabled"]
                ws.comm_msg(model_id, {"method": "update", "buffer_paths": [], "state": {"value": [
                    {"name": "branches.csv", "type": "text/csv", "size": 3, "content": "abc",
                     "last_modified": 0}]}})
            elif entry["model_name"] == "ButtonModel" and state.get("icon") == "save":
                refused.setdefault("save", []).append(model_id)
                assert state["disabled"]
                ws.comm_msg(model_id, {"method": "custom", "content": {"event": "click"}})

    run_async(states_after(server, client, kernel_id, poke))
    assert refused["upload"] and refused["save"]
    folder = server.state_dir / "users" / "zhao"
    assert not (folder / "schemes").exists() and not (folder / "sets").exists()
    assert server.log_text().count("the control is disabled") >= len(refused["upload"]) + len(refused["save"])
