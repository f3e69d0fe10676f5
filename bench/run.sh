#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and its chart: builds the bench module, exports the reference models, then runs
# OrtSideBySide (helu4j vs ONNX Runtime), PeakFlops and the JMH benchmarks, and writes the report.
#
#   bench/run.sh full    # the real run (about 35-45 minutes on 2 cores): BENCHMARKS.md, bench/charts/ort-ratio.png
#   bench/run.sh quick   # smoke check (about 2 minutes): bench/target/results-quick/BENCHMARKS.md, never the root one
#
# Measurement hygiene: a full run refuses to start while a training job (tools/train) runs on this machine,
# unless BENCH_FORCE=1 (the report then says so). Run nothing else heavy meanwhile.
# Knobs: JAVA_HOME (default: Temurin 25), BENCH_ITER_TIME (JMH iteration time, default 500ms),
#        BENCH_SKIP (space-separated steps to skip: ort peak gemm conv act model),
#        BENCH_DEADLINE (a time, e.g. "04:20 UTC": steps not started by then are skipped, and the report says so).
set -euo pipefail
MODE="${1:-full}"
case "$MODE" in full|quick) ;; *) echo "usage: bench/run.sh [full|quick]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
JAR=bench/target/benchmarks.jar
SKIP=" ${BENCH_SKIP:-} "
DEADLINE=$([[ -n "${BENCH_DEADLINE:-}" ]] && date -d "$BENCH_DEADLINE" +%s || echo 0)
LATE=()
skip() {
  [[ "$SKIP" == *" $1 "* ]] && return 0
  if (( DEADLINE > 0 && $(date +%s) >= DEADLINE )); then LATE+=("$1"); return 0; fi
  return 1
}

training() { pgrep -af 'tools/train/(train|grid)\.py' | grep -v pgrep || true; }
if [[ "$MODE" == full && -n "$(training)" && "${BENCH_FORCE:-0}" != 1 ]]; then
  echo "A training job is running; a full benchmark now would measure contention, not helu4j:" >&2
  training >&2
  echo "Wait for it to finish (or set BENCH_FORCE=1 and say so next to the numbers)." >&2
  exit 3
fi

if [[ "$MODE" == full ]]; then
  OUT=bench/target/results; MD=BENCHMARKS.md; CHART=bench/charts/ort-ratio.png
  JMH_RUN=(-f 2 -wi 5 -i 5 -w "${BENCH_ITER_TIME:-500ms}" -r "${BENCH_ITER_TIME:-500ms}")
  SETTLE_S=30
  ORT_RUN=(--batches 1,8 --threads 1,2 --warmup-s 1 --measure-s 3 --min-iters 5)
  PEAK_S=5
else
  OUT=bench/target/results-quick; MD=$OUT/BENCHMARKS.md; CHART=$OUT/ort-ratio.png
  JMH_RUN=(-f 1 -wi 1 -i 1 -w 100ms -r 100ms)
  SETTLE_S=2
  ORT_RUN=(--batches 1 --threads 1 --warmup-s 0.2 --measure-s 0.3 --min-iters 2 --cold-jvms 1 --load-warmup-s 0.5 --load-repeats 3)
  PEAK_S=0.5
fi
rm -rf "$OUT"; mkdir -p "$OUT"

echo "== build"
./mvnw -q -pl bench -am package -Dmaven.test.skip=true
echo "== reference models"
/usr/bin/python3 tools/bench/export_reference_models.py bench/target/models 2>&1 | grep -v -i warning || true

