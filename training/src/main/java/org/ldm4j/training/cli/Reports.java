package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.ldm4j.core.io.Json;
import picocli.CommandLine.Model.CommandSpec;

/** How every {@code ldm4j bench} command hands its report over: JSON on stdout, and into a file when asked. */
final class Reports {
    private Reports() {
    }

    static void emit(CommandSpec spec, String command, Map<String, Object> report, Path out) throws IOException {
        String json = Json.write(report);
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, json + System.lineSeparator());
            PrintWriter err = spec.commandLine().getErr();
            err.println(command + ": wrote " + out);
            err.flush();
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json);
        stdout.flush();
    }
}
