package org.ldm4j.core.optim;

/**
 * The learning rate as a function of the step index: {@code lr(s)} is the rate for the update that
 * {@link Optimizer#step()} makes when {@code s} updates have already been made, i.e. for
 * {@code optimizer.stepCount() == s}. The first update is step 0.
 *
 * <pre>{@code
 * LrSchedule schedule = LrSchedule.cosine(1e-4, 100_000, 1_000, 1e-6);
 * schedule.applyTo(opt);     // opt.setLr(schedule.lr(opt.stepCount()))
 * opt.step();
 * }</pre>
 *
 * <h2>Warm-up</h2>
 * {@link #linearWarmup} and the warm-up of {@link #cosine} use {@code lr * min(1, (s + 1) / warmupSteps)}: the
 * first update already moves (at {@code lr / warmupSteps}), and step {@code warmupSteps - 1} is the first at
 * the full rate. The reference's {@code LambdaLinearScheduler} (CompVis {@code ldm/lr_scheduler.py}, used by
 * the LDM/Stable Diffusion configs with {@code f_start = 1e-6}, {@code f_max = 1}) ramps as
 * {@code f_start + (f_max - f_start) * s / warm_up_steps}, i.e. one step later and from {@code 1e-6 * lr}
 * instead of {@code lr / warmupSteps}; the two differ by at most {@code lr / warmupSteps} at any step.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate for step {@code step} ({@code >= 0}). */
    double lr(long step);

    /** Sets {@code optimizer}'s learning rate for its next step, {@code lr(optimizer.stepCount())}. */
    default void applyTo(Optimizer optimizer) {
        optimizer.setLr(lr(optimizer.stepCount()));
    }

    /** {@code lr} at every step. */
    static LrSchedule constant(double lr) {
        Check.nonNegative("lr", lr);
        return step -> {
            Check.nonNegative("step", step);
            return lr;
        };
    }

    /**
     * {@code lr * min(1, (step + 1) / warmupSteps)}: a linear ramp over the first {@code warmupSteps} steps,
     * then constant. {@code warmupSteps == 0} is the constant schedule.
     */
    static LrSchedule linearWarmup(double lr, long warmupSteps) {
        Check.nonNegative("lr", lr);
        Check.nonNegative("warmupSteps", warmupSteps);
        return step -> {
            Check.nonNegative("step", step);
            return warm(lr, warmupSteps, step);
        };
    }

    /**
     * Linear warm-up as {@link #linearWarmup} for steps {@code < warmupSteps}, then half a cosine from
     * {@code lr} down to {@code minLr} over the remaining steps to {@code totalSteps}, and {@code minLr} after:
     * <pre>
     * u = min(1, (step - warmupSteps) / (totalSteps - warmupSteps))
     * lr(step) = minLr + (lr - minLr) * (1 + cos(pi * u)) / 2
     * </pre>
     * as the reference's {@code LambdaWarmUpCosineScheduler} after its warm-up ({@code max_decay_steps} is
     * {@code totalSteps}). Needs {@code 0 <= minLr <= lr} and {@code 0 <= warmupSteps < totalSteps}.
     */
    static LrSchedule cosine(double lr, long totalSteps, long warmupSteps, double minLr) {
        Check.nonNegative("lr", lr);
        Check.nonNegative("minLr", minLr);
        if (minLr > lr) {
            throw new IllegalArgumentException("minLr: expected a number <= lr (" + lr + "), found " + minLr);
        }
        Check.nonNegative("warmupSteps", warmupSteps);
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("totalSteps: expected a number > warmupSteps (" + warmupSteps
                    + "), found " + totalSteps);
        }
        double decaySteps = totalSteps - warmupSteps;
        return step -> {
            Check.nonNegative("step", step);
            if (step < warmupSteps) {
                return warm(lr, warmupSteps, step);
            }
            double u = (step - warmupSteps) / decaySteps;
            if (u >= 1) {
                return minLr;
            }
            // lr - (lr - minLr) * (1 - cos(pi u)) / 2: equal to the reference's minLr + (lr - minLr) * (1 + cos) / 2,
            // but exactly lr at u = 0 (the reference's form can round 1 ulp above lr) and never below minLr
            return Math.max(minLr, lr - (lr - minLr) * (0.5 * (1 - Math.cos(Math.PI * u))));
        };
    }

    private static double warm(double lr, long warmupSteps, long step) {
        return step >= warmupSteps ? lr : lr * ((step + 1.0) / warmupSteps);
    }
}
