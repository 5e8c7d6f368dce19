#!/usr/bin/env bash
# Longer fuzzing campaigns with standalone Jazzer on every fuzz target of vit4j-core.
#   tools/fuzz.sh [SECONDS_PER_TARGET=300] [TARGET…]
# Corpora grow under target/fuzz-corpus/<Target>/; crashes land in target/fuzz-findings/ (add each one to
# vit4j-core/src/test/resources/dev/vit4j/fuzz/<Target>Inputs/<method>/ so it becomes a regression test).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(SafeTensorsFuzzTest IdxFuzzTest CifarFuzzTest ImageDecoderFuzzTest ModelConfigFuzzTest)
cd "$root"
mvn -B -q -o -pl vit4j-core test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath \
    -Dmdep.includeScope=test >/dev/null
cp="vit4j-core/target/test-classes:vit4j-core/target/classes:$(cat vit4j-core/target/test.classpath)"
mkdir -p target/fuzz-findings
for t in "${targets[@]}"; do
    corpus="target/fuzz-corpus/$t"
    mkdir -p "$corpus"
    echo "== $t: $seconds s" >&2
    java -Xmx2g -Dai.djl.offline=true -cp "$cp" com.code_intelligence.jazzer.Jazzer \
        --target_class="dev.vit4j.fuzz.$t" --instrumentation_includes='dev.vit4j.**' \
        -max_total_time="$seconds" -rss_limit_mb=4096 -artifact_prefix=target/fuzz-findings/ "$corpus" 2>&1 \
        | grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs|ERROR|Exception|crash-|INFO: Seed" || true
done
