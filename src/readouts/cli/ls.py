"""``readouts ls config|push|pull``: annotate in Label Studio and bring the work back losslessly."""

import argparse
from pathlib import Path

from tqdm import tqdm

from ..actors import load_registry
from ..corpus import load_corpus
from ..errors import EXIT_CHECK_FAILED, InputError
from ..jsonio import atomic_write_text, iter_jsonl, read_json, read_text, sha256_file
from ..labelstudio import (META, Vocabulary, annotation_to_result, conflict, label_config, layer_changes,
                           new_annotation_base, prediction_to_annotation, pulled_provenance, result_to_annotation, task_data)
from ..lsclient import API_KEY_ENV, Project, api_key
from ..paths import annotation_set_dir
from ..schema import schema_problems
from ..store import GOLD, annotation_files, annotation_path, save_annotation
from ..taxonomy import load_taxonomy
from ..validate import AnnotationChecker

KEY_NOTE = f"The API key is read from ${API_KEY_ENV} or asked for without echo."


def register(subparsers) -> None:
    parser = subparsers.add_parser("ls", help="annotate in Label Studio: generate the config, push tasks, pull annotations",
                                   description="Round trip gold annotations through Label Studio without losing a field. "
                                               "See docs/labelstudio.md for the annotator's workflow.")
    sub = parser.add_subparsers(dest="ls_command", metavar="ACTION", required=True)

    config = sub.add_parser("config", help="print the labeling config generated from the taxonomy and the actor registry",
                            description="Generate the Label Studio labeling config XML from schema/taxonomy.json and "
                                        "annotations/actors.json (push uses the same config; there is no hand-kept copy).")
    config.add_argument("--out", type=Path, default=None, help="write the XML to this file instead of printing it")
    config.set_defaults(handler=run_config)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", required=True, help="Label Studio address, e.g. http://127.0.0.1:8080")
    common.add_argument("--project", required=True, help="project title (push creates it when missing)")
    common.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")

    push = sub.add_parser("push", parents=[common], help="create or update the project and import documents as tasks",
                          description="Create or update the project (config generated as by `readouts ls config`) and import "
                                      "documents as tasks with their text, pre-annotations as predictions, and hidden metadata "
                                      "for a lossless pull. Re-pushing updates tasks in place. " + KEY_NOTE,
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          epilog="example:\n  export LABEL_STUDIO_API_KEY=...   # or leave unset to be asked\n"
                                 "  readouts ls push --url http://127.0.0.1:8080 --project readouts-gold --prelabel current")
    push.add_argument("--docs", type=Path, default=None, help="file of document ids, one a line (default: every gold document)")
    push.add_argument("--prelabel", default=None, metavar="current|PREDICTIONS_JSONL",
                      help="pre-annotations: 'current' = the current gold (model_version gold@<sha256[:12]>), or a predictions "
                           "JSONL (schema/prediction.schema.json)")
    push.add_argument("--force", action="store_true",
                      help="update tasks that already have annotations although the local file changed since the last push")
    push.set_defaults(handler=run_push)

    pull = sub.add_parser("pull", parents=[common], help="export submitted annotations, validate them and write gold files",
                          description="Export the project (full JSON), take the latest submitted annotation of each task, "
                                      "convert it, validate it and write annotations/gold/<id>.json atomically. A task is skipped "
                                      "as a conflict when the document text or the local file changed since the push. "
                                      "Exit 1 when any task was skipped as a conflict or invalid. " + KEY_NOTE)
    pull.add_argument("--dry-run", action="store_true", help="print which layers each document would change; write nothing")
    pull.add_argument("--force", action="store_true", help="overwrite local files that changed since the push")
    pull.set_defaults(handler=run_pull)


def run_config(args) -> int:
    xml = label_config(load_taxonomy(), load_registry())
    if args.out:
        atomic_write_text(args.out, xml)
        print(f"wrote {args.out}")
    else:
        print(xml, end="")
    return 0


def _document_ids(path: Path | None) -> list[str]:
    if path is None:
        return [file.stem for file in annotation_files(GOLD)]
    lines = read_text(path).splitlines()
    return list(dict.fromkeys(line.strip() for line in lines if line.strip() and not line.startswith("#")))


def _predictions(path: Path, corpus: dict) -> tuple[dict[str, dict], str]:
    """Predictions by document id (schema-checked) and the model version naming the file's content."""
    predictions = {}
    for line_number, record in iter_jsonl(path):
        problems = schema_problems("prediction", record, f"{path}:{line_number}")
        if problems:
            raise InputError("\n".join(str(p) for p in problems[:10]))
        if record["document_id"] not in corpus:
            raise InputError(f"{path}:{line_number}: $.document_id: {record['document_id']!r} is not in the corpus")
        predictions[record["document_id"]] = record
    return predictions, f"{path.stem}@{sha256_file(path)[:12]}"


def _prepare(doc_ids: list[str], corpus: dict, prelabel: str | None) -> list[tuple[dict, dict | None]]:
    """(task data, prediction or None) per document, everything checked before the server is contacted."""
    registry = load_registry()
    predictions, model_version = _predictions(Path(prelabel), corpus) if prelabel not in (None, "current") else ({}, None)
    prepared = []
    for doc_id in doc_ids:
        document = corpus.get(doc_id)
        if document is None:
            raise InputError(f"document {doc_id!r} is not in the corpus")
        path = annotation_path(doc_id)
        gold, sha = (read_json(path), sha256_file(path)) if path.exists() else (None, None)
        if prelabel == "current":
            pre, version = gold, f"gold@{sha[:12]}" if sha else None
        else:
            pre = prediction_to_annotation(predictions[doc_id], document, registry) if doc_id in predictions else None
            version = model_version if pre else None
        prediction = {"model_version": version, "score": 1.0, "result": annotation_to_result(pre, document["text"])} if pre else None
        prepared.append((task_data(document, gold, sha, version), prediction))
    return prepared


