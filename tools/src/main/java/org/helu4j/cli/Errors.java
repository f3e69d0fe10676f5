package org.helu4j.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import org.helu4j.ModelFormatException;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on stderr and a non-zero exit: 1 for a failed command, 2 for bad usage.
 * The stack trace is shown only with {@code --verbose}.
 */
final class Errors {
    private Errors() {
    }

    static CommandLine install(CommandLine cli) {
        cli.setExecutionExceptionHandler(Errors::onError);
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("infer: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return 2;
        });
        return cli;
    }

    private static int onError(Exception ex, CommandLine cli, ParseResult parsed) {
        PrintWriter err = cli.getErr();
        err.println("infer: " + message(ex));
        if (isVerbose(parsed)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    static String message(Throwable ex) {
        if (ex instanceof NoSuchFileException e) {
            return e.getFile() + ": no such file";
        }
        if (ex instanceof FileNotFoundException || ex instanceof ModelFormatException || ex instanceof IOException
                || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof CliException) {
            return String.valueOf(ex.getMessage());
        }
        return "internal error: " + ex + " (run with --verbose for the stack trace)";
    }

    private static boolean isVerbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
