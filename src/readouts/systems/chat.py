"""Any large language model behind an OpenAI-compatible chat-completions endpoint, as a Readouts system.

For each document the model gets one system message (the taxonomy and a condensed form of
docs/guidelines.md: its sections on scope, participants, stance, topics and hard cases) and one user
message (the document's metadata and text, and the registry actors whose names occur in it, so that it
can answer with canonical ids). It answers with one JSON object shaped like our prediction schema, except
that mentions are the names as written in the text: models cannot count characters, so the names are
turned into offsets here (every occurrence of each name).

An answer that is not usable JSON is asked for again, with the reason, up to ``attempts`` requests per
document; then the document is counted as empty (no prediction layers). An answer that is JSON is repaired
rather than refused: unknown topics, targets, labels, role types and affiliations, participants that are
not in the actor registry (the harness accepts registry ids only) and names that do not occur in the text
are dropped.

Every request and the endpoint's raw answer are cached on disk under the SHA-256 of the request body
(model, messages, temperature, ...): a run that is stopped resumes where it was without asking again,
and a rerun gives the same predictions even at a temperature above zero. Failures of the endpoint itself
(no connection, time-outs, HTTP 429 and 5xx) are retried with a back-off and then stop the run with a
message; nothing is cached for them. The endpoint, model, temperature and the counts of the run are written
to ``<cache>/runs/<model>.json``.

    readouts evaluate --model readouts.systems.chat:ChatSystem \\
        --model-arg base_url=http://127.0.0.1:8000/v1 --model-arg model=qwen2.5-7b-instruct \\
        --release v0.2.0 --split test --save-predictions chat-test.jsonl"""

import json
import os
import re
import sys
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import httpx
from tqdm import tqdm

from .. import __version__
from ..actors import is_valid_affiliation, load_registry
from ..baselines.base import empty_prediction
from ..errors import InputError
from ..jsonio import atomic_write_text, canonical_json, sha256_text, write_json
from ..paths import repo_root
from ..prelabel import find_actors
from ..schema import schema_problems
from ..taxonomy import load_taxonomy

PROMPT_VERSION = "1"
GUIDELINE_SECTIONS = ("2", "4", "5", "6", "7")  # scope, participants, stance, topics, hard cases
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)

ANSWER_FORMAT = """\
Answer with one JSON object and nothing else:
{"in_scope": true or false,
 "participants": [{"actor_id": "id", "participation": "direct" or "mentioned", "role_type": "role type id",
                   "affiliation": "ISO 3166-1 alpha-3 code or organisation code", "mentions": ["name exactly as written in the text", ...]}],
 "stance": [{"holder": "actor_id of a participant", "target": "stance target id", "label": "favor", "against" or "neutral"}],
 "topics": ["topic id", ...]}
Use the actor ids listed with the document (the persons of the actor registry whose names occur in it);
a person who is not listed cannot be scored: leave them out. "mentions" lists every
distinct form of the person's name as it is written in the text (inflected forms separately, titles left
out); give [] when the text never names the person. When in_scope is false, every list is empty."""


# --- The prompt ----------------------------------------------------------------------------------

def condensed_guidelines(path: Path | None = None) -> str:
    """Sections 2, 4, 5, 6 and 7 of docs/guidelines.md with the version markers removed: what a reader
    needs to label a document, without contacts, drafts, open questions and the changelog."""
    path = path or repo_root() / "docs" / "guidelines.md"
    if not path.is_file():
        raise InputError(f"{path}: the annotation guidelines are missing (the chat prompt is built from them)")
    sections = re.split(r"(?m)^(?=## )", path.read_text(encoding="utf-8"))
    kept = [s for s in sections if re.match(r"## (\d+)\.", s) and re.match(r"## (\d+)\.", s).group(1) in GUIDELINE_SECTIONS]
    if len(kept) != len(GUIDELINE_SECTIONS):
        raise InputError(f"{path}: expected numbered sections {', '.join(GUIDELINE_SECTIONS)} (scope, participants, "
                         "stance, topics, hard cases)")
    return re.sub(r"\s*\*\(\d+\.\d+[^)]*\)\*", "", "\n".join(s.strip() for s in kept))


