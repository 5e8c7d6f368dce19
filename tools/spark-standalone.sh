#!/usr/bin/env bash
# A real Spark cluster on this machine: a standalone master and two 1-core workers on 127.0.0.1, started from the
# Spark jars Maven resolved for vit4j-spark (no Spark download), then `spark-submit` of vit4j-spark's eval over
# COUNT shapes images, checked against `vit4j eval` on the same folder. Stops everything it started.
#   tools/spark-standalone.sh [COUNT=3000] [MODEL_DIR=the shapes CaiT in the test resources]
# BENCH=1 then also measures predict's images/s in one JVM (`vit4j predict`), in Spark local[2] and on this cluster,
# on SHAPES_IMAGES (20 000: 2 000 take ~2 s, below the start-up noise) shapes (the shapes CaiT) and, with
# ../shared/anchors, 2 000 copies of the fixture photos (DeiT-Ti at 224): each as (N - 16) / (T(N) - T(16)), so JVM,
# Spark and model start-up cancel out; ROUNDS (3) rounds, medians, and
# from Spark's event logs where each Spark run's time went (task run time, CPU time, GC, deserialization);
# BENCH_OUT=DIR keeps the timings and event logs.
# Needs: mvn -B install (vit4j-spark/target/vit4j-spark.jar, vit4j-cli/target/vit4j.jar).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-3000}"
model="${2:-$root/vit4j-core/src/test/resources/trained/cait_shapes_demo}"
jar="$root/vit4j-spark/target/vit4j-spark.jar"
[ -f "$jar" ] && [ -f "$root/vit4j-cli/target/vit4j.jar" ] || { echo "build first: mvn -B install -DskipTests" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/vit4j-spark-XXXXXX")"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Spark 3.5 on Java 17 (what its own launcher scripts add).
opens="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED \
--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"

echo "== Spark home from Maven's jars"
export SPARK_HOME="$work/spark-home"
mkdir -p "$SPARK_HOME/jars" "$SPARK_HOME/conf"
(cd "$root" && mvn -B -q -o -Dstyle.color=never dependency:build-classpath -pl vit4j-spark -Dmdep.includeScope=provided \
    -Dmdep.outputFile="$work/spark.classpath")
tr ':' '\n' < "$work/spark.classpath" | while read -r j; do ln -sf "$j" "$SPARK_HOME/jars/"; done
printf 'rootLogger.level = warn\nrootLogger.appenderRef.stderr.ref = console\nappender.console.type = Console\nappender.console.name = console\nappender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %%d{HH:mm:ss} %%p %%c{1}: %%m%%n\nlogger.deploy.name = org.apache.spark.deploy\nlogger.deploy.level = info\n' \
    > "$SPARK_HOME/conf/log4j2.properties"
# What Spark's launcher (used by the workers to start executors) looks for in a distribution.
echo "Spark $(ls "$SPARK_HOME/jars" | sed -n 's/^spark-core_2.13-\(.*\)\.jar$/\1/p') from Maven" > "$SPARK_HOME/RELEASE"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_CONF_DIR="$SPARK_HOME/conf" SPARK_SCALA_VERSION=2.13
# shellcheck disable=SC2206 # $opens is split into its options on purpose
spark=(java $opens -Dlog4j2.configurationFile="$SPARK_HOME/conf/log4j2.properties" -cp "$SPARK_HOME/jars/*")

echo "== $count shapes images"
core_cp="$root/vit4j-cli/target/vit4j.jar"
java -cp "$core_cp" "$root/tools/ShapesFolder.java" "$work/shapes" "$count" 32

echo "== master and two workers on 127.0.0.1"
"${spark[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0 > "$work/master.log" 2>&1 &
pids+=($!)
master=""
for _ in $(seq 1 120); do
    master="$(grep -o 'spark://127.0.0.1:[0-9]*' "$work/master.log" | head -1 || true)"
    [ -n "$master" ] && break
    sleep 0.5
done
[ -n "$master" ] || { cat "$work/master.log" >&2; echo "the master did not start" >&2; exit 1; }
echo "master $master"
for w in 1 2; do
    "${spark[@]}" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 2g --webui-port 0 \
        --work-dir "$work/worker$w" "$master" > "$work/worker$w.log" 2>&1 &
    pids+=($!)
done
for _ in $(seq 1 120); do
    [ "$(grep -c 'Registering worker' "$work/master.log" || true)" -ge 2 ] && break
    sleep 0.5
done
grep 'Registering worker' "$work/master.log" | sed 's/^/  /'

echo "== spark-submit eval (2 executors × 1 core)"
start=$(date +%s.%N)
"${spark[@]}" org.apache.spark.deploy.SparkSubmit --master "$master" --deploy-mode client --class dev.vit4j.spark.Main \
    --conf spark.driver.host=127.0.0.1 --conf spark.executor.cores=1 --conf spark.cores.max=2 \
    --conf spark.executor.memory=1536m --conf "spark.executor.extraJavaOptions=$opens" \
    "$jar" eval -m "$model" -i "$work/shapes/val" -o "$work/scores.parquet" --report "$work/spark-report" --partitions 8
end=$(date +%s.%N)
echo "spark eval: $(echo "$end - $start" | bc) s wall (JVM start, executors, $count images)"

echo "== vit4j eval on the same folder"
"$root/vit4j" eval -w "$model" --data "folder:$work/shapes" -o "$work/cli-report" --threads 2

echo "== comparison"
python3 - "$work/spark-report/eval.json" "$work/cli-report/eval.json" <<'PY'
import json, sys
s, c = (json.load(open(p)) for p in sys.argv[1:3])
ok = s["images"] == c["images"] and s["top1"] == c["top1"] and s["top5"] == c["top5"] \
    and abs(s["loss"] - c["loss"]) < 1e-9 and s["per_class_accuracy"] == c["per_class_accuracy"]
for k in ("images", "top1", "top5", "loss"):
    print(f"  {k:6} spark {s[k]!r:22} vit4j eval {c[k]!r}")
print("  per-class accuracy", "equal" if s["per_class_accuracy"] == c["per_class_accuracy"] else "DIFFERENT")
sys.exit(0 if ok else 1)
PY
cmp "$work/spark-report/confusion_matrix.csv" "$work/cli-report/confusion_matrix.csv" && echo "  confusion_matrix.csv identical"
if [ "${BENCH:-0}" = 1 ]; then
    rounds="${ROUNDS:-3}"
    shapes_n="${SHAPES_IMAGES:-20000}"
    echo "== benchmark: predict, images/s = (N - 16) / (T(N images) - T(16 images)), $rounds rounds, medians"
    timed() { local s e; s=$(date +%s.%N); "$@" > "$work/timed.log" 2>&1 || { cat "$work/timed.log" >&2; exit 1; }
        e=$(date +%s.%N); echo "$e - $s" | bc; }
    submit() { # EVENT_LOG_DIR SPARK_SUBMIT_ARGS...
        local events=$1; shift; mkdir -p "$events"
        "${spark[@]}" org.apache.spark.deploy.SparkSubmit --deploy-mode client --class dev.vit4j.spark.Main \
        --conf spark.driver.host=127.0.0.1 --conf spark.executor.cores=1 --conf spark.cores.max=2 \
        --conf spark.executor.memory=1536m --conf "spark.executor.extraJavaOptions=$opens" \
        --conf spark.eventLog.enabled=true --conf "spark.eventLog.dir=$events" "$@"; }
    bench_set() { # NAME MODEL_DIR DIR_OF_N_IMAGES
        local name=$1 dir=$2 big=$3 small="$work/$1-16" r n d total
        mkdir -p "$small"
        mapfile -t all < <(find "$big" -type f | sort)
        cp "${all[@]:0:16}" "$small/"
        total=${#all[@]}
        for r in $(seq 1 "$rounds"); do
            local line="  $name round $r:"
            declare -A t=()
            for n in 16 "$total"; do
                d=$([ "$n" = 16 ] && echo "$small" || echo "$big")
                find "$d" -type f | sort > "$work/files.args" # a picocli @-file: 20 000 paths overflow a command line
                t[jvm$n]=$(timed "$root/vit4j" predict -w "$dir" --threads 2 --batch-size 16 --json "@$work/files.args")
                t[local$n]=$(timed submit "$work/events/$name/local-$n-$r" --master "local[2]" "$jar" predict \
                    -m "$dir" -i "$d" -o "$work/p.parquet" --batch-size 16 --partitions 2)
                t[cluster$n]=$(timed submit "$work/events/$name/cluster-$n-$r" --master "$master" "$jar" predict \
                    -m "$dir" -i "$d" -o "$work/p.parquet" --batch-size 16 --partitions 2)
            done
            for k in jvm local cluster; do
                local rate; rate=$(echo "($total - 16) / (${t[$k$total]} - ${t[${k}16]})" | bc -l)
                echo "$name $k $r $total ${t[${k}16]} ${t[$k$total]} $rate" >> "$work/bench.tsv"
                line+=$(printf '  %s %.1f' "$k" "$rate")
            done
            echo "$line images/s"
        done
    }
    java -cp "$core_cp" "$root/tools/ShapesFolder.java" "$work/bshapes" "$shapes_n" 32 7 > /dev/null
    bench_set shapes "$model" "$work/bshapes/val"
    anchors="$root/../shared/anchors"
    if [ -f "$anchors/deit_tiny_patch16_224.safetensors" ]; then
        java -cp "$core_cp" "$root/tools/ModelDirectory.java" deit_tiny_patch16_224 \
            "$anchors/deit_tiny_patch16_224.safetensors" "$work/deit"
        mkdir -p "$work/photos"
        mapfile -t photos < <(find "$root/vit4j-core/src/test/resources/fixtures/images" -name '*.png' -o -name '*.jpg' | sort)
        for i in $(seq 0 1999); do p="${photos[$((i % ${#photos[@]}))]}"; cp "$p" "$work/photos/$i.${p##*.}"; done
        bench_set deit-photos "$work/deit" "$work/photos"
    else
        echo "  (no ../shared/anchors: the DeiT-Ti photo set is skipped)"
    fi
    echo "== medians over $rounds rounds (T in s; images/s; Spark's = its median / one JVM's median)"
    if [ -n "${BENCH_OUT:-}" ]; then mkdir -p "$BENCH_OUT" && cp -r "$work/bench.tsv" "$work/events" "$BENCH_OUT/"; fi
    python3 "$root/tools/spark_bench_summary.py" "$work/bench.tsv" "$work/events"
fi
echo "== done: everything started here is stopped on exit"
