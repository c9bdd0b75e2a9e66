package org.ldm4j.training.config;

import org.ldm4j.core.optim.LrSchedule;

/**
 * A learning-rate schedule from a config's {@code scheduler_config}: the reference's learning-rate multipliers
 * ({@code ldm/lr_scheduler.py}), which scale the base learning rate step by step.
 *
 * <pre>{@code
 * LrScheduleConfig s = new LrScheduleConfig.LambdaLinear(10_000, 10_000_000_000_000L, 1e-6, 1.0, 1.0);
 * LrSchedule lr = s.toLrSchedule(1e-4);              // lr(0) = 1e-10, lr(10_000) = 1e-4
 * }</pre>
 */
public sealed interface LrScheduleConfig permits LrScheduleConfig.LambdaLinear, LrScheduleConfig.WarmUpCosine {

    /** The multiplier of the base learning rate at step {@code step} (0 for the first update). */
    double factor(long step);

    /** {@code baseLr * factor(step)}. */
    default LrSchedule toLrSchedule(double baseLr) {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("baseLr: expected a finite value >= 0, got " + baseLr);
        }
        return step -> {
            if (step < 0) {
                throw new IllegalArgumentException("step: expected a value >= 0, got " + step);
            }
            return baseLr * factor(step);
        };
    }

    /**
     * {@code ldm.lr_scheduler.LambdaLinearScheduler} with one cycle (the lists of the reference have one entry):
     * {@code f = f_start + (f_max - f_start) * n / warm_up_steps} during warm-up, then
     * {@code f = f_min + (f_max - f_min) * (cycle_length - n) / cycle_length}.
     *
     * @param warmUpSteps {@code warm_up_steps[0]}
     * @param cycleLength {@code cycle_lengths[0]}
     * @param fStart      {@code f_start[0]}
     * @param fMax        {@code f_max[0]}
     * @param fMin        {@code f_min[0]}
     */
    record LambdaLinear(long warmUpSteps, long cycleLength, double fStart, double fMax, double fMin)
            implements LrScheduleConfig {
        public LambdaLinear {
            if (warmUpSteps < 0 || cycleLength < 1) {
                throw new IllegalArgumentException("warmUpSteps, cycleLength: expected >= 0 and >= 1, got "
                        + warmUpSteps + ", " + cycleLength);
            }
            finite(fStart, fMax, fMin);
        }

        @Override
        public double factor(long step) {
            if (step < warmUpSteps) {
                return (fMax - fStart) / warmUpSteps * step + fStart;
            }
            return fMin + (fMax - fMin) * (cycleLength - step) / cycleLength;
        }
    }

    /**
     * {@code ldm.lr_scheduler.LambdaWarmUpCosineScheduler}: linear from {@code lr_start} to {@code lr_max} over the
     * warm-up, then half a cosine down to {@code lr_min} at {@code max_decay_steps}, constant after.
     *
     * @param warmUpSteps   {@code warm_up_steps}
     * @param maxDecaySteps {@code max_decay_steps}
     * @param lrStart       {@code lr_start}
     * @param lrMax         {@code lr_max}
     * @param lrMin         {@code lr_min}
     */
    record WarmUpCosine(long warmUpSteps, long maxDecaySteps, double lrStart, double lrMax, double lrMin)
            implements LrScheduleConfig {
        public WarmUpCosine {
            if (warmUpSteps < 0 || maxDecaySteps <= warmUpSteps) {
                throw new IllegalArgumentException("warmUpSteps, maxDecaySteps: expected 0 <= warmUpSteps < "
                        + "maxDecaySteps, got " + warmUpSteps + ", " + maxDecaySteps);
            }
            finite(lrStart, lrMax, lrMin);
        }

        @Override
        public double factor(long step) {
            if (step < warmUpSteps) {
                return (lrMax - lrStart) / warmUpSteps * step + lrStart;
            }
            double t = Math.min((double) (step - warmUpSteps) / (maxDecaySteps - warmUpSteps), 1.0);
            return lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos(t * Math.PI));
        }
    }

    private static void finite(double... values) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("factors: expected finite values, got " + v);
            }
        }
    }
}
