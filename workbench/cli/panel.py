"""``workbench panel template`` and ``workbench panel weights``: group AHP weights from an expert panel.

``workbench panel template -o 专家打分表.xlsx`` writes the workbook a panel
fills in; ``workbench panel weights 专家打分表.xlsx -o 方案.yaml`` computes the
group weights of every level it compares, prints each expert's consistency
and distance from the group and the panel's consensus, and writes a scheme
whose origin records the panel file, the method, every CR and the consensus.
A level whose group matrix is inconsistent (CR > 0.1) is not written without
``--accept-inconsistent``; inconsistent experts are flagged.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("panel", help="group AHP weights from an expert panel workbook (专家打分)",
                       description="Expert panel (group AHP): write the workbook experts fill in, or compute "
                                   "group weights from a filled one.")
    panel = p.add_subparsers(dest="panel_command", required=True, metavar="ACTION")

    t = panel.add_parser("template", help="write the empty panel workbook (专家打分表)",
                         description="Write the workbook an expert panel fills in: instructions with Saaty's "
                                     "scale, one sheet per expert with a matrix of the dimensions and one of the "
                                     "indicators of each dimension (dropdowns on the judgements), expert weights.")
    t.add_argument("-o", "--output", default="专家打分表.xlsx", help="the .xlsx to write (default 专家打分表.xlsx)")
    t.add_argument("--experts", default="3",
                   help="how many experts, or their names separated by commas (default 3)")
    t.add_argument("--form", choices=["wide", "long"], default="wide",
                   help="wide: a sheet per expert with matrices (default); long: one row per comparison")
    t.add_argument("--levels", choices=["all", "dimensions"], default="all",
                   help="all: dimensions and the indicators within each (default); dimensions: dimensions only")
    t.add_argument("--framework", help="framework YAML (default: the built-in framework)")
    t.add_argument("--example", action="store_true", help="fill in an example panel to try the workbench with")
    t.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the workbook (default zh)")
    t.set_defaults(func=_cmd_template)

    w = panel.add_parser("weights", help="group weights from a filled panel workbook",
                         description="Read a panel workbook, compute the group weights of every level it compares "
                                     "(AIJ: geometric mean of the judgements, then the eigenvector; AIP: the "
                                     "experts' weights, then their geometric mean), print every expert's CR and "
                                     "distance from the group and the consensus (Goepel's S*), and with -o write "
                                     "a scheme YAML that records where its weights came from.")
    w.add_argument("path", help="the panel workbook (.xlsx)")
    w.add_argument("-o", "--output", help="write the scheme to this YAML file")
    w.add_argument("--method", choices=["aij", "aip"], default="aij", help="aggregation (default aij)")
    w.add_argument("--prioritization", choices=["eigenvector", "geometric"], default="eigenvector",
                   help="weights of a matrix: Saaty's eigenvector (default) or row geometric means")
    w.add_argument("--framework", help="framework YAML (default: the built-in framework)")
    w.add_argument("--scheme", help="a scheme YAML whose methods (and weights of levels the panel does not "
                                    "compare) the new scheme keeps (default: the framework's)")
    w.add_argument("--name", help="the scheme's name (default: the output file's name)")
    w.add_argument("--accept-inconsistent", action="store_true",
                   help="write the scheme even when a level's group judgements have CR > 0.1")
    w.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    w.set_defaults(func=_cmd_weights)


def _framework(args):
    from ..assess.framework import Framework

    return Framework.from_yaml(args.framework) if args.framework else Framework.default()


def _cmd_template(args) -> int:
    from ..assess.panel import write_panel_template
    from ..i18n import tr

    text = args.experts.strip()
    experts: int | list[str]
    if text.isdigit():
        experts = int(text)
        if not 1 <= experts <= 50:
            raise ValueError(f"--experts: expected 1 to 50 experts, got {experts}")
    else:
        experts = [e.strip() for e in text.replace("，", ",").split(",") if e.strip()]
    path = write_panel_template(args.output, _framework(args), experts=experts, form=args.form,
                                levels=args.levels, lang=args.lang, example=args.example)
    print(tr("panel_cli_template_written", args.lang, path=path))
    return 0


def _cmd_weights(args) -> int:
    from ..assess.panel import read_panel
    from ..assess.scoring import Scheme
    from ..i18n import tr

    lang = args.lang
    framework = _framework(args)
    panel = read_panel(args.path, framework)    # a PanelError is printed in --lang by the command line
    print(report(panel, method=args.method, prioritization=args.prioritization, lang=lang))
    inconsistent = [level for level in panel.ordered_levels()
                    if panel.group(level, method=args.method, prioritization=args.prioritization)[1]
                    .attrs["group_cr"] > 0.1]
    if not args.output:
        return 0
    if inconsistent and not args.accept_inconsistent:
        names = "、".join(_level_label(framework, lv, lang) for lv in inconsistent)
        print(tr("panel_cli_refused", lang, levels=names), file=sys.stderr)
        return 1
    base = Scheme.from_yaml(args.scheme, framework) if args.scheme else Scheme(framework)
    out = Path(args.output)
    scheme = panel.scheme(base, method=args.method, prioritization=args.prioritization,
                          name=args.name or out.stem)
    scheme.to_yaml(out)
    print(tr("panel_cli_written", lang, path=out))
    return 0


def _level_label(fw, level: str, lang: str) -> str:
    from ..i18n import tr

    return tr("panel_level_dimensions", lang) if level == "dimensions" else \
        tr("panel_level_indicators", lang, dimension=fw.label(level, lang))


def report(panel, *, method: str = "aij", prioritization: str = "eigenvector", lang: str = "zh") -> str:
    """The printed report: per level, the group weights, the consensus and each expert's consistency."""
    from ..assess.panel import judgement_text
    from ..i18n import tr

    fw = panel.framework
    lines = [tr("panel_cli_head", lang, source=panel.source, n=len(panel.experts),
                experts=("、" if lang == "zh" else ", ").join(panel.experts),
                method=method.upper())]
    for level in panel.ordered_levels():
        w, table = panel.group(level, method=method, prioritization=prioritization)
        attrs = table.attrs
        lines.append("")
        consensus = attrs["consensus"]
        band = tr(f"consensus_{attrs['consensus_band']}", lang) if attrs["consensus_band"] else "–"
        lines.append(tr("panel_cli_level", lang, level=_level_label(fw, level, lang), cr=attrs["group_cr"],
                        consensus=consensus if consensus == consensus else float("nan"), band=band))
        width = max(_width(fw.label(k, lang)) for k in w.index) + 2
        for key, value in w.items():
            spread = table[key]
            label = fw.label(key, lang)
            lines.append(f"    {label}{' ' * (width - _width(label))} {value:7.1%}   "
                         + tr("panel_cli_range", lang, low=spread.min(), high=spread.max()))
        for expert, rec in table.iterrows():
            flag = tr("panel_cli_inconsistent", lang) if rec["cr"] > 0.1 else tr("panel_cli_consistent", lang)
            line = f"    {expert}: CR {rec['cr']:.3f} {flag}; " + tr("panel_cli_distance", lang,
                                                                        distance=rec["distance"])
            if rec["cr"] > 0.1 and rec["worst_a"] is not None:
                line += "; " + tr("panel_cli_worst", lang, a=fw.label(rec["worst_a"], lang),
                                  b=fw.label(rec["worst_b"], lang), now=judgement_text(rec["judgement"]),
                                  better=judgement_text(rec["suggested"]), cr=rec["cr_if_changed"])
            lines.append(line)
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns a text takes in a terminal (a Chinese character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
