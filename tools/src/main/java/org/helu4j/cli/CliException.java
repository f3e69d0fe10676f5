package org.helu4j.cli;

/** A user-facing failure whose message is the whole story; the cause, if any, is shown with --verbose. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message, null, false, false);
    }

    CliException(String message, Throwable cause) {
        super(message, cause, false, true);
    }
}