def taxonomy_brief() -> str:
    """Every label id the answer may use, with its definition (topics, stance targets) or name."""
    taxonomy = load_taxonomy()
    lines = [f"Taxonomy version {taxonomy.version}.", "", "Topics (id: definition):"]
    lines += [f"- {t.id}: {t.definition}" + (f" {t.notes}" if t.notes else "") for t in taxonomy.topics]
    lines += ["", "Stance targets (id: what favor/against/neutral mean):"]
    lines += [f"- {t.id} ({t.labels.get('en', t.id)}): {t.definition}" for t in taxonomy.stance_targets]
    lines += ["", "Role types: " + ", ".join(taxonomy.ids("role_types")),
              "Organisation codes for affiliation: " + ", ".join(taxonomy.ids("organisations"))]
    return "\n".join(lines)


@lru_cache(maxsize=4)
def _system_prompt(root: Path) -> str:
    return "\n\n".join([
        "You annotate news and official readouts about diplomatic contacts around Russia's war against Ukraine "
        "(English, Ukrainian, Russian) for the Readouts benchmark. Follow these guidelines.",
        condensed_guidelines(root / "docs" / "guidelines.md"), taxonomy_brief(), ANSWER_FORMAT])


def system_prompt() -> str:
    return _system_prompt(repo_root())


def user_prompt(document: dict, max_chars: int) -> str:
    """The document as the model sees it, with the registry actors named in it as id suggestions."""
    text = document["text"][:max_chars]
    known = [f"- {f.actor.id}: {f.actor.names.get('en', f.actor.id)} ({f.actor.country})"
             for f in find_actors(f"{document.get('title', '') or ''}\n{text}", document["language"])]
    cut = f" (the first {max_chars} of {len(document['text'])} characters)" if len(document["text"]) > max_chars else ""
    return "\n".join([
        f"Document {document['id']}: language {document['language']}, source {document.get('source', '')}, "
        f"date {document.get('date', '') or 'unknown'}.", f"Title: {document.get('title', '') or ''}",
        "Registry actors named in the title or text: " + ("\n" + "\n".join(known) if known else "none found."),
        f"Text{cut}:", text])


# --- Reading an answer ---------------------------------------------------------------------------

class InvalidAnswer(ValueError):
    """The answer cannot be read as the JSON object asked for (the message is sent back to the model)."""


def answer_object(content) -> dict:
    """The JSON object in a model's reply: bare, in a code fence, or between the first { and the last }."""
    if not isinstance(content, str) or not content.strip():
        raise InvalidAnswer("the answer was empty")
    text = FENCE.sub("", content.strip())
    for candidate in (text, text[text.find("{"):text.rfind("}") + 1]):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise InvalidAnswer("the answer is not a JSON object")


