package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * PLMS, the pseudo linear multistep sampler of Liu et al. 2022 ("Pseudo Numerical Methods for Diffusion Models
 * on Manifolds") as the CompVis {@code PLMSSampler} runs it: DDIM's timesteps and eta-0 parameters
 * ({@link DdimSchedule}); the first step is a second-order pseudo improved Euler step (two model evaluations,
 * the second at the next timestep), then Adams-Bashforth steps of order 2, 3 and 4 on the eps history.
 *
 * <pre>{@code
 * Sampler plms = new PlmsSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * SamplerRun run = plms.start(50);      // 51 model evaluations
 * }</pre>
 */
public final class PlmsSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final TimestepSpacing spacing;

    public PlmsSampler(NoiseSchedule schedule, Prediction prediction) {
        this(schedule, prediction, TimestepSpacing.UNIFORM);
    }

    public PlmsSampler(NoiseSchedule schedule, Prediction prediction, TimestepSpacing spacing) {
        this.schedule = DdimSampler.checkSchedule(schedule);
        this.prediction = DdimSampler.checkPrediction(prediction);
        if (spacing == null) {
            throw new IllegalArgumentException("spacing: expected UNIFORM or QUAD, got null");
        }
        this.spacing = spacing;
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public Prediction prediction() {
        return prediction;
    }

    @Override
    public SamplerRun start(int steps, SamplerOptions options) {
        DdimSampler.checkOptions(options);
        DdimSchedule d = DdimSchedule.of(schedule, steps, spacing, 0.0);   // PLMS requires eta = 0
        int n = d.length();
        int k = options.stepsToRun(n);
        SamplerRun.Plan plan = new SamplerRun.Plan();
        for (int i = k - 1; i >= 0; i--) {
            plan.eval(d.timestep(i), d.alpha(i));
            if (i == k - 1) {
                // warm-up: a second evaluation at t_next = the next timestep (the same one when there is none)
                int next = Math.max(i - 1, 0);
                plan.eval(d.timestep(next), d.alpha(next));
            }
            plan.endStep(d.alphaPrev(i));
        }
        return new Run(prediction, options, plan, k == n, d, k);
    }

    @Override
    public String toString() {
        return "PlmsSampler[" + spacing + ", " + prediction + "]";
    }

    private static final class Run extends SamplerRun {
        private final DdimSchedule d;
        private final int k;
        private final Tensor[] old = new Tensor[3];   // eps history, newest first
        private int nOld;
        private Tensor xFirst;
        private Tensor epsFirst;

        Run(Prediction p, SamplerOptions o, Plan plan, boolean fromNoise, DdimSchedule d, int k) {
            super(p, o, plan, fromNoise, 1.0);
            this.d = d;
            this.k = k;
        }

        @Override
        void allocate(Tensor like) {
            for (int j = 0; j < old.length; j++) {
                old[j] = like.zerosLike();
            }
            xFirst = like.zerosLike();
            epsFirst = like.zerosLike();
        }

        private void push(Tensor eps) {
            Tensor oldest = old[2];
            old[2] = old[1];
            old[1] = old[0];
            old[0] = oldest;
            old[0].assign(eps);
            nOld = Math.min(nOld + 1, 3);
        }

        @Override
        Tensor advance(int e, Tensor x, Tensor out, Rng rng) {
            Tensor eps = Predictions.eps(prediction(), out, x, alphaCumprod(e));
            int i = e == 0 ? k - 1 : k - e;    // the DDIM index of this evaluation's step
            if (e == 0) {
                // pseudo improved Euler, first half: a DDIM step to x_prev, where the model is evaluated next
                xFirst.assign(x);
                epsFirst.assign(eps);
                Tensor x0 = DdimSampler.x0FromEps(d, i, x, eps);
                setDenoised(x0);
                return DdimSampler.update(d, i, x0, eps, null);
            }
            Tensor from = x;
            Tensor ePrime;
            if (e == 1) {
                // pseudo improved Euler (2nd order): e' = (e_t + e_{t_next}) / 2, applied from the first x
                from = xFirst;
                ePrime = epsFirst.add(eps).mul(0.5);
                push(epsFirst);
            } else if (nOld == 1) {
                // 2nd-order Adams-Bashforth: e' = (3 e_t - e_{t-1}) / 2
                ePrime = eps.mul(3).sub(old[0]).div(2);
            } else if (nOld == 2) {
                // 3rd order: e' = (23 e_t - 16 e_{t-1} + 5 e_{t-2}) / 12
                ePrime = eps.mul(23).sub(old[0].mul(16)).add(old[1].mul(5)).div(12);
            } else {
                // 4th order: e' = (55 e_t - 59 e_{t-1} + 37 e_{t-2} - 9 e_{t-3}) / 24
                ePrime = eps.mul(55).sub(old[0].mul(59)).add(old[1].mul(37)).sub(old[2].mul(9)).div(24);
            }
            if (e > 1) {
                push(eps);
            }
            Tensor x0 = DdimSampler.x0FromEps(d, i, from, ePrime);
            setDenoised(x0);
            return DdimSampler.update(d, i, x0, ePrime, null);
        }
    }
}
