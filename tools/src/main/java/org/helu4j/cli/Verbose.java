package org.helu4j.cli;

import picocli.CommandLine.Option;

/** The {@code --verbose} flag, mixed into every command. */
final class Verbose {
    @Option(names = {"-v", "--verbose"}, description = "Show stack traces and extra detail.")
    boolean verbose;
}
