package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code ldm4j} command: {@code ldm4j <command> [<subcommand>] [options]}. Results go to stdout, progress and
 * logs to stderr; every command and subcommand answers {@code --help}.
 *
 * <pre>{@code
 * $ ./ldm4j --help
 * $ ./ldm4j --version
 * $ ./ldm4j bench ops --quick
 * $ ./ldm4j bench ops --reps 50 --out runs/bench-ops.json
 * }</pre>
 *
 * <p>In code and tests, {@link #commandLine()} builds the same command (set its out and err writers to
 * capture what it prints):
 *
 * <pre>{@code
 * StringWriter out = new StringWriter();
 * int exit = Main.commandLine().setOut(new PrintWriter(out)).execute("bench", "--help");
 * }</pre>
 */
@Command(name = "ldm4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Latent Diffusion Models (Rombach et al., CVPR 2022) in Java on ND4J.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {DemoCommand.class, TrainAutoencoderCommand.class, TrainLdmCommand.class, EncodeCommand.class,
            SampleCommand.class, InspectCommand.class, BenchCommand.class, HelpCommand.class},
        footer = {"", "Examples:",
                "  ldm4j bench ops --quick          smoke run of the op benchmark (seconds)",
                "  ldm4j bench ops --out ops.json   full op benchmark (minutes), also to a file",
                "  ldm4j bench ops --help           help for one subcommand"})
public final class Main implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** Without a command: the usage, on stderr, and the usage-error exit code. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("ldm4j: missing command");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /** The {@code ldm4j} command line, ready to {@code execute(args)}. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("ldm4j " + commandLine.getCommandName() + ": " + message(ex));
            if (!(ex instanceof IllegalArgumentException || ex instanceof IOException
                    || ex instanceof UncheckedIOException)) {
                ex.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return ExitCode.SOFTWARE;
        });
        return cl;
    }

    private static String message(Throwable ex) {
        return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** ldm4j's version (from the build), Java and the OS; does not start the array backend. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "ldm4j " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
                "OS " + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
            };
        }

        static String version() {
            return org.ldm4j.training.Version.get();
        }
    }
}
