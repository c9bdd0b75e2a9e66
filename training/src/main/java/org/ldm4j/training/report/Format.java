package org.ldm4j.training.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Text for numbers, durations and rates, shared by {@link Progress} (log lines) and {@link LossCurve} (tick labels). */
final class Format {
    private Format() {
    }

    /**
     * A metric value in at most 4 significant digits: plain between 1e-3 and 1e4 with trailing zeros dropped
     * ({@code 0.0812}, {@code 2}, {@code 1235}), scientific otherwise ({@code 1.0e-04}, {@code 2.5e+06}); {@code 0},
     * {@code nan}, {@code inf}, {@code -inf}.
     */
    static String number(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        } else if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        } else if (x == 0) {
            return "0";
        }
        double a = Math.abs(x);
        if (a >= 1e-3 && a < 1e4) {
            BigDecimal d = new BigDecimal(x).round(new MathContext(4));
            if (d.abs().compareTo(BigDecimal.valueOf(10_000)) < 0) {
                return d.stripTrailingZeros().toPlainString();
            }
        }
        // "%.3e" gives 1.000e-04: drop the mantissa's trailing zeros but keep one decimal (1.0e-04, 2.5e-05)
        String s = String.format(Locale.ROOT, "%.3e", x);
        int e = s.indexOf('e');
        String mantissa = s.substring(0, e);
        while (mantissa.endsWith("0") && mantissa.charAt(mantissa.length() - 2) != '.') {
            mantissa = mantissa.substring(0, mantissa.length() - 1);
        }
        return mantissa + s.substring(e);
    }

    /** A step count for an axis: {@code 500}, {@code 1.5k}, {@code 20k}, {@code 1.2M}. */
    static String steps(double x) {
        double a = Math.abs(x);
        if (a >= 1e6) {
            return number(x / 1e6) + "M";
        } else if (a >= 1e3) {
            return number(x / 1e3) + "k";
        }
        return number(x);
    }

    /**
     * A duration in hours, minutes and seconds: {@code 4.2s} under 10 s, then {@code 45s}, {@code 13m34s},
     * {@code 2h05m09s}; {@code ?} when unknown (NaN or infinite).
     */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        double s = Math.max(0, seconds);
        if (s < 9.95) {
            return String.format(Locale.ROOT, "%.1fs", s);
        }
        long t = Math.round(s);
        long h = t / 3600;
        long m = t / 60 % 60;
        long sec = t % 60;
        if (h > 0) {
            return String.format(Locale.ROOT, "%dh%02dm%02ds", h, m, sec);
        } else if (m > 0) {
            return String.format(Locale.ROOT, "%dm%02ds", m, sec);
        }
        return sec + "s";
    }

    /** A rate in 3 significant digits: {@code 2.31 it/s}, or {@code 4.20 s/it} when slower than one step a second. */
    static String rate(double stepsPerSecond) {
        if (!(stepsPerSecond > 0) || Double.isInfinite(stepsPerSecond)) {
            return "? it/s";
        }
        return stepsPerSecond >= 1 ? threeDigits(stepsPerSecond) + " it/s" : threeDigits(1 / stepsPerSecond) + " s/it";
    }

    private static String threeDigits(double v) {
        return String.format(Locale.ROOT, v >= 99.95 ? "%.0f" : v >= 9.995 ? "%.1f" : "%.2f", v);
    }
}
