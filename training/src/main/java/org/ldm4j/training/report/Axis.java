package org.ldm4j.training.report;

import java.util.ArrayList;
import java.util.List;

/**
 * One axis of a {@link LossCurve}: a padded range in plot space (log10 of the value on a logarithmic axis), the
 * position of a value in it, and tick positions at round values with their labels.
 */
final class Axis {
    private final double lo;
    private final double hi;
    private final boolean log;
    private final double minTickStep;

    private Axis(double lo, double hi, boolean log, double minTickStep) {
        this.lo = lo;
        this.hi = hi;
        this.log = log;
        this.minTickStep = minTickStep;
    }

    /**
     * A linear axis over [min, max] widened by {@code pad} of its length each side (a single value: by 10% of it),
     * with ticks at least {@code minTickStep} apart (1 for steps, so that ticks fall on whole steps; 0 for any).
     */
    static Axis linear(double min, double max, double pad, double minTickStep) {
        double d = min == max ? (min == 0 ? 1 : Math.abs(min) * 0.1) : (max - min) * pad;
        return new Axis(min - d, max + d, false, minTickStep);
    }

    /** A logarithmic axis over log10 values [min, max], widened by 5% each side (a single value: by 0.1 decades). */
    static Axis log(double min, double max) {
        double d = min == max ? 0.1 : (max - min) * 0.05;
        return new Axis(min - d, max + d, true, 0);
    }

    /** Where {@code v} (in plot space) lies: 0 at the low end, 1 at the high end. */
    double fraction(double v) {
        return (v - lo) / (hi - lo);
    }

    /**
     * About {@code target} ticks (plot space) at round values: 1, 2 or 5 times a power of ten apart on a linear axis;
     * on a logarithmic axis powers of ten (every few decades if there are many), with 2 and 5 times them added when
     * there are few, or linear round values when the axis spans less than a decade.
     */
    double[] ticks(int target) {
        if (!log) {
            return linearTicks(lo, hi, target, minTickStep);
        }
        if (hi - lo < 1) {
            double[] t = linearTicks(Math.pow(10, lo), Math.pow(10, hi), target, 0);
            for (int i = 0; i < t.length; i++) {
                t[i] = Math.log10(t[i]);
            }
            return t;
        }
        List<Double> decades = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        for (long k = (long) Math.floor(lo); k <= (long) Math.ceil(hi); k++) {
            for (double m : new double[] {1, 2, 5}) {
                double t = k + Math.log10(m);
                if (t >= lo && t <= hi) {
                    all.add(t);
                    if (m == 1) {
                        decades.add(t);
                    }
                }
            }
        }
        if (decades.size() < 3 && all.size() <= 2 * target) {
            return unbox(all);
        }
        int stride = (int) Math.ceil(decades.size() / (double) target);
        List<Double> every = new ArrayList<>();
        for (double t : decades) {
            if (Math.floorMod(Math.round(t), stride) == 0) {
                every.add(t);
            }
        }
        return unbox(every);
    }

    /** A tick's label: the value in at most 4 significant digits ({@code 0.05}, {@code 1.0e-04}). */
    String label(double tick) {
        return Format.number(log ? Math.pow(10, tick) : tick);
    }

    /** Ticks at multiples of 1, 2 or 5 times a power of ten (at least {@code minStep}), about {@code target} of them. */
    static double[] linearTicks(double lo, double hi, int target, double minStep) {
        double raw = (hi - lo) / Math.max(1, target);
        if (!(raw > 0) || !Double.isFinite(raw)) {
            return new double[0];
        }
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / mag;
        double step = Math.max(minStep, (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag);
        long first = (long) Math.ceil(lo / step - 1e-9);
        long last = (long) Math.floor(hi / step + 1e-9);
        List<Double> out = new ArrayList<>();
        for (long k = first; k <= last && out.size() < 1000; k++) {
            double t = k * step;
            out.add(Math.abs(t) < step * 1e-9 ? 0.0 : t);
        }
        return unbox(out);
    }

    private static double[] unbox(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
