#!/usr/bin/env bash
# The long reliability runs (issue 6), on the engine's test classes. From the repository root:
#   tools/reliability/run.sh fuzz        [cases=100000] [seed=1] [conformanceSampleEvery=5] [findingsDir=engine/target/fuzz-findings]
#   tools/reliability/run.sh concurrency [model=golden CNN] [threads=8] [runsPerThread=1000]
#   tools/reliability/run.sh lifecycle   [cycles=10000] [model=golden CNN]
#   tools/reliability/run.sh replay      file.onnx...
# fuzz runs with a bounded heap (1 GiB), so that a heap allocation a file can force shows up as an OutOfMemoryError
# finding (off-heap tensors are capped per tensor by the engine at 2^30 elements, and the fuzzer skips runs whose
# tensors exceed its own budget); lifecycle runs under -XX:NativeMemoryTracking=summary and prints its figures.
# Each command exits non-zero if it found a problem (lifecycle: growth above 16 MB of heap or 8 MB native).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/find-jdk.sh
helu4j_find_jdk

what="${1:-}"
shift || true
cp_file=engine/target/reliability-classpath.txt
./mvnw -q -o -pl engine test-compile dependency:build-classpath -Dmdep.outputFile="$PWD/$cp_file" \
    -Dmdep.includeScope=test >/dev/null 2>&1 \
  || ./mvnw -q -pl engine test-compile dependency:build-classpath -Dmdep.outputFile="$PWD/$cp_file" \
    -Dmdep.includeScope=test >/dev/null
cp="engine/target/test-classes:engine/target/classes:$(cat "$cp_file")"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -cp "$cp")

case "$what" in
  fuzz)
    exec "$JAVA_HOME/bin/java" "${flags[@]}" -Xmx1g org.helu4j.reliability.FuzzMain \
        "${1:-100000}" "${2:-1}" "${3:-5}" "${4:-engine/target/fuzz-findings}" ;;
  replay)
    exec "$JAVA_HOME/bin/java" "${flags[@]}" -Xmx1g org.helu4j.reliability.FuzzMain replay "$@" ;;
  concurrency)
    exec "$JAVA_HOME/bin/java" "${flags[@]}" -Xmx1g org.helu4j.reliability.ConcurrencyMain "$@" ;;
  lifecycle)
    exec "$JAVA_HOME/bin/java" "${flags[@]}" -Xmx256m -XX:NativeMemoryTracking=summary \
        org.helu4j.reliability.LifecycleMain "$@" ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
