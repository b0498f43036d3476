"""Publishing baselines: train and save, write test predictions as leaderboard submissions
(``eval/submissions/<name>-<setting>/``), score them with the harness (``eval/results/<name>-<setting>.json``,
the same file ``readouts leaderboard build`` writes) and regenerate the results section of each model card
(``baselines/<name>/MODEL_CARD.md``) between markers. Everything written is deterministic: the same
release and seed give byte-identical files."""

import json
import sys
from pathlib import Path

from tqdm import tqdm

from ..errors import InputError
from ..evaluation.evaluate import Options, evaluate, show_interval
from ..evaluation.goldset import SETTINGS, gold_set_from_release
from ..jsonio import atomic_write_text, read_json, write_json
from ..paths import repo_root
from ..releases import load_manifest, split_documents
from ..evaluation.scoring import HEADLINES
from ..evaluation.submission import read_submission
from . import BASELINES
from .base import Baseline, baseline_class, load_training_data, model_dir, release_tag, save_model, split_inputs

BEGIN = "<!-- BEGIN GENERATED: readouts baseline card; do not edit by hand -->"
END = "<!-- END GENERATED -->"
REFERENCES = ("majority", "gazetteer")  # each card says where its baseline does not beat these (those before it)
CARD_METRICS = ("overall", *HEADLINES, "scope.f1", "spans.partial_f1", "stance.macro_f1")


def eval_dir() -> Path:
    return repo_root() / "eval"


def card_path(name: str) -> Path:
    return repo_root() / "baselines" / name / "MODEL_CARD.md"


def train(name: str, release: str, setting: str = "standard", seed: int = 0, corpus: Path | None = None,
          models: Path | None = None) -> tuple[Baseline, dict, Path]:
    """Train ``name`` on the release's train split (tuning on validation) and save it with its metadata."""
    model = baseline_class(name)(seed=seed)
    metadata = model.train(load_training_data(release, setting, corpus))
    folder = save_model(model, metadata, model_dir(name, release, setting, models))
    return model, metadata, folder


