"""``readouts baseline``: train, predict with, publish and document the reference baselines."""

import argparse
from pathlib import Path

from ..baselines import BASELINES
from ..errors import InputError
from ..evaluation.goldset import SETTINGS
from ..jsonio import atomic_write_text
from .argtypes import SEED

EPILOG = """\
examples:
  readouts baseline train tfidf-logreg --release v0.2.0 --setting standard --seed 0
  readouts baseline predict tfidf-logreg --release v0.2.0 --split test --out predictions.jsonl
  readouts evaluate predictions.jsonl --release v0.2.0 --split test
  readouts evaluate --model readouts.baselines.majority:Majority --model-arg release=v0.2.0 --release v0.2.0
  readouts baseline run-all --release v0.2.0     # retrain all, refresh eval/submissions and model cards
  readouts baseline card gazetteer               # regenerate baselines/gazetteer/MODEL_CARD.md results
  readouts leaderboard build && readouts baseline card   # re-score the submissions, refresh every card
baselines: """ + ", ".join(BASELINES) + """
trained models are saved (git-ignored) in data/models/<name>/<release>-<setting>/ with metadata.json.
details: docs/baselines.md"""


def _common(parser: argparse.ArgumentParser, split: bool = False) -> None:
    parser.add_argument("name", choices=BASELINES, metavar="NAME", help=f"baseline: {', '.join(BASELINES)}")
    parser.add_argument("--release", required=True, help="dataset release, e.g. v0.2.0 (annotations/releases/)")
    parser.add_argument("--setting", choices=SETTINGS, default="standard", help="evaluation setting (default: standard)")
    parser.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus or $READOUTS_CORPUS)")
    parser.add_argument("--models", type=Path, default=None, help="folder of trained models (default: data/models)")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "baseline", help=f"train and run the reference baselines ({', '.join(BASELINES)})",
        description="Reference baselines trained on a release's train split (tuned on validation) and scored by the "
                    "same harness as any submission.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)

    train = commands.add_parser("train", help="train one baseline and save it with its metadata",
                                description="Train on the train split of SETTING in RELEASE, tune on its validation split, and save "
                                            "model.pkl and metadata.json (release, setting, hyperparameters, library versions, "
                                            "SHA-256 of the training data, seed, training time).",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(train)
    train.add_argument("--seed", type=SEED, default=0, help="random seed of every learner (default: 0)")
    train.set_defaults(handler=run_train)

    predict = commands.add_parser("predict", help="write a trained baseline's predictions for a split (JSONL)",
                                  description="Predict every document of SPLIT with the model saved by `baseline train`; the output "
                                              "is a submission file (schema/prediction.schema.json, offsets only).",
                                  epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(predict)
    predict.add_argument("--split", choices=("train", "validation", "test"), default="test", help="(default: test)")
    predict.add_argument("--out", type=Path, required=True, help="predictions JSONL to write (atomically)")
    predict.set_defaults(handler=run_predict)

    card = commands.add_parser("card", help="regenerate the results section of baselines/NAME/MODEL_CARD.md",
                               description="Rewrite the text between the card's GENERATED markers from eval/results/NAME-SETTING.json "
                                           "(written by `baseline run-all` or `leaderboard build`). The rest of the card is left alone. "
                                           "Without NAME, every baseline's card: after a harness change, `readouts leaderboard build "
                                           "&& readouts baseline card` refreshes the results and the cards without retraining.")
    card.add_argument("name", nargs="*", metavar="NAME", help=f"baseline (default: all): {', '.join(BASELINES)}")
    card.set_defaults(handler=run_card)

    run_all = commands.add_parser("run-all", help="retrain every baseline, refresh eval/submissions and the model cards",
                                  description="For every baseline and setting: train and save, predict the test split into "
                                              "eval/submissions/NAME-SETTING/ (predictions.jsonl + metadata.json), score it into "
                                              "eval/results/NAME-SETTING.json, then regenerate the model cards.",
                                  epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run_all.add_argument("--release", required=True, help="dataset release, e.g. v0.2.0")
    run_all.add_argument("--settings", nargs="+", choices=SETTINGS, default=list(SETTINGS),
                         help=f"settings to publish (default: all, {' '.join(SETTINGS)})")
    run_all.add_argument("--seed", type=SEED, default=0, help="(default: 0)")
    run_all.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    run_all.set_defaults(handler=run_run_all)


def run_train(args) -> int:
    from ..baselines.publish import train

    _, metadata, folder = train(args.name, args.release, args.setting, args.seed, args.corpus, args.models)
    print(f"{args.name}: trained on {metadata['training_data']['train_documents']} documents "
          f"(validation {metadata['training_data']['validation_documents']}) in {metadata['training_seconds']:.1f} s; saved in {folder}")
    return 0


def run_predict(args) -> int:
    from ..baselines.base import load_model, model_dir
    from ..baselines.publish import predict_split

    model = load_model(model_dir(args.name, args.release, args.setting, args.models))
    text = predict_split(model, args.release, args.split, args.setting, args.corpus)
    atomic_write_text(args.out, text)
    print(f"{args.name}: {text.count(chr(10))} predictions written to {args.out}")
    return 0


def run_card(args) -> int:
    from ..baselines.publish import write_card

    unknown = [name for name in args.name if name not in BASELINES]
    if unknown:
        raise InputError(f"unknown baseline {unknown[0]!r}; baselines: {', '.join(BASELINES)}")
    for name in args.name or BASELINES:
        print(f"wrote {write_card(name)}")
    return 0


def run_run_all(args) -> int:
    from ..baselines.publish import run_all

    for path in run_all(args.release, tuple(args.settings), args.seed, args.corpus):
        print(f"wrote {path}")
    return 0
