package org.ldm4j.diffusion.sampling;

/**
 * How DDIM and PLMS pick their timesteps from the training schedule: the reference's
 * {@code make_ddim_timesteps} discretisations ({@code ddim_discretize}).
 *
 * <pre>{@code
 * int[] ts = DdimSchedule.timesteps(TimestepSpacing.QUAD, 50, 1000);
 * }</pre>
 */
public enum TimestepSpacing {
    /** {@code range(0, T, T // steps) + 1}: 1, 21, ..., 981 for 50 of 1000. */
    UNIFORM,
    /** {@code int(linspace(0, sqrt(0.8 T), steps)^2) + 1}: denser near the data end. */
    QUAD
}