def predictions_jsonl(predictions: list[dict]) -> str:
    return "".join(json.dumps(p, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n" for p in predictions)


def predict_split(model: Baseline, release: str, split: str, setting: str, corpus: Path | None = None) -> str:
    return predictions_jsonl(model.predict(split_inputs(release, split, setting, corpus)))


def submission_name(name: str, setting: str) -> str:
    return f"{name}-{setting}"


def standard_train_overlap(release: str, setting: str) -> tuple[int, int]:
    """(test documents of ``setting`` that are in the standard train split, test documents of ``setting``).
    Non-zero for ``temporal``, whose test split takes every dated document after the cutoff."""
    test = split_documents(release, "test", setting)
    return len(set(test) & set(split_documents(release, "train", "standard"))), len(test)


def overlap_note(release: str, setting: str) -> str:
    """What a reader of the board and the cards must know when a setting's test documents are also in the
    standard train split ("" when none are)."""
    overlap, total = standard_train_overlap(release, setting)
    if not overlap:
        return ""
    return (f"{overlap} of the {total} test documents of `{setting}` are in the standard train split: a system trained "
            f"on the standard split must not be scored here. This baseline was trained on the `{setting}` setting's own "
            f"train split, none of whose documents is in this test split.")


def check_trained_for(model: Baseline, release: str, setting: str) -> None:
    """Refuse to score a model on a setting it was not trained for (for example a standard model on
    ``temporal``, whose test documents overlap the standard train split), or one that saw a test document."""
    if model.setting != setting or model.release != release_tag(release):
        raise InputError(f"{model.name}: trained on {model.release} ({model.setting}), not on {release_tag(release)} ({setting}); "
                         f"train it with `readouts baseline train {model.name} --release {release_tag(release)} --setting {setting}`")
    learned_from = {doc for split in ("train", "validation") for doc in split_documents(release, split, setting)}
    leaked = learned_from & set(split_documents(release, "test", setting))
    if leaked:
        raise InputError(f"setting {setting} of {release_tag(release)}: {len(leaked)} test documents are also in its train "
                         f"or validation split (e.g. {min(leaked)})")


def write_submission(name: str, model: Baseline, release: str, setting: str, corpus: Path | None = None) -> Path:
    """Test predictions and leaderboard metadata under eval/submissions/<name>-<setting>/."""
    check_trained_for(model, release, setting)
    folder = eval_dir() / "submissions" / submission_name(name, setting)
    atomic_write_text(folder / "predictions.jsonl", predict_split(model, release, "test", setting, corpus))
    summary = (sys.modules[type(model).__module__].__doc__ or "").strip()
    description = " ".join(part for part in (
        f"Readouts reference baseline `{name}` ({BASELINES[name]}), trained on the {setting} train split of "
        f"{release_tag(release)} with seed {model.seed}, tuned on validation.", overlap_note(release, setting),
        summary.split("\n\n")[0].replace("\n", " ")) if part)
    write_json(folder / "metadata.json", {
        "system_name": f"baseline: {name} ({setting})", "authors": ["Readouts team"], "url": "",
        "description": description[:1000], "date": load_manifest(release)["date"], "release": release_tag(release),
        "setting": setting, "split": "test"})
    return folder


def score_submission(folder: Path) -> dict:
    """Score a submission folder exactly as ``readouts leaderboard build`` does and write its results."""
    metadata = read_json(folder / "metadata.json")
    gold = gold_set_from_release(metadata["release"], metadata["split"], metadata["setting"])
    submission = read_submission(folder / "predictions.jsonl", gold, warn=lambda message: None)
    results = evaluate(gold, submission, Options(), source=f"eval/submissions/{folder.name}/predictions.jsonl")
    write_json(eval_dir() / "results" / f"{folder.name}.json", results)
    return results


def _cell(metric: dict) -> str:
    return show_interval(metric)  # "–" when not applicable


def results_section(name: str) -> str:
    """The generated part of a model card: hyperparameters and, for every published setting, the
    harness's scores with confidence intervals overall and per language."""
    cls = baseline_class(name)
    lines = [BEGIN, "", "## Hyperparameters", "", "```json",
             json.dumps(cls().hyperparameters(), indent=2, sort_keys=True, ensure_ascii=False), "```", "", "## Results", ""]
    found = False
    for setting in SETTINGS:
        path = eval_dir() / "results" / f"{submission_name(name, setting)}.json"
        if not path.is_file():
            continue
        found = True
        results = read_json(path)
        level = round(results["confidence_level"] * 100)
        lines += [f"### Setting `{setting}`: release {results['release']}, split {results['split']}", "",
                  f"{results['documents']['scored']} test documents; {level}% confidence intervals from "
                  f"{results['n_resamples']} document bootstrap resamples (seed {results['seed']}); harness {results['harness_version']}. "
                  f"Source: `eval/results/{path.name}`.", "",
                  "| group | documents | " + " | ".join(CARD_METRICS) + " |", "|---|---:|" + "---|" * len(CARD_METRICS)]
        groups = [("all", results["documents"]["scored"], results["metrics"])]
        groups += [(f"language {lang}", group["documents"], group["metrics"]) for lang, group in results["breakdowns"]["language"].items()]
        for label, count, metrics in groups:
            lines.append(f"| {label} | {count} | " + " | ".join(_cell(metrics[m]) for m in CARD_METRICS) + " |")
        note = overlap_note(results["release"], setting)
        lines += ["", *([f"**Overlap.** {note}", ""] if note else [])]
        lines += [line for reference in REFERENCES[:REFERENCES.index(name) if name in REFERENCES else None]
                  for line in _versus(reference, name, setting, groups)]
    if not found:
        lines += ["No results yet: run `readouts baseline run-all --release VERSION`.", ""]
    lines.append(END)
    return "\n".join(lines)


def _not_higher(value: float | None, floor: float | None) -> bool:
    """Whether ``value`` does not exceed ``floor``; False when either is not applicable (None)."""
    return value is not None and floor is not None and value <= floor


def _versus(reference: str, name: str, setting: str, groups) -> list[str]:
    """Where this baseline's point estimate does not exceed ``reference``'s (overall and headline metrics,
    all documents and per language)."""
    path = eval_dir() / "results" / f"{submission_name(reference, setting)}.json"
    if not path.is_file():
        return []
    floor = read_json(path)
    by_group = {"all": floor["metrics"], **{f"language {lang}": g["metrics"] for lang, g in floor["breakdowns"]["language"].items()}}
    misses = [f"{metric} ({label}: {metrics[metric]['value']:.3f} vs {by_group[label][metric]['value']:.3f})"
              for label, _, metrics in groups if label in by_group
              for metric in ("overall", *HEADLINES) if _not_higher(metrics[metric]["value"], by_group[label][metric]["value"])]
    if not misses:
        return [f"Beats `{reference}` on every headline metric, overall and in every language (point estimates).", ""]
    return [f"Does **not** beat `{reference}` (point estimate not higher) on: " + "; ".join(misses) + ".", ""]


def write_card(name: str) -> Path:
    """Replace the text between the markers of the card (append the section when the card has none)."""
    path = card_path(name)
    current = path.read_text(encoding="utf-8") if path.is_file() else f"# Model card: `{name}` baseline\n"
    section = results_section(name)
    if BEGIN in current and END in current:
        head, _, rest = current.partition(BEGIN)
        _, _, tail = rest.partition(END)
        updated = head + section + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    atomic_write_text(path, updated)
    return path


def run_all(release: str, settings=SETTINGS, seed: int = 0, corpus: Path | None = None, log=print) -> list[Path]:
    """Retrain every baseline for ``settings``, refresh its submissions, results and card."""
    written = []
    empty = [setting for setting in settings if not split_documents(release, "test", setting)]
    for setting in empty:
        log(f"setting {setting}: release {release_tag(release)} has no test document in it; nothing to publish")
    steps = [(name, setting) for name in BASELINES for setting in settings if setting not in empty]
    for name, setting in tqdm(steps, desc="baselines", unit="model", file=sys.stderr):
        model, metadata, folder = train(name, release, setting, seed, corpus)
        log(f"{name} ({setting}): trained in {metadata['training_seconds']:.1f} s, saved in {folder}")
        submission = write_submission(name, model, release, setting, corpus)
        results = score_submission(submission)
        log(f"{name} ({setting}): overall {results['metrics']['overall']['value']:.3f} on {results['documents']['scored']} test documents")
        written.append(submission)
    return written + [write_card(name) for name in BASELINES]
