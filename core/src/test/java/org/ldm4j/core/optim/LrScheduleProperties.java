package org.ldm4j.core.optim;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Scale;

class LrScheduleProperties {

    @Property
    boolean cosineStaysWithinMinLrAndLrAndNeverIncreasesAfterWarmup(
            @ForAll long seed,
            @ForAll @LongRange(min = 0, max = 300) long warmup,
            @ForAll @LongRange(min = 1, max = 3000) long decay) {
        // arbitrary doubles (jqwik's decimals have few digits and rarely show rounding)
        Random r = new Random(seed);
        double lr = 1e-6 + 10 * r.nextDouble();
        double minLr = r.nextInt(4) == 0 ? 0 : lr * r.nextDouble();
        LrSchedule s = LrSchedule.cosine(lr, warmup + decay, warmup, minLr);
        double prev = Double.POSITIVE_INFINITY;
        for (long step = warmup; step <= warmup + decay + 3; step++) {
            double v = s.lr(step);
            if (v < minLr || v > lr || v > prev) {
                return false;
            }
            prev = v;
        }
        return s.lr(warmup) == lr && s.lr(warmup + decay) == minLr;
    }

    @Property
    boolean warmupNeverDecreasesNorExceedsLr(
            @ForAll @DoubleRange(min = 0, max = 10) @Scale(12) double lr,
            @ForAll @LongRange(min = 0, max = 2000) long warmup) {
        LrSchedule linear = LrSchedule.linearWarmup(lr, warmup);
        LrSchedule cosine = LrSchedule.cosine(lr, warmup + 10, warmup, 0);
        double prev = 0;
        for (long step = 0; step <= warmup; step++) {
            double v = linear.lr(step);
            if (v < prev || v > lr || (lr > 0 && v <= 0) || v != cosine.lr(step)) {
                return false;
            }
            prev = v;
        }
        return warmup == 0 || linear.lr(warmup - 1) == lr;
    }
}
