package org.ldm4j.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line parses, and every command and subcommand prints its help; nothing here starts ND4J. */
class MainTest {

    /** Exit code, stdout and stderr of one run. */
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("Usage: ldm4j"), r.out());
        assertTrue(r.out().contains("bench"), r.out());
        assertTrue(r.out().contains("Examples:"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void everyCommandAndSubcommandPrintsItsHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        assertTrue(paths.contains(List.of("bench", "ops")), paths.toString());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), path + ": " + r.err());
            String usage = "Usage: ldm4j" + (path.isEmpty() ? "" : " " + String.join(" ", path));
            assertTrue(r.out().contains(usage), path + ":\n" + r.out());
            assertEquals("", r.err(), path.toString());
        }
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
        into.add(List.copyOf(path));
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            collect(e.getValue(), p, into);
        }
    }

    @Test
    void benchOpsHelpDescribesItsOptions() {
        Run r = run("bench", "ops", "--help");
        for (String opt : List.of("--reps", "--warmup", "--tiny-iters", "--quick", "--out")) {
            assertTrue(r.out().contains(opt), opt + " in\n" + r.out());
        }
        assertEquals(run("bench", "--help").out(), run("help", "bench").out(),
                "the help command shows the same page");
    }

    @Test
    void versionNamesLdm4jAndJava() {
        Run r = run("--version");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("ldm4j "), r.out());
        assertFalse(r.out().contains("${"), r.out());
        assertTrue(r.out().contains("Java " + System.getProperty("java.version")), r.out());
        assertEquals(r.out(), run("bench", "ops", "--version").out());
    }

    @Test
    void aMissingCommandShowsTheUsageAndExitsWithAUsageError() {
        Run r = run();
        assertEquals(CommandLine.ExitCode.USAGE, r.exit());
        assertTrue(r.err().contains("missing command") && r.err().contains("Usage: ldm4j"), r.err());
        Run bench = run("bench");
        assertEquals(CommandLine.ExitCode.USAGE, bench.exit());
        assertTrue(bench.err().contains("ldm4j bench ops"), bench.err());
        assertEquals("", r.out() + bench.out());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Run unknown = run("bench", "ops", "--frobnicate");
        assertEquals(CommandLine.ExitCode.USAGE, unknown.exit());
        assertTrue(unknown.err().contains("--frobnicate"), unknown.err());

        Run notANumber = run("bench", "ops", "--reps", "many");
        assertEquals(CommandLine.ExitCode.USAGE, notANumber.exit());
        assertTrue(notANumber.err().contains("many"), notANumber.err());

        Run zero = run("bench", "ops", "--reps", "0");       // rejected before any benchmark runs
        assertEquals(CommandLine.ExitCode.USAGE, zero.exit());
        assertTrue(zero.err().contains("--reps: expected >= 1, got 0"), zero.err());

        Run nope = run("frobnicate");
        assertEquals(CommandLine.ExitCode.USAGE, nope.exit());
        assertTrue(nope.err().contains("frobnicate"), nope.err());
    }
}
