package org.ldm4j.core.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times several variants of one computation side by side: every repetition runs each variant once, in an order
 * that rotates from one repetition to the next, so that a burst of machine noise (another process on a shared
 * core, a GC) hits all variants alike instead of ruining one of them.
 *
 * <pre>{@code
 * Interleaved t = new Interleaved(warmup, reps);
 * t.add("raw", () -> rawConv());
 * t.add("autograd", () -> ourConv());
 * t.run();
 * double ratio = t.median("autograd") / t.median("raw");   // milliseconds
 * }</pre>
 */
public final class Interleaved {
    private final int warmup;
    private final int repetitions;
    private final Map<String, Runnable> variants = new LinkedHashMap<>();
    private final Map<String, double[]> millis = new LinkedHashMap<>();

    public Interleaved(int warmup, int repetitions) {
        if (warmup < 0 || repetitions < 1) {
            throw new IllegalArgumentException("expected warmup >= 0 and repetitions >= 1, got warmup " + warmup
                    + ", repetitions " + repetitions);
        }
        this.warmup = warmup;
        this.repetitions = repetitions;
    }

    /** Adds a variant; {@code call} is one timed unit of work. */
    public Interleaved add(String name, Runnable call) {
        variants.put(name, call);
        return this;
    }

    /** Runs the warm-up calls, then the timed repetitions. */
    public Interleaved run() {
        List<String> names = new ArrayList<>(variants.keySet());
        int v = names.size();
        for (int r = 0; r < warmup; r++) {
            for (int i = 0; i < v; i++) {
                variants.get(names.get((r + i) % v)).run();
            }
        }
        for (String n : names) {
            millis.put(n, new double[repetitions]);
        }
        for (int r = 0; r < repetitions; r++) {
            for (int i = 0; i < v; i++) {
                String n = names.get((r + i) % v);
                Runnable call = variants.get(n);
                long t0 = System.nanoTime();
                call.run();
                millis.get(n)[r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return this;
    }

    /** The timings of one variant in milliseconds, in repetition order. */
    public double[] samples(String name) {
        double[] s = millis.get(name);
        if (s == null) {
            throw new IllegalStateException("no timings for '" + name + "': add it and call run() first");
        }
        return s.clone();
    }

    public double median(String name) {
        return median(samples(name));
    }

    public double min(String name) {
        return Arrays.stream(samples(name)).min().orElseThrow();
    }

    /**
     * The median over repetitions of {@code numerator / denominator} measured in the same repetition: the two
     * ran back to back, so the ratio is less noisy than the ratio of the medians.
     */
    public double pairedRatio(String numerator, String denominator) {
        double[] a = samples(numerator);
        double[] b = samples(denominator);
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return median(r);
    }

    /** {@code {median_ms, min_ms, max_ms}} of one variant, each divided by {@code perCall} and scaled. */
    public Map<String, Object> stats(String name, double perCall, double scale, String unit) {
        double[] s = samples(name);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_" + unit, round(median(s) / perCall * scale));
        m.put("min_" + unit, round(Arrays.stream(s).min().orElseThrow() / perCall * scale));
        m.put("max_" + unit, round(Arrays.stream(s).max().orElseThrow() / perCall * scale));
        return m;
    }

    /** {@link #stats} in milliseconds per call. */
    public Map<String, Object> statsMs(String name) {
        return stats(name, 1, 1, "ms");
    }

    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Four significant decimals past the point for reports (sub-microsecond detail is noise here). */
    public static double round(double x) {
        if (!Double.isFinite(x)) {
            return x;
        }
        return Math.round(x * 1e4) / 1e4;
    }
}
