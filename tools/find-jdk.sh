# Sourced by ./infer and .ci/run: exports JAVA_HOME as a JDK 25 or newer, or fails with a clear message.
# Order: $JAVA_HOME if it is 25+, then any JDK under /usr/lib/jvm (newest first), then `java` on the PATH.
helu4j_java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}

helu4j_find_jdk() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV) \
            "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
        candidate="${candidate%/}"
        [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
        major="$(helu4j_java_major "$candidate")"
        if [ -n "$major" ] && [ "${major%%.*}" -ge 25 ] 2>/dev/null; then
            export JAVA_HOME="$candidate"
            return 0
        fi
    done
    echo "helu4j needs a JDK 25 or newer (Vector API and FFM), and none was found in \$JAVA_HOME, /usr/lib/jvm or on the PATH." >&2
    echo "Install one (for example Temurin 25) and set JAVA_HOME to it." >&2
    return 1
}
