package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/** LPIPS against {@code lpips_tiny} / {@code lpips_io}: the value, every traced intermediate, symmetry. */
class LpipsParityTest {
    /**
     * The traces exist in float32 only, so both sides' rounding counts; ND4J's float32 convolutions were measured
     * 3-5 times less accurate than PyTorch's here (relu4_3: 2.8e-4 against our float64, PyTorch 5e-5), and the
     * lin maps inherit that: 1.7e-5 of absmax at worst. The float64 test below checks the algorithm itself.
     */
    private static final double TRACE = 5e-5;
    /**
     * The per-layer distances are means of signed maps (res1 = -7e-5 from |map| ~ 7e-4), small parts of the value;
     * relu4_3/relu5_3's float32 error (see above) gives res3/res4 up to 7e-6 of their size (PyTorch: 6e-7), so
     * they get the traces' rule against float64: 1e-5 of their absmax. The LPIPS value keeps 2e-6.
     */
    private static final double LAYER_DISTANCE = 1e-5;
    private static final String[] FEATURES = {"relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3"};
    private static StateDict weights;
    private static StateDict io;
    private static Lpips lpips;

    @BeforeAll
    static void load() {
        weights = Fixtures.losses("lpips_tiny.safetensors");
        io = Fixtures.losses("lpips_io.safetensors");
        lpips = new Lpips(new Rng(0)).loadWeights(weights.tensors());
    }

    @Test
    void keysAreTheReferencesAndTheScalingConstantsAreItsFloat32Values() {
        assertEquals(weights.names(), lpips.stateDict().keySet());
        assertArrayEquals(weights.get("scaling_layer.shift").toFloatArray(),
                new Lpips(new Rng(1)).stateDict().get("scaling_layer.shift").toFloatArray());
        assertArrayEquals(weights.get("scaling_layer.scale").toFloatArray(),
                new Lpips(new Rng(1)).stateDict().get("scaling_layer.scale").toFloatArray());
    }

    @Test
    void valueAndEveryTraceMatchTheReference() {
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Lpips.Trace t = lpips.trace(io.get("x"), io.get("y"));
            Parity.tensor("lpips.trace.scaled_x", t.scaledX(), io.get("trace.scaled_x"), 1e-6);
            Parity.tensor("lpips.trace.scaled_y", t.scaledY(), io.get("trace.scaled_y"), 1e-6);
            for (int k = 0; k < 5; k++) {
                Parity.tensor("lpips.trace.feat_x." + FEATURES[k], t.featuresX().get(k),
                        io.get("trace.feat_x." + FEATURES[k]), TRACE);
                Parity.tensor("lpips.trace.lin" + k + "_map", t.linMaps().get(k), io.get("trace.lin" + k + "_map"),
                        TRACE);
                Parity.tensor("lpips.trace.res" + k + " (f64)", t.layerDistances().get(k),
                        io.get("trace.res" + k + "_f64"), LAYER_DISTANCE);
            }
            Parity.tensor("lpips (f64)", t.value(), io.get("lpips_f64"), Parity.SCALAR);
            Parity.tensor("lpips (f32 torch)", t.value(), io.get("lpips"), Parity.SCALAR);
        }
    }

    @Test
    void float64RunMatchesTheFloat64References() {
        Lpips l64 = new Lpips(new Rng(0)).loadWeights(weights.tensors());
        l64.to(DType.FLOAT64);
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Lpips.Trace t = l64.trace(io.get("x").to(DType.FLOAT64), io.get("y").to(DType.FLOAT64));
            for (int k = 0; k < 5; k++) {
                Parity.tensor("lpips.float64.res" + k + " (f64)", t.layerDistances().get(k),
                        io.get("trace.res" + k + "_f64"), 1e-12);
            }
            Parity.tensor("lpips.float64 (f64)", t.value(), io.get("lpips_f64"), 1e-12);
        }
    }

    @Test
    void isSymmetricBitForBit() {
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor xy = lpips.forward(io.get("x"), io.get("y"));
            Tensor yx = lpips.forward(io.get("y"), io.get("x"));
            assertArrayEquals(xy.toFloatArray(), yx.toFloatArray());
            Parity.tensor("lpips_yx (f64)", yx, io.get("lpips_f64"), Parity.SCALAR);
        }
    }

    @Test
    void gradientsReachTheInputsButNotTheFrozenWeights() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor y = io.get("y").copy().requiresGrad(true);
            lpips.forward(io.get("x"), y).sum().backward();
            assertEquals(y.numel(), y.grad().numel());
            assertTrue(Parity.absMax(y.grad()) > 0);
            for (Tensor p : lpips.parameters()) {
                assertEquals(null, p.grad());
            }
        }
    }
}
