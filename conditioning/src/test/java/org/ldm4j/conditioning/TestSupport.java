package org.ldm4j.conditioning;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.SampledGradCheck;

/** Helpers shared by the conditioning tests. */
public final class TestSupport {
    private static final double EPS = 1e-6;

    private TestSupport() {
    }

    /** The state-dict keys, in order. */
    public static List<String> keys(Module m) {
        return new ArrayList<>(m.stateDict().keySet());
    }

    /**
     * Converts to float64 and overwrites every floating parameter so that no branch is trivial: vectors named
     * {@code *weight} (norms) 1 + 0.1 N, other vectors 0.1 N, matrices and tables 0.3 N.
     */
    public static <M extends Module> M prepared(M m, long seed) {
        m.to(DType.FLOAT64);
        randomize(m, seed);
        return m;
    }

    /** As {@link #prepared} without the conversion. */
    public static void randomize(Module m, long seed) {
        Rng rng = new Rng(seed);
        try (MemoryScope s = MemoryScope.open()) {
            for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
                Tensor p = e.getValue();
                if (!p.dtype().isFloating()) {
                    continue;
                }
                Tensor r = rng.normal(p.dtype(), p.shape());
                if (p.rank() == 1) {
                    p.assign(e.getKey().endsWith("weight") ? r.mul(0.1).add(1.0) : r.mul(0.1));
                } else {
                    p.assign(r.mul(0.3));
                }
            }
        }
    }

    /** {@link SampledGradCheck#check}: gradients of sampled parameter elements against central differences. */
    public static void sampledGradCheck(Supplier<Tensor> f, Map<String, Tensor> params, int samples, long seed,
                                        double atol, double rtol) {
        SampledGradCheck.check(f, params, samples, seed, atol, rtol);
    }

    /** Layer norm over the last axis written out (biased variance), for the reference forwards of the tests. */
    public static Tensor layerNorm(Tensor x, Tensor w, Tensor b, double eps) {
        Tensor mu = x.mean(true, -1);
        Tensor c = x.sub(mu);
        Tensor var = c.square().mean(true, -1);
        return c.div(var.add(eps).sqrt()).mul(w).add(b);
    }

    /** {@code x W^T + b} written with matmul. */
    public static Tensor affine(Tensor x, Tensor w, Tensor b) {
        long[] s = x.shape();
        Tensor y = x.reshape(-1, s[s.length - 1]).matmul(w, false, true);
        if (b != null) {
            y = y.add(b);
        }
        long[] out = s.clone();
        out[out.length - 1] = w.size(0);
        return y.reshape(out);
    }
}
