"""``readouts evaluate``: score a predictions file, a Python model class or any command against a release."""

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from ..evaluation.bootstrap import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED
from ..corpus import load_corpus
from ..errors import InputError
from ..evaluation.evaluate import Options, evaluate, format_results
from ..evaluation.goldset import SETTINGS, SPLITS, GoldSet, gold_set_from_annotations, gold_set_from_release
from ..jsonio import write_json
from ..evaluation.perdocument import write_per_document
from ..evaluation.runners import DEFAULT_BATCH_SIZE, CommandSystem, ModelSystem, run_system, unlabelled_documents
from ..evaluation.submission import read_submission
from .argtypes import RESAMPLES, SEED

EPILOG = """\
examples:
  readouts evaluate predictions.jsonl --release v0.2.0 --split test --out results.json
  readouts evaluate --model my_system:MySystem --model-arg threshold=0.5 --release v0.2.0 --save-predictions my.jsonl
  readouts evaluate --command "python my_system.py" --release v0.2.0 --split test --timeout 600
  readouts evaluate predictions.jsonl --release v0.2.0 --per-document per-doc.jsonl && readouts explain per-doc.jsonl DOC_ID
metrics, the submission format and the model protocols: docs/evaluation.md"""


def add_gold_options(parser: argparse.ArgumentParser) -> None:
    """--release/--split/--setting (or --gold-set for development) and the bootstrap options."""
    gold = parser.add_argument_group("gold")
    gold.add_argument("--release", help="dataset release to score against, e.g. v0.2.0 (annotations/releases/; required unless --gold-set)")
    gold.add_argument("--split", choices=SPLITS, help="split of the release (default: test)")
    gold.add_argument("--setting", choices=SETTINGS,
                      help="evaluation setting; cross-lingual and temporal select other test documents (default: standard)")
    gold.add_argument("--gold-set", metavar="NAME",
                      help="score against every document of annotations/NAME instead of a release (development only; "
                           "metadata from the corpus; --split and --setting do not apply)")
    gold.add_argument("--hub-dir", type=Path, metavar="DIR",
                      help="score against a downloaded Hub dataset folder instead of a checkout (its release is the default)")
    gold.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    add_bootstrap_options(parser)


def add_bootstrap_options(parser: argparse.ArgumentParser) -> None:
    boot = parser.add_argument_group("bootstrap")
    boot.add_argument("--n-resamples", type=RESAMPLES, default=DEFAULT_RESAMPLES, help=f"bootstrap resamples (default: {DEFAULT_RESAMPLES})")
    boot.add_argument("--confidence-level", type=float, default=DEFAULT_CONFIDENCE, help=f"(default: {DEFAULT_CONFIDENCE})")
    boot.add_argument("--seed", type=SEED, default=DEFAULT_SEED, help=f"random seed of the resampling (default: {DEFAULT_SEED})")


def load_gold(args) -> GoldSet:
    if args.hub_dir:
        from ..hubdir import use_hub_folder

        version = use_hub_folder(args.hub_dir)
        args.release = args.release or version
    if bool(args.release) == bool(args.gold_set):
        raise InputError("give exactly one of --release VERSION or --gold-set NAME")
    if args.gold_set:
        if args.split or args.setting:
            raise InputError(f"--gold-set {args.gold_set} scores every document of annotations/{args.gold_set}, whatever its split: "
                             "drop --split/--setting, or score a split with --release")
        return gold_set_from_annotations(args.gold_set, load_corpus(args.corpus))
    return gold_set_from_release(args.release, args.split or "test", args.setting or "standard")


