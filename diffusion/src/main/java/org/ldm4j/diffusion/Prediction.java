package org.ldm4j.diffusion;

/**
 * What a denoiser predicts from x_t: the noise (the paper's epsilon-parameterisation), the clean sample x_0, or
 * v = sqrt(abar) eps - sqrt(1 - abar) x_0 (Salimans and Ho 2022).
 *
 * <pre>{@code
 * Prediction p = Prediction.EPSILON;
 * }</pre>
 */
public enum Prediction {
    EPSILON,
    SAMPLE,
    V
}
