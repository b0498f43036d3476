"""``readouts ls config|push|pull``: annotate in Label Studio and bring the work back losslessly."""

import argparse
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from ..actors import load_registry
from ..corpus import load_corpus
from ..errors import EXIT_CHECK_FAILED, InputError
from ..jsonio import atomic_write_text, iter_jsonl, read_json, read_text, sha256_file
from ..labelstudio.client import API_KEY_ENV, WRITERS, Project, api_key
from ..labelstudio.pullstate import PullRecord, file_sha256, record_path
from ..labelstudio.convert import (BLIND_MODE, GOLD_MODE, META, REVIEW_MODE, Vocabulary, annotation_to_result, annotator_folder,
                                   conflict, describe_changes, label_config, layer_changes, new_annotation_base,
                                   prediction_to_annotation, pulled_provenance, pulled_unchanged, removed_share,
                                   result_to_annotation, review_decision, reviewed_provenance, task_data, task_source)
from ..paths import annotation_set_dir
from ..schema import schema_problems
from ..store import GOLD, annotation_files, annotation_path, save_annotation
from ..taxonomy import load_taxonomy
from ..validate import AnnotationChecker

KEY_NOTE = f"The API key is read from ${API_KEY_ENV} or asked for without echo."
CURRENT = "current"
GOLD_MODEL_VERSION = "gold"  # the one model version of `--prelabel current` predictions in a project
SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
                      help="pre-annotations: 'current' = the current gold (model version 'gold'; provenance records "
                           "gold@<sha256[:12]> of the file), or a predictions JSONL (schema/prediction.schema.json; model version "
                           "<file stem>@<sha256[:12]>). The project's model version is set to it, so every way of opening a "
                           "task shows it")
    kind = push.add_mutually_exclusive_group()
    kind.add_argument("--blind", action="store_true",
                      help="a blind project for a second, independent annotation: tasks carry no existing labels (no "
                           "annotation in the data, no predictions); pull it with --set NAME")
    kind.add_argument("--review", action="store_true",
                      help="a review project: the current gold is shown and the reviewer chooses accepted or corrected per "
                           "document; pull records the reviewer and sets review_status")
    push.add_argument("--overlap", type=int, default=None, metavar="N",
                      help="annotators per task: \"Label All Tasks\" serves a task until N people submitted it (default: 2 "
                           "with --blind, else Label Studio's setting, 1 for a new project)")
    push.add_argument("--force", action="store_true",
                      help="update tasks that already have annotations although the local file changed since the last push")
    push.set_defaults(handler=run_push)

    pull = sub.add_parser("pull", parents=[common], help="export submitted annotations, validate them and write gold files",
                          description="Export the project (full JSON), convert and validate each annotator's latest submitted "
                                      "annotation and write annotations/gold/<id>.json atomically, or with --set NAME every "
                                      "annotator's work into annotations/NAME/<annotator>/<id>.json. A task is skipped as a "
                                      "conflict when the document text or the local file changed since the push, as a "
                                      "disagreement when annotators differ, and refused when it would remove most of the "
                                      "local annotation. Exit 1 when any task was skipped. " + KEY_NOTE,
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          epilog="examples:\n  readouts ls pull --url http://127.0.0.1:8080 --project readouts-gold --dry-run\n"
                                 "  readouts ls pull --url http://127.0.0.1:8080 --project readouts-blind --set blind\n"
                                 "  readouts agreement blind/alice-example.org blind/bob-example.org")
    pull.add_argument("--set", dest="set_name", default=None, metavar="NAME",
                      help="write each annotator's latest annotation to annotations/NAME/<annotator e-mail, @ as ->/<id>.json "
                           "instead of gold (required for blind projects); these folders mirror Label Studio and are rewritten")
    pull.add_argument("--dry-run", action="store_true", help="print which layers each document would change; write nothing")
    pull.add_argument("--force", action="store_true",
                      help="overwrite local gold files that changed since the push (the history records the replaced file's hash)")
    pull.add_argument("--full", action="store_true",
                      help="export every annotated task; by default a pull exports only tasks updated in Label Studio, "
                           "skipped, or changed locally since the last pull (recorded in .readouts/labelstudio/)")
    pull.add_argument("--allow-removals", action="store_true",
                      help="write annotations that remove more than half of the local annotation's items (refused otherwise)")
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


