"""``workbench simulate`` and ``workbench suggest``: branch-setting scenarios from the command line."""

from __future__ import annotations

import pandas as pd

from ..i18n import tr

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate", help="apply a scenario file and print the before/after (调整方案模拟)",
        description="Apply the branch-setting changes of a scenario YAML to a county and print each step, "
        "the county totals before and after, and the affected branches (members, violations, score, "
        "grade, rank).")
    p.add_argument("scenario", help="scenario YAML (written by `workbench suggest` or Scenario.to_yaml)")
    p.add_argument("--data", required=True, help="data folder or workbook the scenario was made for")
    p.add_argument("--period", type=int, default=None, help="assessment year (default: the latest)")
    p.add_argument("--framework", default=None, help="framework YAML (default: the built-in one)")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.set_defaults(func=_cmd_simulate)

    p = subparsers.add_parser(
        "suggest", help="propose branch-setting changes that remove hard violations (设置调整建议)",
        description="Read a county, propose merges, splits and appointments that remove hard branch-setting "
        "violations, print them with their reasons and, with -o, save them as a scenario YAML to edit.")
    p.add_argument("path", help="data folder or workbook")
    p.add_argument("-o", "--out", default=None, help="write the suggested scenario to this YAML file")
    p.add_argument("--period", type=int, default=None, help="assessment year for the violation counts")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.set_defaults(func=_cmd_suggest)


def _cmd_simulate(args) -> int:
    from ..assess.framework import Framework
    from ..assess.scoring import Scheme
    from ..data import load
    from ..settings.scenario import Scenario

    data = load(args.data)
    scenario = Scenario.from_yaml(args.scenario, data)
    framework = Framework.from_yaml(args.framework) if args.framework else Framework.default()
    comparison = scenario.compare(Scheme(framework), args.period)
    print(tr("scenario_cli_header", args.lang, file=args.scenario, n=len(scenario)))
    print(scenario.to_text(args.lang))
    print()
    print(comparison.to_text(args.lang))
    return 0


def _cmd_suggest(args) -> int:
    from ..data import load
    from ..settings.rules import RULES, check_rules
    from ..settings.suggest import suggest_settings

    data = load(args.path)
    scenario = suggest_settings(data)
    zh = args.lang == "zh"
    print(scenario.to_text(args.lang))
    before = check_rules(data, period=args.period)
    after = check_rules(scenario.apply(), period=args.period)
    print()
    print(tr("scenario_cli_violations", args.lang))
    counts = pd.concat([before["rule"].value_counts(), after["rule"].value_counts()], axis=1,
                       keys=["before", "after"]).fillna(0).astype(int)
    for rule, row in counts.iterrows():
        label = RULES[rule][2] if zh else rule
        print(f"  {label:<28} {row['before']:>5} -> {row['after']:>5}")
    if args.out:
        path = scenario.to_yaml(args.out)
        print()
        print(tr("scenario_cli_saved", args.lang, n=len(scenario), path=path))
    return 0
