package org.helu4j.cli;

/** A user-facing failure whose message is the whole story. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message, null, false, false);
    }
}
