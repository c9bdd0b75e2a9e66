package org.ldm4j.diffusion.sampling;

import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/** Every sampler of the package, for tests that run them all. */
enum SamplerKind {
    DDPM, DDIM, DDIM_ETA1, DDIM_QUAD, PLMS, EULER, EULER_ANCESTRAL, HEUN, DPMPP_2M, DPMPP_2M_KARRAS;

    Sampler make(NoiseSchedule s, Prediction p) {
        switch (this) {
            case DDPM:
                return new DdpmSampler(s, p);
            case DDIM:
                return new DdimSampler(s, p);
            case DDIM_ETA1:
                return new DdimSampler(s, p, 1.0);
            case DDIM_QUAD:
                return new DdimSampler(s, p, 0.0, TimestepSpacing.QUAD);
            case PLMS:
                return new PlmsSampler(s, p);
            case EULER:
                return new EulerSampler(s, p);
            case EULER_ANCESTRAL:
                return new EulerAncestralSampler(s, p);
            case HEUN:
                return new HeunSampler(s, p);
            case DPMPP_2M:
                return new DpmPlusPlus2MSampler(s, p);
            default:
                return new DpmPlusPlus2MSampler(s, p, true);
        }
    }

    boolean stochastic() {
        return this == DDPM || this == DDIM_ETA1 || this == EULER_ANCESTRAL;
    }
}