def options(args) -> Options:
    try:
        return Options(n_resamples=args.n_resamples, confidence_level=args.confidence_level, seed=args.seed)
    except ValueError as exc:
        raise InputError(f"bootstrap options: {exc}") from None


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="score predictions (a file, a Python class or a command) with bootstrap confidence intervals",
        description="Validate the predictions, score every layer against the gold of a release split, and print a table. "
                    "Intervals come from a document-level bootstrap. Documents without a prediction are scored as empty.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("predictions", nargs="?", type=Path, help="predictions JSONL (one object per document)")
    system = parser.add_argument_group("or run a system on the split's documents (needs the corpus)")
    system.add_argument("--model", metavar="MODULE:CLASS",
                        help="class with predict(documents: list[dict]) -> list[dict], imported from the working folder "
                             "or the installed packages")
    system.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="keyword argument for the class (repeatable; values parsed as JSON when possible)")
    system.add_argument("--command", help="executable reading documents JSONL on stdin and writing predictions JSONL on stdout; "
                                           "started once per batch")
    system.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help=f"documents per predict() call or --command run (default: {DEFAULT_BATCH_SIZE})")
    system.add_argument("--timeout", type=float, default=3600,
                        help="seconds one batch may take; the program and everything it started are then killed (default: 3600)")
    system.add_argument("--save-predictions", type=Path, metavar="FILE",
                        help="keep the system's predictions here (written when all are valid); predictions are saved to "
                             "FILE.partial as they come, and running the same command again resumes from it")
    add_gold_options(parser)
    parser.add_argument("--out", type=Path, help="write the results JSON here (atomically)")
    parser.add_argument("--json", action="store_true", help="print the results JSON instead of the table")
    parser.add_argument("--per-document", type=Path, metavar="FILE",
                        help="write each document's gold, prediction and per-layer counts here (JSONL, for error analysis; "
                             "see `readouts explain`)")
    parser.set_defaults(handler=run)


def _model_kwargs(pairs: list[str]) -> dict:
    kwargs = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--model-arg {pair!r}: expected KEY=VALUE")
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    return kwargs


SECRET_ARGUMENT = re.compile(r"key|token|secret|password", re.IGNORECASE)


def system_record(args) -> dict | None:
    """What produced the predictions, for the results file: the model class with its --model-arg values
    (an endpoint, model name and temperature, say; anything that looks like a credential redacted) or the
    command. Arguments not given take the system's own defaults."""
    if args.model:
        arguments = {key: "<redacted>" if SECRET_ARGUMENT.search(key) else value
                     for key, value in _model_kwargs(args.model_arg).items()}
        return {"model": args.model, "arguments": arguments}
    if args.command:
        return {"command": args.command}
    return None


def predictions_path(args, gold: GoldSet, workdir: Path) -> tuple[Path, str]:
    """The predictions file to read, and how it was obtained (for the results file)."""
    chosen = [x for x in (args.predictions, args.model, args.command) if x]
    if len(chosen) != 1:
        raise InputError("give exactly one of PREDICTIONS, --model or --command")
    if args.predictions:
        return args.predictions, args.predictions.name
    if not args.timeout > 0 or args.timeout == float("inf"):
        raise InputError(f"--timeout {args.timeout:g}: expected a positive number of seconds")
    documents = unlabelled_documents(gold, load_corpus(args.corpus))
    out = args.save_predictions or workdir / "predictions.jsonl"
    if args.model:
        system, source = ModelSystem(args.model, _model_kwargs(args.model_arg), args.timeout), f"model {args.model}"
    else:
        system, source = CommandSystem(args.command, args.timeout), f"command {args.command}"
    return run_system(system, documents, gold, out, args.batch_size, say=lambda message: print(message, file=sys.stderr)), source


def run(args) -> int:
    opts = options(args)
    gold = load_gold(args)
    with tempfile.TemporaryDirectory(prefix="readouts-eval-") as workdir:
        path, source = predictions_path(args, gold, Path(workdir))
        submission = read_submission(path, gold, warn=lambda message: print(message, file=sys.stderr))
        results = evaluate(gold, submission, opts, source=source)
    if system_record(args):
        results["system"] = system_record(args)
    if args.per_document:
        write_per_document(args.per_document, gold, submission)
    if args.out:
        write_json(args.out, results)
    print(json.dumps(results, indent=2, ensure_ascii=False) if args.json else format_results(results))
    if args.out:
        print(f"results written to {args.out}", file=sys.stderr)
    return 0