def _prepare(doc_ids: list[str], corpus: dict, prelabel: str | None, mode: str) -> tuple[list[tuple[dict, dict | None]], str | None]:
    """(task data, prediction or None) per document, everything checked before the server is contacted, and
    the one model version of this push's predictions."""
    registry = load_registry()
    predictions, model_version = _predictions(Path(prelabel), corpus) if prelabel not in (None, CURRENT) else ({}, None)
    if prelabel == CURRENT:
        model_version = GOLD_MODEL_VERSION
    prepared, gold_dir = [], annotation_set_dir(GOLD)  # resolved once: resolving it per document was a third of the time
    for doc_id in doc_ids:
        document = corpus.get(doc_id)
        if document is None:
            raise InputError(f"document {doc_id!r} is not in the corpus")
        path = annotation_path(doc_id, root=gold_dir)
        gold, sha = (read_json(path), sha256_file(path)) if path.exists() else (None, None)
        if prelabel == CURRENT:
            pre, version = gold, f"gold@{sha[:12]}" if sha else None
        else:
            pre = prediction_to_annotation(predictions[doc_id], document, registry) if doc_id in predictions else None
            version = model_version if pre else None
        prediction = {"model_version": model_version, "score": 1.0, "result": annotation_to_result(pre, document["text"])} if pre else None
        prepared.append((task_data(document, gold, sha, version, mode), prediction))
    return prepared, model_version


def _push_mode(args) -> str:
    if args.blind:
        if args.prelabel:
            raise InputError("--blind shows no existing labels: it cannot be combined with --prelabel")
        return BLIND_MODE
    if args.review:
        if args.prelabel not in (None, CURRENT):
            raise InputError("--review shows the current gold: it cannot be combined with --prelabel FILE")
        return REVIEW_MODE
    return GOLD_MODE


def _task_mode(data: dict) -> str:
    return (data.get(META) or {}).get("mode", GOLD_MODE)


def _keep_pulled_labels(data: dict, old_meta: dict) -> dict:
    """``data`` with the labels its task already stores, for an annotated task whose local file holds what
    the last pull of this task wrote. Label Studio shows those labels as the task's annotation and pull
    recognises the file, so storing it again would only cost one slow request per task (Label Studio has no
    bulk update of task data). A later local edit is still a conflict: the file then matches neither the
    stored hash nor what the pull wrote."""
    kept = {key: old_meta.get(key) for key in ("annotation", "annotation_sha256")}
    gold_version = f"{GOLD_MODEL_VERSION}@"
    if (old_meta.get("prelabel") or "").startswith(gold_version) and (data[META]["prelabel"] or "").startswith(gold_version):
        kept["prelabel"] = old_meta["prelabel"]  # pre-annotated with the current gold then and now
    return {**data, META: {**data[META], **kept}}


