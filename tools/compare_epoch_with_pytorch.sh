#!/usr/bin/env bash
# One training epoch of the same CaiT on Fashion-MNIST, same batch size and threads, first in vit4j, then in
# plain PyTorch (Debian's python3-torch), back to back; prints both and the ratio.
#   tools/compare_epoch_with_pytorch.sh [configs/cait_fmnist.json] [batch] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-configs/cait_fmnist.json}
batch=${2:-128}
threads=${3:-2}
out=$(mktemp -d)
VIT4J_JAVA_OPTS="-Dai.djl.pytorch.num_threads=$threads" ./vit4j train --config "$config" --data fashion-mnist \
    --epochs 1 -b "$batch" --lr 1e-3 --val-limit 1 --loader-threads 1 -o "$out/run" > "$out/vit4j.log" 2>/dev/null
vit4j_s=$(awk -F, 'NR==2 {print $9}' "$out/run/history.csv")
torch_json=$(tools/pytorch_cait_epoch.py "$config" --batch-size "$batch" --threads "$threads")
torch_s=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['epoch_seconds'])" "$torch_json")
echo "vit4j:   $vit4j_s s per epoch (includes a 1-image validation pass)"
echo "pytorch: $torch_s s per epoch ($torch_json)"
python3 -c "import sys; print('pytorch / vit4j = %.2f' % (float(sys.argv[2]) / float(sys.argv[1])))" "$vit4j_s" "$torch_s"
rm -rf "$out"
