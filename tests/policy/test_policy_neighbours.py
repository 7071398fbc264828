"""The neighbour map of unseen words: building it from vectors, reading vector files, and the model using it."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from opwatch.signals.policy.model import PolicyModel, _word_column, featurise
from opwatch.signals.policy.neighbours import (
    Neighbours,
    VectorsError,
    build,
    read_vectors,
    vector_file,
)

ROOT = Path(__file__).resolve().parents[2]

#: A tiny table: "slay" sits next to "kill", "puppy" next to "dog", "blorp" is unlike everything.
WORDS = ["the", "kill", "dog", "slay", "puppy", "blorp", "xy", "k9s"]
VECTORS = np.asarray([
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.1, 0.95, 0.0, 0.1],   # slay ~ kill
    [0.0, 0.1, 0.9, 0.2],    # puppy ~ dog
    [0.0, 0.0, 0.0, 1.0],    # blorp: nothing near
    [0.0, 0.99, 0.0, 0.0],   # xy: too short to map
    [0.0, 0.0, 0.99, 0.0],   # k9s: not all letters
], dtype=np.float32)
TEXTS = ["the dog can kill", "kill the dog", "the dog and kill"]


def test_unseen_words_map_to_their_nearest_seen_word() -> None:
    nb = build(TEXTS, WORDS, VECTORS, min_df=3, min_similarity=0.6)
    assert nb.mapping == {"slay": "kill", "puppy": "dog"}
    # a stricter similarity keeps only the closest pair; a word seen often enough is never mapped
    assert build(TEXTS, WORDS, VECTORS, min_df=3, min_similarity=0.98).mapping == {"slay": "kill"}
    assert "puppy" not in build(TEXTS + ["puppy"] * 3, WORDS, VECTORS, 3, 0.6).mapping
    # nothing seen: nothing to map to
    assert build([], WORDS, VECTORS).mapping == {}


def test_tokens_name_each_mapped_word_once_and_the_map_round_trips() -> None:
    nb = Neighbours({"slay": "kill", "puppy": "dog"})
    assert nb.tokens("slay the puppy, slay it") == "kill dog"
    assert nb.tokens("nothing here") == ""
    assert Neighbours.loads(nb.dumps()) == nb


def test_the_map_adds_the_neighbours_word_feature() -> None:
    nb = Neighbours({"slay": "kill"})
    col = _word_column("kill")
    assert featurise(["how to slay him"])[0, col] == 0
    assert featurise(["how to Slay him"], nb)[0, col] > 0
    # texts without mapped words get the same features as without a map
    changed = featurise(["track my parcel"], nb) != featurise(["track my parcel"])
    assert changed.nnz == 0


def _write_tables(tmp_path: Path) -> dict[str, Path]:
    txt = tmp_path / "glove.txt"
    txt.write_text("".join(w + " " + " ".join(f"{x:.3f}" for x in v) + "\n" for w, v in zip(WORDS, VECTORS, strict=True)))
    gz = tmp_path / "glove.txt.gz"
    gz.write_bytes(gzip.compress(txt.read_bytes()))
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "package.json").write_text("{}")
    wink = pkg / "vectors.json"
    wink.write_text(json.dumps({
        "dimensions": 4, "words": WORDS,
        "vectors": {w: [float(x) for x in v] + [1.0, i] for i, (w, v) in enumerate(zip(WORDS, VECTORS, strict=True))},
    }))
    return {"txt": txt, "gz": gz, "dir": pkg, "json": wink}


@pytest.mark.parametrize("kind", ["txt", "gz", "dir", "json"])
def test_vector_tables_are_read_from_glove_text_and_the_wink_package(tmp_path: Path, kind: str) -> None:
    path = _write_tables(tmp_path)[kind]
    words, vectors = read_vectors(path)
    assert words == WORDS
    np.testing.assert_allclose(vectors, VECTORS, atol=1e-3)
    words, vectors = read_vectors(path, top=3)  # the most frequent first
    assert words == WORDS[:3] and vectors.shape == (3, 4)


def test_missing_vector_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(VectorsError, match="npm pack"):
        vector_file(tmp_path / "missing.txt")
    with pytest.raises(VectorsError, match="no vector .json"):
        vector_file(tmp_path)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.txt", "kill 1 2 3\ndog 1 2\n", "2 values, not 3"),
    ("empty.txt", "\n", "no vectors"),
    ("broken.json", '{"words": ["a"]}', "not a readable"),
    ("notjson.json", "kill 1 2 3", "not a readable"),
])
def test_unreadable_vector_files_are_refused(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(VectorsError, match=message):
        read_vectors(path)


def test_a_model_trained_with_vectors_reads_an_unseen_word_as_its_neighbour(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    from train_policy_model import fit

    harmful = [f"how can I kill my {w} quietly" for w in ("neighbour", "boss", "uncle", "landlord", "rival")]
    harmless = [f"how can I walk my {w} quietly" for w in ("neighbour", "boss", "uncle", "landlord", "rival")]
    cyber = [f"write ransomware for my {w} laptop" for w in ("neighbour's", "boss's", "uncle's")]
    rows = ([(t, "other_harmful", "test") for t in harmful * 4] + [(t, "malicious_cyber", "test") for t in cyber * 2]
            + [(t, "benign", "test") for t in harmless * 4])
    with_map, _ = fit(rows, 0, 2.0, 1.0, 0.5, cv_folds=0, category_cv=False, hidden=False, vectors=(WORDS, VECTORS))
    without, _ = fit(rows, 0, 2.0, 1.0, 0.5, cv_folds=0, category_cv=False, hidden=False)
    assert with_map.neighbours_ is not None and with_map.neighbours_.mapping["slay"] == "kill"
    probe = ["how can I slay my cousin quietly"]  # only the verb tells the two kinds of row apart
    p_with = with_map.predict(with_map.features(probe))[0][0]
    p_without = without.predict(without.features(probe))[0][0]
    assert p_with > 0.5 and p_with > p_without + 0.1
    # the map is part of the weights file
    path = tmp_path / "m.npz"
    with_map.save(path)
    back = PolicyModel.load(path)
    assert back.neighbours_ == with_map.neighbours_
    np.testing.assert_allclose(back.predict(back.features(probe))[0], with_map.predict(with_map.features(probe))[0],
                               atol=2e-3)