def run_push(args) -> int:
    mode = _push_mode(args)
    overlap = args.overlap if args.overlap is not None else 2 if mode == BLIND_MODE else None
    if overlap is not None and overlap < 1:
        raise InputError(f"--overlap {overlap}: give at least 1 annotator per task")
    prelabel = CURRENT if mode == REVIEW_MODE else args.prelabel
    corpus = load_corpus(args.corpus)
    prepared, model_version = _prepare(_document_ids(args.docs), corpus, prelabel, mode)
    project = Project(args.url, api_key(), args.project,
                      label_config(load_taxonomy(), load_registry(), review=mode == REVIEW_MODE))
    existing = project.tasks()
    other = sorted({_task_mode(task["data"]) for task in existing.values()} - {mode})
    if other:
        raise InputError(f"project {args.project!r} holds {other[0]} tasks; a {mode} push needs its own project")
    new, replaced, updates, predictions, unchanged, conflicts = [], [], [], {}, 0, 0
    for data, prediction in prepared:
        task = existing.get(data["document_id"])
        if task is None:
            new.append({"data": data, "predictions": [prediction] if prediction else []})
            continue
        old_meta = task["data"].get(META) or {}
        changed = [what for what, key in (("the local file", "annotation_sha256"), ("the document text", "text_sha256"))
                   if old_meta.get(key) != data[META][key]]
        if "the local file" in changed and pulled_unchanged(data[META]["annotation"], task_source(args.project, task["id"])):
            changed.remove("the local file")
            if task["annotations"]:
                data = _keep_pulled_labels(data, old_meta)
        if task["annotations"] and changed and not args.force:
            print(f"conflict: {data['document_id']} (task {task['id']}): the task has annotations and {' and '.join(changed)} "
                  "changed since the last push; pull first, or pass --force")
            conflicts += 1
            continue
        if task["data"] == data:
            unchanged += 1
        elif not task["annotations"]:  # nothing to lose: replace it, which Label Studio does in bulk
            replaced.append(task["id"])
            new.append({"data": data, "predictions": [prediction] if prediction else []})
        else:  # one request per task: Label Studio has no bulk update of task data
            updates.append((task["id"], data))
            if old_meta.get("prelabel") != data[META]["prelabel"]:
                predictions[task["id"]] = prediction
    bar = tqdm(total=len(new) + len(updates), desc="pushing", unit="task", disable=len(new) + len(updates) < 50)
    project.delete_tasks(replaced)
    project.import_tasks(new, progress=bar.update)
    project.update_data(updates, progress=bar.update)
    bar.close()
    project.replace_predictions(predictions, model_version)
    if overlap is not None:
        project.set_overlap(overlap)
    print(f"{mode} project {args.project!r} (id {project.id}) at {args.url}: {len(new) - len(replaced)} tasks created, "
          f"{len(replaced) + len(updates)} updated, {unchanged} unchanged, {conflicts} conflicts")
    return EXIT_CHECK_FAILED if conflicts else 0


