"""`groove evaluate`'s report as tables (for the terminal) and markdown (for docs/eval/results.md)."""

from __future__ import annotations

from .evaluation import PAPER_TABLE1, TABLE1_METRICS, EvalReport

Table = tuple[str, list[str], list[list[str]]]  # title, header, rows


def _cell(stat: dict[str, float] | None, digits: int = 3) -> str:
    if not stat:
        return "-"
    text = f"{stat['mean']:.{digits}f}"
    if stat["n"] > 1:
        text += f" ± {stat['std']:.{digits}f} ({stat['n']} seeds)"
    return text


def report_tables(report: EvalReport) -> list[Table]:
    """Every section as (title, header, rows) of strings: the rich view and markdown both draw these."""
    tables: list[Table] = []
    header = ["model", "note F1", "vel KL", "vel MSE", "MT KL", "MT MSE", "genre acc"]
    rows = [[r["name"]] + [_cell(r.get(k), 4 if "mse" in k else 3) for k in TABLE1_METRICS] for r in report.table1]
    tables.append(("1. Reconstruction on GMD " + report.meta.get("split", "") + " (ours)", header, rows))
    paper = [[name] + [PAPER_TABLE1[name].get(k, "-") for k in TABLE1_METRICS] for name in PAPER_TABLE1]
    tables.append(("1. PocketVAE Table 1 as published (their data: a private mix, 7 drum classes, 6 genres)",
                   header, paper))
    header = ["system", "note F1", "vel MAE", "timing MAE ms", "vel KL", "timing KL", "hits/bar", "vel spread"]
    keys = ("note_f1", "velocity_mae", "timing_mae_ms", "velocity_kl", "timing_kl", "hits_per_bar", "velocity_spread")
    rows = [[r["system"]] + [f"{r[k]:.3f}" if k in ("note_f1", "velocity_kl", "timing_kl") else f"{r[k]:.1f}"
                             for k in keys] for r in report.humanization]
    tables.append(("2. Humanizing the templates of real performances (whole songs)", header, rows))
    c = report.control
    rows = [["each window in its own genre", f"{c['own_genre_share']:.3f}", f"{c['classifier_accuracy_real']:.3f}"]]
    rows += [[g, f"{v['share']:.3f}", f"{v['real_share']:.3f}"] for g, v in c["as_genre"].items()]
    tables.append(("3. Genre control: every test template humanized as one genre (independent 2-bar windows)",
                   ["genre asked for", "classified as it", "real windows classified as it"], rows))
    rows = [[p, f"{c[f'mean_offset_ms_{p}']:+.1f}"] for p in ("pushed", "laidback")]
    tables.append(("3. Drawn timing pattern: mean offset of every hit", ["pattern", "ms"], rows))
    rows = [[r["system"], f"{r['gru']:.3f}", f"{r['features']:.3f}"] for r in report.realism]
    tables.append(("4. Realism: held-out accuracy of two real-vs-generated judges (0.5 = indistinguishable)",
                   ["system", "GRU on the grid", "logistic regression on groove features"], rows))
    classes = ("kick", "snare", "hihat", "ride")
    rows = [[system] + [f"{st[c]['offset_mean_ms']:+.1f} ± {st[c]['offset_sd_ms']:.1f}" if c in st else "-" for c in classes]
            + [f"{st[c]['velocity_mean']:.0f} ± {st[c]['velocity_sd']:.1f}" if c in st else "-" for c in classes]
            for system, st in report.timing_classes.items()]
    tables.append(("5. Feel per drum class: offset mean ± SD (ms), velocity mean ± SD (MIDI), every hit of every song",
                   ["system"] + [f"{c} ms" for c in classes] + [f"{c} vel" for c in classes], rows))
    t = report.transfer
    if t:
        rows = [["output nearest its own reference, velocity profile", f"{t['nearest_own_velocity']:.3f}"],
                ["output nearest its own reference, timing profile", f"{t['nearest_own_timing']:.3f}"],
                ["mean |offset gap| to the reference per drum class (ms)", f"{t['class_offset_gap_ms']:.1f}"],
                ["mean |velocity gap| to the reference per drum class (MIDI)", f"{t['class_velocity_gap']:.1f}"]]
        tables.append((f"6. Transfer: {t['pairs']} template × reference pairs from different test songs "
                       f"({t['templates']} templates, {t['references']} references, {t['bars']} bars, --notes keep)",
                       ["measure", "value"], rows))
    k = report.takes
    if k:
        rows = [["mean |Δ velocity| per note between two seeds (MIDI)", f"{k['mean_abs_velocity_difference']:.1f}", "-"],
                ["mean |Δ timing| per note between two seeds (ms)", f"{k['mean_abs_timing_difference_ms']:.1f}", "-"],
                ["window-to-window SD of mean kick+snare offset (ms), median over songs",
                 f"{k['take_window_sd_kick_snare_ms']:.1f}", f"{k['drummer_window_sd_kick_snare_ms']:.1f}"],
                ["window-to-window SD of swingness, median over songs",
                 f"{k['take_window_sd_swingness']:.3f}", f"{k['drummer_window_sd_swingness']:.3f}"]]
        tables.append((f"7. Takes: two seeds of each template in keep mode ({k['songs']} songs, first {k['bars']} bars)",
                       ["measure", "groove --notes keep", "drummer"], rows))
    return tables


def report_markdown(report: EvalReport) -> str:
    lines = []
    for title, header, rows in report_tables(report):
        lines += [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("")
    m = report.meta
    lines.append(f"{m['files']} files, {m['windows']} windows of the {m['split']} split; weights {m['weights']}; "
                 f"seed {m['seed']}; `--genre auto` picked each song's own genre for "
                 f"{m.get('genre_auto_accuracy', float('nan')):.3f} of the songs; seconds per section: {m['seconds']}.")
    return "\n".join(lines) + "\n"
