package org.ldm4j.unet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** Configs and helpers shared by the tests. */
final class Tiny {
    private Tiny() {
    }

    /** Config A of the ldm-parity README (the {@code unet_tiny} fixtures). */
    static UNetConfig configA() {
        return UNetConfig.builder().imageSize(8).inChannels(4).outChannels(4).modelChannels(32).channelMult(1, 2)
                .numResBlocks(1).attentionResolutions(2).numHeadChannels(16).useSpatialTransformer(true)
                .transformerDepth(1).contextDim(32).legacy(false).build();
    }

    /**
     * Overwrites every parameter as the fixture generator does (norm weights 1 + 0.05 N, norm biases 0.02 N, other
     * weights 0.05 N, other biases 0.02 N), so that no branch is trivially zero.
     */
    static void randomize(Module m, long seed) {
        randomize(m.stateDict(), seed);
    }

    /** As {@link #randomize(Module, long)} for a state dict (the values are overwritten in place). */
    static void randomize(Map<String, Tensor> sd, long seed) {
        Rng rng = new Rng(seed);
        try (MemoryScope s = MemoryScope.open()) {
            for (Map.Entry<String, Tensor> e : sd.entrySet()) {
                Tensor p = e.getValue();
                boolean norm = isNorm(e.getKey());
                boolean bias = e.getKey().endsWith(".bias");
                Tensor r = rng.normal(p.dtype(), p.shape());
                p.assign(norm && !bias ? r.mul(0.05).add(1.0) : r.mul(bias ? 0.02 : 0.05));
            }
        }
    }

    private static boolean isNorm(String key) {
        return key.matches(".*(norm\\d?|in_layers\\.0|out_layers\\.0|out\\.0|norm)\\.(weight|bias)");
    }

    static double absMax(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static Map<String, List<Long>> shapes(Map<String, Tensor> sd) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        sd.forEach((k, v) -> {
            List<Long> s = new ArrayList<>();
            for (long d : v.shape()) {
                s.add(d);
            }
            out.put(k, s);
        });
        return out;
    }

    static Tensor f64(Tensor t) {
        return t.to(DType.FLOAT64);
    }
}
