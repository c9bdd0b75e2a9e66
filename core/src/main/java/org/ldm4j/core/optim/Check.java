package org.ldm4j.core.optim;

/**
 * Argument checks shared by the optimizers, schedules and clipping, so that errors read alike:
 * {@code lr: expected a finite number >= 0, found -0.1}.
 */
final class Check {
    private Check() {
    }

    /** A finite number {@code >= 0}. */
    static double nonNegative(String arg, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(arg + ": expected a finite number >= 0, found " + v);
        }
        return v;
    }

    /** A finite number {@code > 0}. */
    static double positive(String arg, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(arg + ": expected a finite number > 0, found " + v);
        }
        return v;
    }

    /** A number in {@code [0, 1)}, as Adam's betas. */
    static double halfOpenUnit(String arg, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(arg + ": expected a number in [0, 1), found " + v);
        }
        return v;
    }

    /** A number in {@code [0, 1]}. */
    static double closedUnit(String arg, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(arg + ": expected a number in [0, 1], found " + v);
        }
        return v;
    }

    /** A count {@code >= 0}. */
    static long nonNegative(String arg, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(arg + ": expected a number >= 0, found " + v);
        }
        return v;
    }
}
