#!/usr/bin/env bash
# Every GPU figure of the README in one time-boxed run (issue 27), for a lent or rented GPU machine:
#
#   bash benchmarks/gpu.sh OUT [SECONDS]
#
# 1. benchmarks/speed.py --device cuda: the data path and our step against the seed's, with the
#    speed options (torch.compile in a second, separately time-boxed call: it compiles for a minute);
# 2. benchmarks/protocol_speed.py: the full profile's BCE run for 3 epochs on stand-in data of the
#    hub's size, for the 50-epoch estimate, peak memory and GPU utilisation;
# 3. the release recipes trained side by side on the one GPU until SECONDS (default 540) have passed
#    since the start, each stopped with SIGINT (train_release keeps its complete epochs), then each
#    checkpoint slimmed to what `train_release --export-only` reads, for export on a CPU at home.
#    The first recipe (the shipped one, batch 16) starts 40 s before the others: its first epochs'
#    time per step is its figure alone on the GPU.
# OUT gets the slimmed checkpoints and logs.tgz (every log and JSON figure); the output ends with
# each stage's summary.
set -uo pipefail
OUT=${1:?usage: bash benchmarks/gpu.sh OUT [SECONDS]}
BUDGET=${2:-540}
DEVICE=${DEVICE:-cuda}  # DEVICE=cpu EPOCH_STEPS=5 to try the script itself on a CPU, with a small SECONDS
EPOCH_STEPS=${EPOCH_STEPS:-500}
PY=${PYTHON:-python3}
WORK=$OUT/work  # everything but the checkpoints, packed into OUT/logs.tgz at the end
START=$SECONDS
mkdir -p "$WORK" /tmp/gpu-ck
export PYTHONUNBUFFERED=1 TQDM_DISABLE=1
cd "$(dirname "$0")/.."

{ nvidia-smi -L; $PY -c "import torch, datasets, inpaint_utils; print('torch', torch.__version__, 'datasets',
  datasets.__version__, 'cuda', torch.cuda.is_available())"; } 2>&1 | tee "$WORK/environment.log" || exit 1
grep -q "cuda True" "$WORK/environment.log" || [ "$DEVICE" = cpu ] || { echo "no CUDA device: stopped"; exit 1; }
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 1 > "$WORK/nvidia-smi.csv" 2>/dev/null &
SMI=$!

stage() {  # stage NAME SECONDS COMMAND...: time-boxed, its output in WORK/NAME.log, its end shown
    local name=$1 limit=$2; shift 2
    echo "== $name (at most ${limit} s)"
    timeout "$limit" "$@" > "$WORK/$name.log" 2>&1
    local status=$?
    tail -n "${TAIL:-14}" "$WORK/$name.log"
    echo "   exit $status, $((SECONDS - START)) s in all"
}
stage speed 120 $PY -m benchmarks.speed --device "$DEVICE" ${SPEED_ARGS:---steps 20 --repeats 5} \
    --options channels_last fused_adam amp --json "$WORK/speed.json"
TAIL=3 stage speed-compile 150 $PY -m benchmarks.speed --device "$DEVICE" --images 40 ${SPEED_ARGS:---steps 20 --repeats 5} \
    --options compile --json "$WORK/speed-compile.json"
TAIL=8 stage protocol 120 $PY -m benchmarks.protocol_speed --device "$DEVICE" --epochs 3 ${PROTOCOL_ARGS:-} \
    --json "$WORK/protocol.json"

# name|profile|overrides: the shipped recipe as it is, then at a GPU's batch, and two variants
RUNS=("pixel-b16|release|"
      "pixel-b64|release|--set BATCH_SIZE=64"
      "adversarial-b64|release-adv|--set BATCH_SIZE=64"
      "pixel-l1-b64|release|--set BATCH_SIZE=64 --set REC_LOSS=l1"
      "pixel-unet-b64|release|--set BATCH_SIZE=64 --set G_ARCH=unet")
left=$((BUDGET - (SECONDS - START) - 25))
echo "== release recipes side by side, $left s"
pids=()
for i in "${!RUNS[@]}"; do
    IFS='|' read -r name profile sets <<< "${RUNS[$i]}"
    delay=$(( i ? 40 : 0 ))
    (sleep $delay; OMP_NUM_THREADS=3 timeout -k 15 -s INT $((left - delay)) $PY -m inpaint_utils.train_release --no-export \
        --profile "$profile" $sets --set DEVICE="$DEVICE" --set STEPS_PER_EPOCH=$EPOCH_STEPS \
        --set RELEASE_EPOCHS=1000 --set CHECKPOINT_DIR="/tmp/gpu-ck/$name" > "$WORK/release-$name.log" 2>&1) &
    pids+=($!)
done
wait "${pids[@]}"
kill $SMI 2>/dev/null
# What export reads, small enough to bring home: EMA weights in half precision (export halves them
# anyway), the last sample grid, and RELEASE_EPOCHS set to the epochs done, so that the card's
# parameters reproduce the run (the recipe has no schedule that depends on the total).
$PY - "$OUT" <<'EOF'
import sys, pathlib, torch
for ck in sorted(pathlib.Path("/tmp/gpu-ck").glob("*/release.pt")):
    s = torch.load(ck, map_location="cpu", weights_only=True)
    h = s["history"]
    slim = {k: s[k] for k in ("format", "run", "criterion", "epoch", "params", "history", "fill_colour")}
    slim["epochs"] = slim["params"]["release_epochs"] = s["epoch"]
    slim["history"]["val_samples"] = h["val_samples"][-1:]
    slim["ema"] = {k: v.half() if v.is_floating_point() else v for k, v in s["ema"].items()}
    torch.save(slim, pathlib.Path(sys.argv[1]) / f"{ck.parent.name}.pt")
    per_step = ", ".join(f"{1000 * t / (len(h['g_losses']) // s['epoch']):.1f}" for t in h["epoch_seconds"][:4])
    print(f"{ck.parent.name:16s} {len(h['g_losses']):6d} steps in {sum(h['epoch_seconds']):4.0f} s; "
          f"ms/step in its first epochs: {per_step}; last validation: {h['validation'][-1:]}")
EOF
tar -czf "$OUT/logs.tgz" -C "$WORK" . && rm -r "$WORK"
echo "== done after $((SECONDS - START)) s"
