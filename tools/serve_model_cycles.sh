#!/usr/bin/env bash
# `vit4j serve --model-control`: RSS across load / use / unload cycles of a second model (CaiT-XXS24) while DeiT-Ti
# serves, with or without clients on DeiT-Ti (LOAD=1). `jcmd GC.run` before each reading. Loopback only.
#   (from the project root) CYCLES=3 LOAD=0 tools/serve_model_cycles.sh                 VIT4J=./vit4j by default
set -uo pipefail
A=${ANCHORS:-../shared/anchors}; B=$A/djl-serving; CYCLES=${CYCLES:-3}; PORT=${PORT:-18090}; U=http://127.0.0.1:$PORT
${VIT4J:-./vit4j} serve -m deit=deit_tiny_patch16_224 -w deit=$A/deit_tiny_patch16_224.safetensors --port $PORT \
    --model-control > /tmp/serve_model_cycles-server.log 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 480); do [ "$(curl -s -o /dev/null -w '%{http_code}' $U/v2/health/ready)" = 200 ] && break; sleep 0.25; done
jpid=$(pgrep -f "serve .*--port $PORT" | tail -1)
rss() { jcmd $jpid GC.run > /dev/null 2>&1; sleep 3; awk '/VmRSS/{printf "%.0f MiB", $2 / 1024}' /proc/$jpid/status; }
echo "ready: RSS $(rss)"
if [ "${LOAD:-0}" = 1 ]; then
    python3 $B/load.py "$U/v1/models/deit/predict?k=1" -i $B/landscape_500x375.jpg -n 1000000 -c 4 -w 0 --label deit > /dev/null &
    lp=$!; trap 'kill $lp 2>/dev/null; kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
fi
for c in $(seq 1 $CYCLES); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST $U/v2/repository/models/cait/load \
        -d "{\"parameters\":{\"model\":\"cait_xxs24_224\",\"weights\":\"$(realpath $A/cait_xxs24_224.safetensors)\"}}")
    ok=0; for _ in $(seq 1 20); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @$B/landscape_500x375.jpg $U/v1/models/cait/predict)" = 200 ] && ok=$((ok + 1))
    done
    echo "cycle $c: load $code, 20 CaiT predictions ok=$ok, RSS loaded $(rss)"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST $U/v2/repository/models/cait/unload)
    echo "cycle $c: unload $code, RSS unloaded $(rss)"
done
curl -s $U/metrics | grep -E '^vit4j_http_requests_seconds_count.*route="/v(1|2)/'