def name_spans(text: str, names) -> list[dict]:
    """Offsets of every whole-word occurrence of each name (non-overlapping, longest names first)."""
    taken: list[tuple[int, int]] = []
    for name in sorted({n.strip() for n in names if isinstance(n, str) and n.strip()}, key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            if all(match.end() <= start or match.start() >= end for start, end in taken):
                taken.append(match.span())
    return [{"start": start, "end": end} for start, end in sorted(taken)]


def prediction_from_answer(answer: dict, document: dict) -> tuple[dict, int]:
    """A schema-valid prediction from an answer object, and the number of items dropped to make it so."""
    taxonomy = load_taxonomy()
    topics, targets, roles = set(taxonomy.topic_ids), set(taxonomy.target_ids), set(taxonomy.ids("role_types"))
    registry = load_registry()
    in_scope = answer.get("in_scope")
    if isinstance(in_scope, str) and in_scope.lower() in ("true", "false"):
        in_scope = in_scope.lower() == "true"
    if not isinstance(in_scope, bool):
        raise InvalidAnswer('"in_scope" must be true or false')
    prediction = {"document_id": document["id"], "in_scope": in_scope, "participants": [], "stance": [], "topics": []}
    raw = [answer.get(layer) if isinstance(answer.get(layer), list) else [] for layer in ("participants", "stance", "topics")]
    dropped = 0
    if in_scope:
        seen = set()
        for item in raw[0]:
            actor = item.get("actor_id") if isinstance(item, dict) else None
            if not isinstance(actor, str) or actor not in registry or actor in seen:
                dropped += 1
                continue
            seen.add(actor)
            participant = {"actor_id": actor, "participation": "mentioned" if item.get("participation") == "mentioned" else "direct",
                           "mentions": name_spans(document["text"], item.get("mentions") if isinstance(item.get("mentions"), list) else [])}
            if item.get("role_type") in roles:
                participant["role_type"] = item["role_type"]
            if isinstance(item.get("affiliation"), str) and is_valid_affiliation(item["affiliation"]):
                participant["affiliation"] = item["affiliation"]
            prediction["participants"].append(participant)
        pairs = set()
        for item in raw[1]:
            key = (item.get("holder"), item.get("target")) if isinstance(item, dict) else None
            if not key or key[0] not in seen or key[1] not in targets or item.get("label") not in ("favor", "against", "neutral") or key in pairs:
                dropped += 1
                continue
            pairs.add(key)
            prediction["stance"].append({"holder": key[0], "target": key[1], "label": item["label"]})
        prediction["topics"] = sorted({t for t in raw[2] if t in topics})
        dropped += len(raw[2]) - len(prediction["topics"])
    else:
        dropped += sum(len(layer) for layer in raw)
    problems = schema_problems("prediction", prediction, document["id"])
    if problems:  # a guard: the repairs above should leave nothing for the schema to refuse
        raise InvalidAnswer("; ".join(p.message for p in problems[:3]))
    return prediction, dropped


# --- Talking to the endpoint ---------------------------------------------------------------------

class AnswerCache:
    """One JSON file per request body (its SHA-256): the request and the endpoint's raw answer."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / "answers" / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return None  # a damaged entry is asked for again

    def put(self, key: str, record: dict) -> None:
        atomic_write_text(self._path(key), canonical_json(record))


@dataclass
class RunCounts:
    documents: int = 0
    requests_sent: int = 0
    answers_from_cache: int = 0
    answers_invalid: int = 0
    items_dropped: int = 0
    documents_counted_empty: int = 0


def slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-") or "model"


class ChatSystem:
    """``ChatSystem(base_url=..., model=...)``: see the module docstring. Keyword arguments (all can be
    given as ``--model-arg KEY=VALUE``):

    - ``base_url``: the API root, e.g. ``http://127.0.0.1:8000/v1`` (``/chat/completions`` is appended);
    - ``model``: the model name the endpoint serves;
    - ``temperature`` (0), ``max_tokens`` (2048), ``seed`` (none: sent only when given);
    - ``attempts`` (3): requests per document, for unusable answers and for endpoint failures alike;
    - ``timeout`` (120): seconds to wait for one answer;
    - ``max_chars`` (12000): characters of the text sent (long documents are cut, and the prompt says so);
    - ``json_mode`` (true): ask for ``response_format: {"type": "json_object"}`` (turn off for servers
      that refuse it);
    - ``api_key_env`` (``OPENAI_API_KEY``): the environment variable holding the key, if any; the key is
      never written to the cache;
    - ``cache`` (``data/chat-cache``): where requests and answers are kept."""

    def __init__(self, base_url: str, model: str, temperature: float = 0.0, max_tokens: int = 2048, seed: int | None = None,
                 attempts: int = 3, timeout: float = 120.0, max_chars: int = 12000, json_mode: bool = True,
                 api_key_env: str = "OPENAI_API_KEY", cache: str | None = None, backoff: float = 1.0):
        if not str(base_url).startswith(("http://", "https://")):
            raise InputError(f"--model-arg base_url={base_url!r}: expected an http:// or https:// URL such as http://127.0.0.1:8000/v1")
        if int(attempts) < 1 or float(timeout) <= 0 or int(max_chars) < 1:
            raise InputError("--model-arg attempts, timeout and max_chars must be positive")
        self.url = str(base_url).rstrip("/") + "/chat/completions"
        self.model, self.temperature, self.max_tokens, self.seed = str(model), float(temperature), int(max_tokens), seed
        self.attempts, self.timeout, self.max_chars, self.json_mode = int(attempts), float(timeout), int(max_chars), bool(json_mode)
        self.backoff = float(backoff)
        self.api_key = os.environ.get(api_key_env, "") if api_key_env else ""
        self.cache = AnswerCache(Path(cache) if cache else repo_root() / "data" / "chat-cache")
        self.counts = RunCounts()

    def _request_body(self, messages: list[dict]) -> dict:
        body = {"model": self.model, "messages": messages, "temperature": self.temperature, "max_tokens": self.max_tokens}
        if self.seed is not None:
            body["seed"] = int(self.seed)
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def _answer(self, client: httpx.Client, body: dict) -> str:
        """The raw answer to ``body``: from the cache, or from the endpoint (then cached)."""
        key = sha256_text(canonical_json(body))
        cached = self.cache.get(key)
        if cached is not None:
            self.counts.answers_from_cache += 1
            return cached["answer"]
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self.counts.requests_sent += 1
            try:
                response = client.post(self.url, json=body, headers=headers, timeout=self.timeout)
            except httpx.TimeoutException:
                problem = f"no answer within {self.timeout:g} s"
                continue
            except httpx.TransportError as exc:
                problem = f"cannot reach it ({exc})"
                continue
            if response.status_code in RETRY_STATUS:
                problem = f"HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                raise InputError(f"{self.url} answered HTTP {response.status_code}: {response.text[:300]}")
            self.cache.put(key, {"request": body, "answer": response.text})
            return response.text
        raise InputError(f"{self.url}: {problem} after {self.attempts} attempts; the answers received so far are cached in "
                         f"{self.cache.folder}: rerun the same command to resume")

    @staticmethod
    def _content(raw: str) -> str:
        """The assistant message of an OpenAI chat-completions answer."""
        try:
            return json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise InvalidAnswer("the endpoint's answer is not an OpenAI chat completion") from None

    def predict_one(self, client: httpx.Client, document: dict) -> dict:
        messages = [{"role": "system", "content": system_prompt()},
                    {"role": "user", "content": user_prompt(document, self.max_chars)}]
        for _ in range(self.attempts):
            raw = self._answer(client, self._request_body(messages))
            content = ""
            try:
                content = self._content(raw)
                prediction, dropped = prediction_from_answer(answer_object(content), document)
            except InvalidAnswer as problem:
                self.counts.answers_invalid += 1
                messages = messages + [
                    {"role": "assistant", "content": content if isinstance(content, str) else ""},
                    {"role": "user", "content": f"Your answer could not be used: {problem}. Reply with the JSON object only."}]
                continue
            self.counts.items_dropped += dropped
            return prediction
        self.counts.documents_counted_empty += 1
        return empty_prediction(document["id"])

    def run_record(self) -> dict:
        return {"endpoint": self.url, "model": self.model, "temperature": self.temperature, "max_tokens": self.max_tokens,
                "seed": self.seed, "attempts": self.attempts, "json_mode": self.json_mode, "max_chars": self.max_chars,
                "prompt_version": PROMPT_VERSION, "system_prompt_sha256": sha256_text(system_prompt()),
                "readouts_version": __version__, "counts": asdict(self.counts)}

    def predict(self, documents: list[dict]) -> list[dict]:
        """The harness protocol: one prediction per document, in order."""
        self.counts = RunCounts(documents=len(documents))
        with httpx.Client() as client:
            predictions = [self.predict_one(client, document)
                           for document in tqdm(documents, desc=f"chat {self.model}", unit="doc", file=sys.stderr)]
        record = self.run_record()
        write_json(self.cache.folder / "runs" / f"{slug(self.model)}.json", record)
        print(f"chat: {record['endpoint']} model {self.model} temperature {self.temperature:g}: " +
              ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in record["counts"].items()), file=sys.stderr)
        return predictions
