package org.helu4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code infer} command line. With no arguments it runs the demo. */
@Command(name = "infer", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Run, evaluate, benchmark and inspect ONNX models with helu4j, a pure-Java inference engine.",
            "With no arguments: infer demo (ReLU vs HeLU vs GELU on the shipped models)."},
        subcommands = {DemoCommand.class, ClassifyCommand.class, EvalCommand.class, CompareCommand.class,
            InspectCommand.class, DeadUnitsCommand.class, BenchCommand.class, RunCommand.class, CommandLine.HelpCommand.class})
public final class Infer {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI in-process and returns its exit code (tests call this). */
    public static int run(String... args) {
        return Errors.install(new CommandLine(new Infer())).execute(args.length == 0 ? new String[] {"demo"} : args);
    }
}
