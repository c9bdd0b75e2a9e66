package org.ldm4j.core.nn;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** PyTorch's default initialisations (package-private: the layers' constructors use them). */
final class Init {
    private Init() {
    }

    /**
     * {@code kaiming_uniform_(a=sqrt(5))}, PyTorch's default for Linear and Conv weights, and its bias rule:
     * gain sqrt(2 / (1 + 5)), bound {@code gain * sqrt(3 / fanIn) = 1 / sqrt(fanIn)}: U(-bound, bound).
     */
    static Tensor fanInUniform(Rng rng, long fanIn, long... shape) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return rng.uniform(DType.FLOAT32, -bound, bound, shape);
    }

    static void checkPositive(String arg, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(arg + ": expected a positive size, got " + value);
        }
    }

    static void checkRng(Rng rng) {
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the initial weights, got null");
        }
    }
}
