"""The policy model's card (``model/MODEL_CARD.md``): what it is, what it was trained on, its limits.

Written by ``scripts/train_policy_model.py`` from the metadata it stores in the weights file.
"""

from __future__ import annotations

from pathlib import Path


def write_card(path: Path, meta: dict, cats: list[str]) -> None:
    cal = meta.get("calibration") or {}
    cal_text = (
        f"{cal['fpr']:.2%} of the harmless calibration split ({cal['rows']} rows of {cal['split']}; "
        f"target {cal['target_fpr']:.1%}), shift {cal['shift']}"
        if cal.get("split") else f"at a deployment base rate of {meta['prior']} (no calibration split)"
    )
    hid = meta.get("hidden")
    cat_text = (
        f", its probabilities averaged with those of a {hid['units']}-unit ReLU hidden layer with a softmax "
        f"({hid.get('category_epochs')} Adam epochs)" if hid else ""
    )
    hidden_text = (
        f"logistic regression blended (weight {hid['blend_linear']}, standardised out-of-fold decisions) "
        f"with a {hid['units']}-unit ReLU hidden layer on the {hid['columns']} feature columns seen in at least "
        f"{hid['min_df']} training rows ({hid['epochs']} Adam epochs, decay {hid['decay']})"
        if hid else "logistic regression"
    )
    near = meta.get("neighbours")
    near_text = (
        f"\n- Neighbour map (decision 0038): {near['mapped']:,} words of the first {near['words_read']:,} of "
        f"{near['vectors']} that fewer than {near['min_df']} training rows use, each mapped to the training word "
        f"nearest by cosine (at least {near['min_similarity']}); a mapped word adds its neighbour as a word token."
        if near else ""
    )
    enc = meta.get("encoder")
    enc_text = (
        f"\n- Sentence encoder (decision 0039): {enc['checkpoint']} ({enc['layers']} layers; checkpoint sha256 "
        f"`{enc['sha256'][:16]}…`) fine-tuned as a second harm head for {enc['epochs']} epoch (learning rate "
        f"{enc['lr']}, {enc['train_len']} word pieces per row; up to {enc['max_len']} when classifying); its "
        f"log-odds join the head's as {enc['weight']} · clip(z, ±{enc['clip']}). Stored in int8, run in numpy."
        if enc else ""
    )
    src = "\n".join(
        f"| {s['source']} | {s['rows']} | {s['licence']} | {'yes' if s['committed'] else 'no, read at training time'} |"
        for s in meta["sources"]
    )
    path.write_text(
        f"""# opwatch offline policy model

Written by `scripts/train_policy_model.py`; do not edit by hand.

- Features: hashed word 1-2-grams (function words kept), character 3-5-grams, Chinese character 1-2-grams and
  harm-lexicon tokens (2^19 dims, no vocabulary).{near_text}{enc_text}
- Heads: harmful-vs-harmless = {hidden_text} (Platt-calibrated with 5-fold CV
  scores, then shifted in log-odds so that the default path, rules + model, flags
  {cal_text}); multinomial logistic regression over harmful categories {', '.join(cats)}{cat_text}.
- Trained with {meta['trained_with']}, seed {meta['seed']}, C={meta['C']}, shared-set rows weighted {meta['shared_weight']}, {meta['rows']} rows,
  team data hash `{meta['data_hash']}`.
- Internal cross-validation on the training rows (harm head 5-fold, category head 3-fold; optimistic; see docs/benchmarks.md for held-out
  results): {meta['cv']}.
- Never trained on: data/policy/heldout*.yaml, any *_val file, the Alpaca harmless sets
  (CC BY-NC 4.0; one half of harmless_train only sets the calibration shift), the held-out
  halves of StrongREJECT, Do-Not-Answer and the in-the-wild jailbreaks.

## Sources

| source | rows | licence | committed |
|---|---|---|---|
{src}

## Limits

English-heavy; Spanish, Russian and Chinese are covered by fewer examples (data/policy/
sentences_multilingual*.yaml and the zh/es/ru cores). A model on n-grams trained from a few
ten thousand requests recognises wording, not intent: the hidden layer learns some
combinations (a harm named inside a victim's or defender's question), and the sentence
encoder, where the weights carry one, reads the whole request (English, uncased); paraphrases
far from the training data fall back to the rules and, where configured, the model judge.
""",
        encoding="utf-8",
    )