def run_push(args) -> int:
    corpus = load_corpus(args.corpus)
    prepared = _prepare(_document_ids(args.docs), corpus, args.prelabel)
    project = Project(args.url, api_key(), args.project, label_config(load_taxonomy(), load_registry()))
    existing = project.tasks()
    new, updated, unchanged, conflicts = [], 0, 0, 0
    bar = tqdm(total=len(prepared), desc="pushing", unit="doc", disable=len(prepared) < 50)
    for data, prediction in prepared:
        task = existing.get(data["document_id"])
        if task is None:
            new.append({"data": data, "predictions": [prediction] if prediction else []})
            continue
        bar.update()
        old_meta = task["data"].get(META) or {}
        changed = [what for what, key in (("the local file", "annotation_sha256"), ("the document text", "text_sha256"))
                   if old_meta.get(key) != data[META][key]]
        if task["total_annotations"] and changed and not args.force:
            print(f"conflict: {data['document_id']} (task {task['id']}): the task has annotations and {' and '.join(changed)} "
                  "changed since the last push; pull first, or pass --force")
            conflicts += 1
            continue
        if task["data"] == data:
            unchanged += 1
            continue
        project.update_data(task["id"], data)
        if prediction and old_meta.get("prelabel") != prediction["model_version"]:
            project.replace_prediction(task["id"], prediction)
        updated += 1
    project.import_tasks(new, progress=bar.update)
    bar.close()
    print(f"project {args.project!r} (id {project.id}) at {args.url}: {len(new)} tasks created, {updated} updated, "
          f"{unchanged} unchanged, {conflicts} conflicts")
    return EXIT_CHECK_FAILED if conflicts else 0


def _describe(changes: dict[str, tuple[int, int]], is_new: bool) -> str:
    parts = [f"{layer} +{added} -{removed}" for layer, (added, removed) in changes.items()]
    return ("new: " if is_new else "") + ", ".join(parts)


def run_pull(args) -> int:
    corpus = load_corpus(args.corpus)
    project = Project(args.url, api_key(), args.project)
    vocabulary = Vocabulary(load_taxonomy(), load_registry())
    checker = AnnotationChecker(corpus, gold=True)
    users = project.user_names()
    folder = annotation_set_dir(GOLD)
    counts = {"written": 0, "unchanged": 0, "conflicts": 0, "invalid": 0}
    exported = sorted(project.export(), key=lambda t: t["id"])
    for task in tqdm(exported, desc="pulling", unit="task", disable=len(exported) < 50):
        submitted = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
        meta = task["data"].get(META)
        if not submitted:
            continue
        if not meta:
            tqdm.write(f"invalid: task {task['id']}: no {META!r} metadata (not pushed by `readouts ls push`)")
            counts["invalid"] += 1
            continue
        doc_id, where = meta["document_id"], f"task {task['id']} ({meta['document_id']})"
        path = annotation_path(doc_id, root=folder)
        local_sha = sha256_file(path) if path.exists() else None
        reason = conflict(meta, corpus.get(doc_id), local_sha)
        if reason and not (args.force and corpus.get(doc_id) and meta["text_sha256"] == corpus[doc_id]["text_sha256"]):
            tqdm.write(f"conflict: {where}: {reason}" + ("" if "text" in reason else "; pass --force to overwrite"))
            counts["conflicts"] += 1
            continue
        latest = max(submitted, key=lambda a: (a["updated_at"], a["id"]))
        base = meta["annotation"] or new_annotation_base(corpus[doc_id])
        try:
            annotation = result_to_annotation(latest["result"], task["data"]["text"], base, vocabulary, where)
        except InputError as exc:
            tqdm.write(f"invalid: {exc}")
            counts["invalid"] += 1
            continue
        old = read_json(path) if path.exists() else None
        changes = layer_changes(old, annotation)
        if not changes:
            counts["unchanged"] += 1
            continue
        annotator = users.get(latest["completed_by"], f"label-studio-user-{latest['completed_by']}")
        annotation["provenance"] = pulled_provenance(base.get("provenance", {}), annotator, latest["updated_at"],
                                                     f"label-studio:{args.project}#{task['id']}", meta.get("prelabel"))
        problems = checker.check(annotation, where, file_stem=doc_id)
        if problems:
            tqdm.write("invalid: " + "\n  ".join(str(p) for p in problems))
            counts["invalid"] += 1
            continue
        tqdm.write(f"{'would write' if args.dry_run else 'wrote'} {doc_id}: {_describe(changes, old is None)}")
        if not args.dry_run:
            save_annotation(annotation, root=folder)
            project.update_data(task["id"], {**task["data"], META: {**meta, "annotation": annotation,
                                                                    "annotation_sha256": sha256_file(path)}})
        counts["written"] += 1
    verb = "would write" if args.dry_run else "written"
    print(f"pull: {counts['written']} {verb}, {counts['unchanged']} unchanged, {counts['conflicts']} conflicts, "
          f"{counts['invalid']} invalid")
    return EXIT_CHECK_FAILED if counts["conflicts"] or counts["invalid"] else 0