class _Puller:
    """Pulls one exported task at a time into gold or into per-annotator sets, counting what happened."""

    def __init__(self, args, project: Project):
        self.args, self.project = args, project
        self.corpus = load_corpus(args.corpus)
        self.vocabulary = Vocabulary(load_taxonomy(), load_registry())
        self.checker = AnnotationChecker(self.corpus, gold=True)
        self.users = project.user_names()
        self.counts = {"written": 0, "unchanged": 0, "conflicts": 0, "disagreements": 0, "refused": 0, "invalid": 0}
        self.gold_dir = annotation_set_dir(GOLD)  # resolved once, not per task
        self.set_dir = annotation_set_dir(args.set_name) if args.set_name else None
        self.folder = self.set_dir or self.gold_dir
        self.files: set[str] = set()  # of the current task, relative to self.folder
        self.task_skipped = False
        self.done: dict[int, tuple[str, str, list[str]]] = {}
        self.saver = ThreadPoolExecutor(WRITERS)  # files are fsynced one by one: overlap that with converting
        self.saving: list[Future] = []

    def user(self, annotation: dict) -> str:
        return self.users.get(annotation["completed_by"], f"label-studio-user-{annotation['completed_by']}")

    def skip(self, kind: str, message: str) -> None:
        tqdm.write(f"{kind}: {message}")
        self.task_skipped = True
        self.counts[{"conflict": "conflicts", "disagreement": "disagreements"}.get(kind, kind)] += 1

    def latest_per_annotator(self, task: dict) -> dict[str, dict]:
        """Each annotator's latest submitted (not skipped) annotation, by user."""
        latest: dict[str, dict] = {}
        for annotation in task.get("annotations", []):
            if annotation.get("was_cancelled"):
                continue
            user = self.user(annotation)
            if user not in latest or (annotation["updated_at"], annotation["id"]) > (latest[user]["updated_at"], latest[user]["id"]):
                latest[user] = annotation
        return latest

    def convert(self, task: dict, base: dict, submissions: dict[str, dict], where: str) -> dict[str, dict] | None:
        try:
            return {user: result_to_annotation(a["result"], task["data"]["text"], base, self.vocabulary, f"{where} by {user}")
                    for user, a in submissions.items()}
        except InputError as exc:
            self.skip("invalid", str(exc))
            return None

    def write(self, annotation: dict, path: Path, old: dict | None, where: str, describe: str) -> None:
        problems = self.checker.check(annotation, where, file_stem=annotation["document_id"])
        if problems:
            self.skip("invalid", "\n  ".join(str(p) for p in problems))
            return
        tqdm.write(f"{'would write' if self.args.dry_run else 'wrote'} {path.parent.name}/{path.stem}: "
                   + ("new" if old is None else describe))
        if not self.args.dry_run:
            self.saving.append(self.saver.submit(save_annotation, annotation, root=path.parent))
        self.counts["written"] += 1

    def pull(self, task: dict, meta: dict, record: PullRecord) -> None:
        """Pull one task and note in ``record`` whether it is done (with its files) or must be seen again."""
        self.files, self.task_skipped = set(), False
        where = f"task {task['id']} ({meta['document_id']})"
        if self.args.set_name:
            self.pull_sets(task, meta, where)
        else:
            self.pull_gold(task, meta, where)
        if self.task_skipped:
            record.pending.append(task["id"])
        else:
            self.done[task["id"]] = (meta["document_id"], meta["text_sha256"], sorted(self.files))

    def note_done(self, record: PullRecord) -> None:
        """Record the tasks pulled without a skip, with the hashes of their files once they are written."""
        for task_id, (document_id, text_sha256, files) in self.done.items():
            record.done[str(task_id)] = {"document_id": document_id, "text": text_sha256,
                                         "files": {name: file_sha256(self.folder / name) for name in files}}

    def finish(self) -> None:
        """Wait until every file is written."""
        self.saver.shutdown()
        for future in self.saving:
            future.result()

    def pull_sets(self, task: dict, meta: dict, where: str) -> None:
        """Every annotator's work into annotations/<set>/<annotator>/: these folders mirror Label Studio."""
        document = self.corpus.get(meta["document_id"])
        if document is None or document["text_sha256"] != meta["text_sha256"]:
            self.skip("conflict", f"{where}: {conflict(meta, document, meta.get('annotation_sha256'))}")
            return
        submissions = self.latest_per_annotator(task)
        converted = self.convert(task, meta.get("annotation") or new_annotation_base(document), submissions, where)
        for user, annotation in (converted or {}).items():
            path = annotation_path(meta["document_id"], root=self.set_dir / annotator_folder(user))
            self.files.add(f"{annotator_folder(user)}/{path.name}")
            old = read_json(path) if path.exists() else None
            changes = layer_changes(old, annotation)
            if old is not None and not changes:
                self.counts["unchanged"] += 1
                continue
            annotation["provenance"] = pulled_provenance(annotation, {}, user, submissions[user]["updated_at"], self.source(task),
                                                         meta.get("prelabel"))
            self.write(annotation, path, old, f"{where} by {user}", describe_changes(changes))

    def source(self, task: dict) -> str:
        return task_source(self.args.project, task["id"])

    def pull_gold(self, task: dict, meta: dict, where: str) -> None:
        doc_id = meta["document_id"]
        path = annotation_path(doc_id, root=self.gold_dir)
        self.files.add(path.name)
        local_sha = sha256_file(path) if path.exists() else None
        old = read_json(path) if path.exists() else None
        reason = conflict(meta, self.corpus.get(doc_id), local_sha, old, self.source(task))
        text_unchanged = self.corpus.get(doc_id) and meta["text_sha256"] == self.corpus[doc_id]["text_sha256"]
        if reason and not (self.args.force and text_unchanged):
            self.skip("conflict", f"{where}: {reason}" + ("" if "text" in reason else "; pass --force to overwrite"))
            return
        # the local file, when there is one, is the truest base for the fields Label Studio does not show: it is
        # what was pushed, or what the last pull of this task wrote (so its history is kept), or with --force the
        # local edit being replaced
        base = old or meta.get("annotation") or new_annotation_base(self.corpus[doc_id])
        submissions = self.latest_per_annotator(task)
        converted = self.convert(task, base, submissions, where)
        if converted is None:
            return
        users = sorted(converted)
        differing = {other: layer_changes(converted[users[0]], converted[other]) for other in users[1:]}
        differing = {other: changes for other, changes in differing.items() if changes}
        if differing:
            other, changes = next(iter(differing.items()))
            self.skip("disagreement", f"{where}: {users[0]} and {other} differ ({describe_changes(changes)}); pull "
                                      "their work with --set NAME, compare with `readouts agreement` and adjudicate")
            return
        user = max(submissions, key=lambda u: (submissions[u]["updated_at"], submissions[u]["id"]))
        annotation, latest = converted[user], submissions[user]
        changes = layer_changes(old, annotation)
        removed, total = removed_share(old, changes)
        if 2 * removed > total >= 2 and not self.args.allow_removals:
            self.skip("refused", f"{where}: would remove {removed} of {total} items of the local annotation "
                                 f"({describe_changes(changes)}); check the task in Label Studio "
                                 "(was it opened blank?), or pass --allow-removals")
            return
        previous = base.get("provenance", {})
        if meta.get("mode") == REVIEW_MODE:
            decision = review_decision(latest["result"])
            if decision is None:
                self.skip("invalid", f"{where}: the review decision (accepted or corrected) is missing")
                return
            if not changes and previous.get("reviewer_id") == user and previous.get("reviewer_kind") == "human":
                self.counts["unchanged"] += 1
                return
            annotation["provenance"] = reviewed_provenance(annotation, previous, user, latest["updated_at"], self.source(task), decision)
            describe = f"{decision} by {user}" + (f": {describe_changes(changes)}" if changes else "")
        else:
            if not changes:
                self.counts["unchanged"] += 1
                return
            annotation["provenance"] = pulled_provenance(annotation, base.get("provenance", {}), user, latest["updated_at"], self.source(task),
                                                         meta.get("prelabel"), overwritten_sha256=local_sha if reason else None)
            describe = describe_changes(changes)
        self.write(annotation, path, old, where, describe)


