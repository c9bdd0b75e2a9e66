package org.ldm4j.training.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.io.Json;

class MetricsLogTest {
    @TempDir
    Path dir;
    private long now = 123_000_000_000L;   // the fake clock, in nanoseconds

    private Path file() {
        return dir.resolve("run").resolve(MetricsLog.FILE_NAME);
    }

    private static Map<String, Double> metrics(double loss, double lr) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("lr", lr);
        return m;
    }

    /** Logs steps {@code from..to}, half a second apart, with loss {@code 1 / step}. */
    private void logSteps(MetricsLog log, int from, int to) throws IOException {
        for (int step = from; step <= to; step++) {
            now += 500_000_000L;
            log.log(step, metrics(1.0 / step, 1e-4));
        }
    }

    private static List<Long> steps(List<MetricsLog.Entry> entries) {
        return entries.stream().map(MetricsLog.Entry::step).toList();
    }

    @Test
    void linesAreWrittenFlushedAndReadBack() throws IOException {
        try (MetricsLog log = MetricsLog.create(file(), () -> now)) {
            now += 500_000_000L;
            log.log(1, metrics(0.0812, 1e-4));
            // written through before close: a kill now keeps the line
            assertEquals(List.of("{\"step\":1,\"time\":0.5,\"loss\":0.0812,\"lr\":1.0E-4}"),
                    Files.readAllLines(file()));
            logSteps(log, 2, 3);
        }
        List<MetricsLog.Entry> entries = MetricsLog.read(file());
        assertEquals(List.of(1L, 2L, 3L), steps(entries));
        assertEquals(1.5, entries.get(2).time());
        assertEquals(List.of("loss", "lr"), List.copyOf(entries.get(0).metrics().keySet()), "file order kept");
        assertEquals(0.0812, entries.get(0).metrics().get("loss"));
        assertEquals(1.0 / 3, entries.get(2).metrics().get("loss"), "doubles round-trip exactly");
        assertEquals(1e-4, entries.get(2).metrics().get("lr"));
    }

    @Test
    void nanAndInfinitiesAreWrittenAsNullAndReadAsNan() throws IOException {
        try (MetricsLog log = MetricsLog.create(file(), () -> now)) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("nan", Double.NaN);
            m.put("inf", Double.POSITIVE_INFINITY);
            m.put("ninf", Double.NEGATIVE_INFINITY);
            m.put("ok", 2.0);
            log.log(7, m);
        }
        String line = Files.readAllLines(file()).get(0);
        assertEquals("{\"step\":7,\"time\":0.0,\"nan\":null,\"inf\":null,\"ninf\":null,\"ok\":2.0}", line);
        assertThrows(Json.ParseException.class, () -> Json.parse("{\"loss\":NaN}"), "NaN would not be JSON");
        Json.ParseException none = null;
        try {
            Json.parse(line);
        } catch (Json.ParseException e) {
            none = e;
        }
        assertEquals(null, none, "the line is strict JSON");
        Map<String, Double> back = MetricsLog.read(file()).get(0).metrics();
        assertTrue(back.get("nan").isNaN() && back.get("inf").isNaN() && back.get("ninf").isNaN(), back.toString());
        assertEquals(2.0, back.get("ok"));
    }

    @Test
    void resumeDropsTheStepsFromTheResumeStepOnAndAppends() throws IOException {
        try (MetricsLog log = MetricsLog.create(file(), () -> now)) {
            logSteps(log, 1, 10);          // time 0.5 .. 5.0
        }
        now += 60_000_000_000L;            // the crash and restart take a minute, which does not count
        try (MetricsLog log = MetricsLog.resume(file(), 6, () -> now)) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), steps(MetricsLog.read(file())), "rewritten before appending");
            logSteps(log, 6, 8);
        }
        List<MetricsLog.Entry> entries = MetricsLog.read(file());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps(entries));
        assertEquals(2.5, entries.get(4).time());
        assertEquals(3.0, entries.get(5).time(), "time continues from the last kept line");
        assertEquals(1.0 / 6, entries.get(5).metrics().get("loss"));
        assertEquals(List.of(), Stream.of(dir.resolve("run").toFile().list()).filter(n -> n.endsWith(".tmp"))
                .toList(), "no temporary file left");
    }

    @Test
    void resumeWithNothingToDropLeavesTheFileAsItIs() throws IOException {
        try (MetricsLog log = MetricsLog.create(file(), () -> now)) {
            logSteps(log, 1, 4);
        }
        byte[] before = Files.readAllBytes(file());
        MetricsLog.resume(file(), 5, () -> now).close();
        assertArrayEquals(before, Files.readAllBytes(file()));
    }

    @Test
    void aLastLineCutShortByAKillIsDropped() throws IOException {
        try (MetricsLog log = MetricsLog.create(file(), () -> now)) {
            logSteps(log, 1, 5);
        }
        // kill -9 in the middle of a write; the cut also splits a two-byte character
        byte[] cut = "{\"step\":6,\"time\":3.0,\"λoss\":0.1".getBytes(StandardCharsets.UTF_8);
        Files.write(file(), java.util.Arrays.copyOf(cut, 23), StandardOpenOption.APPEND);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), steps(MetricsLog.read(file())));
        try (MetricsLog log = MetricsLog.resume(file(), 100, () -> now)) {
            logSteps(log, 100, 100);
        }
        List<String> lines = Files.readAllLines(file());
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(5).startsWith("{\"step\":100,"), lines.get(5));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 100L), steps(MetricsLog.read(file())));
    }

    @Test
    void aCompleteLastLineWithoutItsNewlineIsKept() throws IOException {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), "{\"step\":1,\"time\":0.5,\"loss\":1.0}\n{\"step\":2,\"time\":1.0,\"loss\":0.5}");
        assertEquals(List.of(1L, 2L), steps(MetricsLog.read(file())));
        try (MetricsLog log = MetricsLog.resume(file(), 3, () -> now)) {
            log.log(3, Map.of("loss", 0.25));
        }
        assertEquals(List.of(1L, 2L, 3L), steps(MetricsLog.read(file())));
        assertEquals(3, Files.readAllLines(file()).size());
    }

    @Test
    void aBadLineBeforeTheLastIsAnError() throws IOException {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), "{\"step\":1,\"time\":0.5,\"loss\":1.0}\n{\"step\":2,\"ti\n{\"step\":3,\"time\":1.5}\n");
        IOException e = assertThrows(IOException.class, () -> MetricsLog.read(file()));
        assertTrue(e.getMessage().contains(" line 2: expected an entry {\"step\": <integer>"), e.getMessage());
        assertTrue(e.getMessage().contains("the JSON is invalid"), e.getMessage());
        assertThrows(IOException.class, () -> MetricsLog.resume(file(), 10, () -> now));

        Files.writeString(file(), "{\"step\":1,\"loss\":true}\n{\"step\":2}\n");
        e = assertThrows(IOException.class, () -> MetricsLog.read(file()));
        assertTrue(e.getMessage().contains("line 1: ") && e.getMessage().contains("\"loss\" is true, not a number or null"),
                e.getMessage());
        Files.writeString(file(), "{\"loss\":1.0}\n{\"step\":2}\n");
        e = assertThrows(IOException.class, () -> MetricsLog.read(file()));
        assertTrue(e.getMessage().contains("\"step\" is missing"), e.getMessage());
    }

    @Test
    void otherWritersNullsAndNanStringsReadAsNumbers() throws IOException {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), "{\"step\":1,\"time\":0.5,\"a\":null,\"b\":\"NaN\",\"c\":\"-Infinity\",\"d\":3}\n");
        Map<String, Double> m = MetricsLog.read(file()).get(0).metrics();
        assertTrue(m.get("a").isNaN() && m.get("b").isNaN(), m.toString());
        assertEquals(Double.NEGATIVE_INFINITY, m.get("c"));
        assertEquals(3.0, m.get("d"));
    }

    @Test
    void resumeWithoutAFileStartsOneAndCreateReplacesOne() throws IOException {
        try (MetricsLog log = MetricsLog.resume(file(), 50, () -> now)) {
            log.log(50, Map.of("loss", 1.0));
        }
        assertEquals(List.of(50L), steps(MetricsLog.read(file())));
        try (MetricsLog log = MetricsLog.create(file(), () -> now)) {
            log.log(1, Map.of("loss", 1.0));
        }
        assertEquals(List.of(1L), steps(MetricsLog.read(file())));
        assertEquals(List.of(), MetricsLog.read(file()).get(0).metrics().keySet().stream()
                .filter(k -> k.equals("time")).toList());
    }

    @Test
    void misuseIsReportedClearly() throws IOException {
        MetricsLog log = MetricsLog.resume(file(), 5, () -> now);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.log(4, Map.of()));
        assertEquals("step: expected at least 5 (the previous line's step, or the resume step), got 4", e.getMessage());
        log.log(5, Map.of("train", 1.0));
        log.log(5, Map.of("val", 2.0));     // lines may share a step
        e = assertThrows(IllegalArgumentException.class, () -> log.log(6, Map.of("step", 1.0)));
        assertTrue(e.getMessage().startsWith("metrics: expected names other than \"step\" and \"time\""));
        Map<String, Double> nullValue = new LinkedHashMap<>();
        nullValue.put("loss", null);
        e = assertThrows(IllegalArgumentException.class, () -> log.log(6, nullValue));
        assertEquals("metrics: expected a value for \"loss\", got null", e.getMessage());
        log.close();
        log.close();
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> log.log(6, Map.of()));
        assertTrue(s.getMessage().contains("close()"), s.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricsLog.resume(file(), -1));
        assertEquals(2, MetricsLog.read(file()).size(), "no line was written by the refused calls");
    }
}
