package org.ldm4j.training.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now = 7_000_000_000L;    // the fake clock, in nanoseconds; any origin

    private Progress start(long total, long startStep) {
        return Progress.start("train-ldm", total, startStep, out, Progress.DEFAULT_INTERVAL, () -> now);
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static Map<String, Double> lossAndLr(double loss, double lr) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("lr", lr);
        return m;
    }

    @Test
    void aLineShowsStepPercentMetricsRateAndEta() {
        Progress p = start(2000, 0);
        for (int step = 1; step <= 3; step++) {
            now += 400_000_000L;             // 2.5 it/s
            p.update(step, lossAndLr(0.0812, 1e-4));
        }
        // (2000 - 3) / 2.5 = 798.8 s
        assertEquals(List.of("train-ldm  step 3/2000 (0%)  loss 0.0812  lr 1.0e-04  2.50 it/s  ETA 13m19s"), lines());
    }

    @Test
    void printsAtMostOncePerIntervalAndAlwaysOnTheLastStep() {
        Progress p = start(10, 0);
        for (int step = 1; step <= 10; step++) {
            now += 400_000_000L;
            p.update(step, Map.of());
        }
        // 1 s passes at steps 3 (1.2 s), 6 (2.4 s), 9 (3.6 s); step 10 is the last
        List<String> lines = lines();
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("train-ldm  step 3/10 (30%)  2.50 it/s  ETA 2.8s"), lines.get(0));
        assertTrue(lines.get(1).startsWith("train-ldm  step 6/10 (60%)"), lines.get(1));
        assertTrue(lines.get(2).startsWith("train-ldm  step 9/10 (90%)"), lines.get(2));
        assertEquals("train-ldm  step 10/10 (100%)  2.50 it/s  ETA 0.0s", lines.get(3));
        p.finish();
        assertEquals("train-ldm  finished at step 10/10: 10 steps in 4.0s, 2.50 it/s", lines().get(4));
    }

    @Test
    void aConfigurableIntervalAndZeroPrintsEveryUpdate() {
        Progress p = Progress.start("t", 100, 0, out, Duration.ZERO, () -> now);
        for (int step = 1; step <= 5; step++) {
            now += 1_000_000L;
            p.update(step, Map.of());
        }
        assertEquals(5, lines().size());
        bytes.reset();
        Progress q = Progress.start("t", 100, 0, out, Duration.ofSeconds(10), () -> now);
        for (int step = 1; step <= 30; step++) {
            now += 1_000_000_000L;
            q.update(step, Map.of());
        }
        assertEquals(3, lines().size(), "one line per 10 s over 30 s");
    }

    @Test
    void aResumedRunCountsOnlyTheStepsOfThisProcess() {
        Progress p = start(2000, 1000);
        now += 500_000_000L;
        p.update(1001, Map.of("loss", 0.5));
        now += 500_000_000L;
        p.update(1002, Map.of("loss", 0.25));
        // 2 steps in 1 s: 2 it/s, not 1002 it/s; (2000 - 1002) / 2 = 499 s left
        assertEquals(List.of("train-ldm  step 1002/2000 (50%)  loss 0.25  2.00 it/s  ETA 8m19s"), lines());
        p.finish();
        assertEquals("train-ldm  stopped at step 1002/2000: 2 steps in 1.0s, 2.00 it/s", lines().get(1));
    }

    @Test
    void theRateIsSmoothedTowardsTheNewSpeed() {
        Progress p = start(100_000, 0);
        long step = 0;
        for (int i = 0; i < 20; i++) {            // 2 it/s for 10 s
            now += 500_000_000L;
            p.update(++step, Map.of());
        }
        assertEquals(2.0, p.rate(), 1e-9);
        for (int i = 0; i < 4; i++) {             // now 4 it/s, for one interval
            now += 250_000_000L;
            p.update(++step, Map.of());
        }
        double first = p.rate();
        assertTrue(first > 2.0 && first < 4.0, "one interval at the new speed moves the rate part way: " + first);
        for (int i = 0; i < 200; i++) {
            now += 250_000_000L;
            p.update(++step, Map.of());
        }
        assertEquals(4.0, p.rate(), 0.01, "after 50 s at the new speed");
    }

    @Test
    void slowStepsAreShownAsSecondsPerStep() {
        Progress p = start(100, 0);
        now += 4_000_000_000L;
        p.update(1, Map.of());
        assertEquals("train-ldm  step 1/100 (1%)  4.00 s/it  ETA 6m36s", lines().get(0));
    }

    @Test
    void nanAndInfiniteMetricsArePrinted() {
        Progress p = start(10, 0);
        now += 2_000_000_000L;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", Double.NaN);
        m.put("grad", Double.POSITIVE_INFINITY);
        p.update(1, m);
        assertTrue(lines().get(0).contains("  loss nan  grad inf  "), lines().get(0));
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlace() {
        Progress p = new Progress("t", 1000, 0, out, Duration.ZERO, () -> now, true);
        now += 1_000_000_000L;
        p.update(1, Map.of("loss", 12.5));
        now += 1_000_000_000L;
        p.update(2, Map.of("loss", 1.0));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\n"), "no new line before finish: " + text);
        String[] frames = text.split("\r");
        assertEquals(3, frames.length);             // "", first, second
        assertEquals(frames[1].length(), frames[2].length(), "the shorter second line blanks the end of the first");
        assertTrue(frames[2].startsWith("t  step 2/1000 (0%)  loss 1  1.00 it/s"), frames[2]);
        p.finish();
        text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\nt  stopped at step 2/1000: 2 steps in 2.0s, 1.00 it/s" + System.lineSeparator()),
                text);
    }

    @Test
    void plainOutputHasNoCarriageReturns() {
        Progress p = start(5, 0);
        for (int step = 1; step <= 5; step++) {
            now += 1_000_000_000L;
            p.update(step, Map.of("loss", 1.0 / step));
        }
        p.finish();
        assertFalse(bytes.toString(StandardCharsets.UTF_8).contains("\r"));
        assertEquals(6, lines().size());
    }

    @Test
    void finishTwiceSummarisesOnceAndUpdateAfterFinishIsAnError() {
        Progress p = start(5, 0);
        p.finish();
        p.finish();
        assertEquals(1, lines().size());
        assertTrue(lines().get(0).startsWith("train-ldm  stopped at step 0/5: 0 steps in 0.0s"), lines().get(0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.update(1, Map.of()));
        assertTrue(e.getMessage().contains("finish()"), e.getMessage());
    }

    @Test
    void badArgumentsAreNamed() {
        assertMessage(() -> start(0, 0), "total: expected a positive number of steps, got 0");
        assertMessage(() -> start(10, 11), "startStep: expected 0 (a new run) to total = 10 (a resumed run), got 11");
        assertMessage(() -> start(10, -1), "startStep:");
        assertMessage(() -> Progress.start("t", 10, 0, out, Duration.ofSeconds(-1), () -> now), "interval:");
        Progress p = start(10, 2);
        assertMessage(() -> p.update(1, Map.of()), "step: expected 2 (the previous step) to 10 (the total), got 1");
        assertMessage(() -> p.update(11, Map.of()), "step: expected 2 (the previous step) to 10 (the total), got 11");
        Map<String, Double> nullValue = new LinkedHashMap<>();
        nullValue.put("loss", null);
        assertMessage(() -> p.update(3, nullValue), "metrics: expected names and values, got loss = null");
    }

    private static void assertMessage(Runnable r, String start) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    @Test
    void numbersDurationsAndRatesAreFormattedCompactly() {
        assertEquals("0.0812", Format.number(0.0812));
        assertEquals("0.08123", Format.number(0.081234));
        assertEquals("2", Format.number(2.0));
        assertEquals("1235", Format.number(1234.5));
        assertEquals("-0.5", Format.number(-0.5));
        assertEquals("0", Format.number(0));
        assertEquals("1.0e-04", Format.number(1e-4));
        assertEquals("2.5e-05", Format.number(2.5e-5));
        assertEquals("1.235e-05", Format.number(1.2345e-5));
        assertEquals("1.235e+04", Format.number(12345));
        assertEquals("nan", Format.number(Double.NaN));
        assertEquals("-inf", Format.number(Double.NEGATIVE_INFINITY));
        assertEquals("4.2s", Format.duration(4.24));
        assertEquals("45s", Format.duration(45.2));
        assertEquals("13m34s", Format.duration(814));
        assertEquals("2h05m09s", Format.duration(7509));
        assertEquals("?", Format.duration(Double.POSITIVE_INFINITY));
        assertEquals("2.31 it/s", Format.rate(2.3149));
        assertEquals("123 it/s", Format.rate(123.4));
        assertEquals("4.00 s/it", Format.rate(0.25));
        assertEquals("? it/s", Format.rate(0));
        assertEquals("1.5k", Format.steps(1500));
        assertEquals("2M", Format.steps(2e6));
    }
}
