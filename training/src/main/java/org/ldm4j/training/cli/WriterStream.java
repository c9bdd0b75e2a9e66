package org.ldm4j.training.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a {@code PrintStream} (UTF-8) into a picocli writer, line by line, so that library code that
 * reports on a {@code PrintStream} writes where the command's {@code getErr()} points (a test's capture too).
 */
final class WriterStream extends OutputStream {
    private final PrintWriter writer;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    WriterStream(PrintWriter writer) {
        this.writer = writer;
    }

    @Override
    public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
            flush();
        }
    }

    @Override
    public synchronized void flush() {
        if (line.size() > 0) {
            writer.write(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
        writer.flush();
    }

    /** Opens a UTF-8 print stream onto {@code writer}. */
    static java.io.PrintStream printStream(PrintWriter writer) {
        return new java.io.PrintStream(new WriterStream(writer), true, StandardCharsets.UTF_8);
    }
}
