#!/usr/bin/env bash
# Where `vit4j serve`'s time goes at one concurrency: the server's CPU per request (from /proc), the client's, and the
# server's own timers (/metrics: prepare, engine per batch, queue wait, batch sizes). DeiT-Ti from ../shared/anchors,
# the DJL comparison's JPEG, loopback only; extra arguments go to `vit4j serve` (e.g. --workers 1 --threads 2).
#   (from the project root) C=8 N=300 tools/serve_cpu.sh [--workers N --threads T]      VIT4J=./vit4j by default
set -uo pipefail
B=${ANCHORS:-../shared/anchors}/djl-serving; IMG=$B/landscape_500x375.jpg; C=${C:-8}; N=${N:-300}; PORT=${PORT:-18080}
${VIT4J:-./vit4j} serve -m deit=deit_tiny_patch16_224 -w deit=$B/../deit_tiny_patch16_224.safetensors --port $PORT \
    --max-batch 8 --max-delay-ms 5 "$@" > /tmp/serve_cpu-server.log 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 480); do [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/health/ready)" = 200 ] && break; sleep 0.25; done
jpid=$(pgrep -f "serve .*--port $PORT" | tail -1)
python3 $B/load.py "http://127.0.0.1:$PORT/v1/models/deit/predict?k=5" -i $IMG -n 200 -c $C -w 0 --label warm > /dev/null
ticks() { awk '{print $14+$15}' /proc/$jpid/stat; }
hz=$(getconf CLK_TCK); a=$(ticks)
/usr/bin/time -f "client cpu %U+%S s" python3 $B/load.py "http://127.0.0.1:$PORT/v1/models/deit/predict?k=5" -i $IMG -n $N -c $C -w 0 --label x
b=$(ticks)
awk -v t=$((b - a)) -v hz=$hz -v n=$N 'BEGIN{printf "server cpu %.1f ms/request\n", 1000 * t / hz / n}'
curl -s http://127.0.0.1:$PORT/metrics | grep -E '^vit4j_(prepare|inference|batch_size|queue_wait)[a-z_]*(sum|count)'