# Shipped models: the first file (sorted) per architecture and activation.
SHIPPED=()
for dir in models/*/; do
  for act in relu helu gelu; do
    f=$(ls "$dir"*.onnx 2>/dev/null | grep -E -- "-$act([-.])" | sort | head -1 || true)
    [[ -n "$f" ]] && SHIPPED+=("$f")
  done
done
REFERENCE=(bench/target/models/resnet18.onnx bench/target/models/mobilenet_v2.onnx bench/target/models/wrn16_4.onnx)
if [[ "$MODE" == quick ]]; then
  ALL=(bench/target/models/wrn16_4.onnx ${SHIPPED[0]:+"${SHIPPED[0]}"})
  JMH_MODELS=bench/target/models/wrn16_4.onnx
else
  ALL=(${SHIPPED[@]+"${SHIPPED[@]}"} "${REFERENCE[@]}")
  JMH_MODELS=$(IFS=,; echo "${ALL[*]}")
fi

{
  echo "command=bench/run.sh $MODE"
  echo "mode=$MODE"
  echo "Git commit=$(git rev-parse --short HEAD)$(git diff --quiet -- engine 2>/dev/null || echo ' (engine/ has uncommitted changes)')"
  echo "Load average at start (1/5/15 min)=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Training running at start=$([[ -n "$(training)" ]] && echo 'YES: numbers are contended' || echo no)"
  echo "Models=${ALL[*]}"
  echo "JMH settings=${JMH_RUN[*]} -prof gc"
  echo "OrtSideBySide settings=${ORT_RUN[*]}"
} > "$OUT/conditions.properties"

jmh() {  # name, then JMH arguments
  local name=$1; shift
  echo "== JMH $name"
  "$JAVA" -jar "$JAR" "$@" "${JMH_RUN[@]}" -prof gc -rf csv -rff "$OUT/jmh-$name.csv" > "$OUT/jmh-$name.log" 2>&1 || true
  grep -E '^(Benchmark|[A-Z][A-Za-z]+Bench\.[a-zA-Z]+ )' "$OUT/jmh-$name.log" || true
  [[ -s "$OUT/jmh-$name.csv" ]] || echo "JMH $name wrote no results: see $OUT/jmh-$name.log" >&2
}
# ModelBench's setup settles the JIT first and appends each fork's steady-state heap bytes per run here.
rm -f "$OUT/settle.csv"
SETTLE=(-jvmArgsPrepend "-Dhelu4j.bench.settleOut=$OUT/settle.csv -Dhelu4j.bench.settleSeconds=$SETTLE_S")
shapes() { "$JAVA" "${FLAGS[@]}" -cp "$JAR" org.helu4j.bench.Shapes "$@" 2>/dev/null; }

# One JVM per model, as JMH forks one per benchmark: a JVM that has run other models first runs the next one up to
# 30% slower (the JIT's profiles of the shared kernels mix every model's shapes and paths); see README.
ort_model() {  # one model's side-by-side rows, appended to ort.csv
  "$JAVA" "${FLAGS[@]}" -cp "$JAR" org.helu4j.bench.OrtSideBySide "${ORT_RUN[@]}" --out "$OUT/ort-one.csv" "$1" 2>&1 \
    | grep -v '^WARNING' | tee -a "$OUT/ort.log"
  [[ -s "$OUT/ort-one.csv" ]] || return 0
  if [[ -s "$OUT/ort.csv" ]]; then tail -n +2 "$OUT/ort-one.csv" >> "$OUT/ort.csv"; else cp "$OUT/ort-one.csv" "$OUT/ort.csv"; fi
  rm -f "$OUT/ort-one.csv"
}
skip ort || { echo "== OrtSideBySide (one JVM per model)"; for m in "${ALL[@]}"; do ort_model "$m"; done; }
skip peak || { echo "== PeakFlops"; "$JAVA" "${FLAGS[@]}" -cp "$JAR" org.helu4j.bench.PeakFlops --seconds "$PEAK_S" --out "$OUT/peak.csv"; }
if [[ "$MODE" == full ]]; then
  skip gemm || jmh gemm-plain 'GemmBench\.' -p layout=plain
  skip gemm || jmh gemm-packed 'GemmBench\.' -p layout=packed -p shape="$(shapes gemm '^square|fc')"
  skip act || jmh act 'ActivationBench\.'
  skip conv || jmh conv 'ConvBench\.' -p relu=false
  skip conv || jmh conv-relu 'ConvBench\.' -p relu=true -p shape="$(shapes conv '^(cnn|wrn)-')"
  skip model || jmh model 'ModelBench\.' -p model="$JMH_MODELS" "${SETTLE[@]}"
else
  skip gemm || jmh gemm 'GemmBench\.' -p shape=square:256x256x256,square:512x512x512 -p layout=plain,packed
  skip conv || jmh conv 'ConvBench\.' -p shape="$(shapes conv '^cnn-conv2')" -p relu=false,true
  skip act || jmh act 'ActivationBench\.' -p n=65536
  skip model || jmh model 'ModelBench\.' -p model="$JMH_MODELS" -p batch=1 -p threads=1 "${SETTLE[@]}"
fi
{
  echo "Load average at end (1/5/15 min)=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Training running at end=$([[ -n "$(training)" ]] && echo 'YES: numbers are contended' || echo no)"
  [[ ${#LATE[@]} -gt 0 ]] && echo "Steps not run (deadline $BENCH_DEADLINE reached)=${LATE[*]}"
  [[ -n "${SKIP// /}" ]] && echo "Steps skipped on request=${SKIP}"
  true
} >> "$OUT/conditions.properties"

echo "== report"
"$JAVA" "${FLAGS[@]}" -cp "$JAR" org.helu4j.bench.BenchReport "$OUT" "$MD" "$CHART"