def run_pull(args) -> int:
    if args.set_name is not None and (not SET_NAME.match(args.set_name) or args.set_name == GOLD):
        raise InputError(f"--set {args.set_name!r}: give a folder name under annotations/ other than gold "
                         "(letters, digits, '.', '_', '-')")
    project = Project(args.url, api_key(), args.project)
    puller = _Puller(args, project)
    record_file = record_path(args.url, args.project, args.set_name)
    started = project.server_time()  # None: the server's clock is unknown, so every pull is a full one
    record = None if args.full or started is None else PullRecord.load(record_file, project.id)
    if record is None:
        record, exported = PullRecord(project.id, ""), project.export()
    else:
        updated = project.updated_since(record.since())
        again = sorted(set(updated) | set(record.pending) | record.locally_changed(puller.folder, puller.corpus))
        exported = project.export(again) if again else []
        for task_id in again:
            record.done.pop(str(task_id), None)
        record.pending = []
    record.mark = started.isoformat() if started else ""
    exported.sort(key=lambda t: t["id"])
    if args.set_name is None and any(_task_mode(task["data"]) == BLIND_MODE for task in exported):
        raise InputError(f"project {args.project!r} is a blind project: pull it into per-annotator sets with --set NAME")
    for task in tqdm(exported, desc="pulling", unit="task", disable=len(exported) < 50):
        meta = task["data"].get(META)
        if not any(not a.get("was_cancelled") for a in task.get("annotations", [])):
            continue
        if not meta:
            puller.skip("invalid", f"task {task['id']}: no {META!r} metadata (not pushed by `readouts ls push`)")
            record.pending.append(task["id"])
            continue
        puller.pull(task, meta, record)
    puller.finish()
    if started and not args.dry_run:
        puller.note_done(record)
        record.save(record_file)
    counts = puller.counts
    verb = "would write" if args.dry_run else "written"
    print(f"pull: {counts['written']} {verb}, {counts['unchanged']} unchanged, "
          + ", ".join(f"{count} {kind}" for kind, count in counts.items() if kind not in ("written", "unchanged")))
    return EXIT_CHECK_FAILED if any(counts[kind] for kind in ("conflicts", "disagreements", "refused", "invalid")) else 0
