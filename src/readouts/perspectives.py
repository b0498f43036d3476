"""What each side's account of one contact contains that the other's does not. Reports are linked by a
shared ``contact_id`` (``readouts contacts link``); for every linked contact reported by two or more
publishers this compares the direct participants and contact type of that contact, and the topics and
stance of the reporting documents, publisher by publisher. Topics and stance are document-level labels, so
a document that reports several contacts contributes all of its topics to each of them."""

from collections import defaultdict
from itertools import permutations
from typing import Mapping

from .contacts import reports
from .errors import InputError
from .store import Annotation


def _accounts(annotations: Mapping[str, Annotation], metadata: Mapping[str, Mapping]) -> dict[str, dict[str, dict]]:
    """``{contact_id: {publisher: account}}``; a publisher with several documents on one contact (a
    translated address, two news items) gets the union of what they report."""
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for report in reports(annotations, metadata):
        if not report.contact_id:
            continue
        annotation = annotations[report.document_id]
        account = out[report.contact_id].setdefault(report.source or "unknown", {
            "documents": [], "types": set(), "participants": set(), "topics": set(), "stance": set()})
        account["documents"].append(report.document_id)
        account["types"].add(report.type)
        account["participants"].update(report.participants)
        account["topics"].update(annotation.topics)
        account["stance"].update((s.holder, s.target, s.label) for s in annotation.stance)
    return {cid: accounts for cid, accounts in out.items() if len(accounts) >= 2}


def compare_accounts(annotations: Mapping[str, Annotation], metadata: Mapping[str, Mapping]) -> dict:
    """Per linked contact, each publisher's account and what it lacks that another publisher reports; and a
    summary per publisher: how often it omits a topic (or a participant, or a stance) that another
    publisher's account of the same contact reports."""
    contacts = []
    omitted_topics: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for contact_id, accounts in sorted(_accounts(annotations, metadata).items()):
        entry = {"contact_id": contact_id, "accounts": {}, "differences": []}
        for publisher, account in sorted(accounts.items()):
            entry["accounts"][publisher] = {"documents": sorted(account["documents"]), "types": sorted(account["types"]),
                                            "participants": sorted(account["participants"]), "topics": sorted(account["topics"]),
                                            "stance": sorted(list(t) for t in account["stance"])}
            totals[publisher]["linked contacts"] += 1
        for a, b in permutations(sorted(accounts), 2):
            missing = {"topics": sorted(accounts[a]["topics"] - accounts[b]["topics"]),
                       "participants": sorted(accounts[a]["participants"] - accounts[b]["participants"]),
                       "stance": sorted(list(t) for t in accounts[a]["stance"] - accounts[b]["stance"])}
            if accounts[a]["types"] != accounts[b]["types"]:
                missing["types"] = sorted(accounts[a]["types"] - accounts[b]["types"])
            if any(missing.values()):
                entry["differences"].append({"reported_by": a, "missing_from": b, **missing})
        for publisher in accounts:
            others = set().union(*(accounts[o]["topics"] for o in accounts if o != publisher))
            for topic in others - accounts[publisher]["topics"]:
                omitted_topics[publisher][topic] += 1
            others_people = set().union(*(accounts[o]["participants"] for o in accounts if o != publisher))
            totals[publisher]["omits a participant"] += bool(others_people - accounts[publisher]["participants"])
            others_types = set().union(*(accounts[o]["types"] for o in accounts if o != publisher))
            totals[publisher]["another contact type"] += bool(others_types != accounts[publisher]["types"])
        contacts.append(entry)
    return {"contacts": contacts,
            "summary": {p: dict(totals[p]) for p in sorted(totals)},
            "omitted_topics": {p: dict(sorted(t.items())) for p, t in sorted(omitted_topics.items())}}


def format_perspectives(result: dict) -> str:
    """The summary as two plain-text tables (publishers x counts; topics x publishers)."""
    publishers = sorted(result["summary"])
    if not publishers:
        return "no linked contact is reported by two publishers yet (link reports with `readouts contacts link`)"
    width = max(14, *(len(p) + 2 for p in publishers))
    lines = [f"{len(result['contacts'])} linked contacts reported by two or more publishers", "",
             f"{'':<28}" + "".join(f"{p:>{width}}" for p in publishers)]
    for row in ("linked contacts", "omits a participant", "another contact type"):
        lines.append(f"{row:<28}" + "".join(f"{result['summary'][p].get(row, 0):>{width}}" for p in publishers))
    topics = sorted({t for counts in result["omitted_topics"].values() for t in counts})
    if topics:
        lines += ["", "topic omitted while another publisher's account of the same contact reports it:", ""]
        lines += [f"{topic:<28}" + "".join(f"{result['omitted_topics'].get(p, {}).get(topic, 0):>{width}}" for p in publishers)
                  for topic in topics]
    return "\n".join(lines)


def plot_omitted_topics(result: dict, path) -> None:
    """A grouped bar chart of the topic omissions per publisher, written to ``path`` (PNG)."""
    try:
        import matplotlib
    except ImportError as exc:
        raise InputError("plots need matplotlib: pip install 'readouts[plots]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    publishers = sorted(result["omitted_topics"])
    topics = sorted({t for counts in result["omitted_topics"].values() for t in counts})
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(topics) + 2), 4))
    width = 0.8 / max(1, len(publishers))
    for i, publisher in enumerate(publishers):
        ax.bar([x + i * width for x in range(len(topics))], [result["omitted_topics"][publisher].get(t, 0) for t in topics],
               width, label=publisher)
    ax.set_xticks([x + width * (len(publishers) - 1) / 2 for x in range(len(topics))], topics, rotation=45, ha="right")
    ax.set_ylabel("linked contacts")
    ax.set_title("Topics a publisher's account omits that another's reports")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
