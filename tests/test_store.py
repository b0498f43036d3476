"""The annotation store: typed round trips, canonical files, atomic writes, DataFrames per layer."""

import json
import os

import pytest

from readouts import jsonio
from readouts.store import Annotation, layer_frames, load_annotations, save_annotation


def test_typed_round_trip_is_identical(gold_en):
    gold_en["notes"] = "a hard case"
    assert Annotation.from_dict(gold_en).to_dict() == gold_en


def test_save_writes_canonical_sorted_json_and_loads_back(repo, gold_en):
    path = save_annotation(gold_en)
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(gold_en, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    [loaded] = load_annotations()
    assert loaded.to_dict() == gold_en
    assert loaded.sha256() == jsonio.sha256_text(text)


def test_atomic_write_keeps_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    jsonio.write_json(path, {"v": 1})

    def fail(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        jsonio.write_json(path, {"v": 2})
    assert json.loads(path.read_text()) == {"v": 1}
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_layer_frames_have_one_row_per_label(gold_en):
    frames = layer_frames([Annotation.from_dict(gold_en)])
    assert len(frames["documents"]) == 1
    assert sorted(frames["participants"]["actor_id"]) == ["joe-biden", "volodymyr-zelenskyy"]
    assert len(frames["mentions"]) == 3
    assert frames["stance"].iloc[0][["holder", "target", "label"]].tolist() == ["joe-biden", "sanctions_on_russia", "favor"]
    assert sorted(frames["topics"]["topic"]) == ["military_aid", "sanctions"]
    assert frames["contacts"].iloc[0]["type"] == "phone_call"


def test_empty_layers_still_have_columns():
    frames = layer_frames([])
    assert list(frames["stance"].columns) == ["document_id", "holder", "target", "label", "n_evidence"]
