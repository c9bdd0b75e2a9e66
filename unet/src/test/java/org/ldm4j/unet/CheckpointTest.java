package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** {@code use_checkpoint}: recomputing blocks in backward gives the same gradients and keeps less memory. */
class CheckpointTest {

    @Test
    void checkpointingGivesTheSameGradients() {
        for (UNetConfig base : new UNetConfig[] {Tiny.configA(),
            UNetConfig.builder().inChannels(4).outChannels(4).modelChannels(32).channelMult(1, 2).numResBlocks(1)
                    .attentionResolutions(1, 2).numHeadChannels(16).numClasses(3).useScaleShiftNorm(true)
                    .resblockUpdown(true).build()}) {
            compare(base);
        }
    }

    private static void compare(UNetConfig base) {
        UNetModel plain = new UNetModel(base.toBuilder().useCheckpoint(false).build(), new Rng(0));
        UNetModel ckpt = new UNetModel(base.toBuilder().useCheckpoint(true).build(), new Rng(0));
        plain.to(DType.FLOAT64);
        ckpt.to(DType.FLOAT64);
        Tiny.randomize(plain, 31);
        ckpt.load(plain.stateDict());
        boolean cross = base.useSpatialTransformer();
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(32).normal(DType.FLOAT64, 2, 4, 8, 8);
            Tensor context = cross ? new Rng(33).normal(DType.FLOAT64, 2, 5, base.contextDim()) : null;
            Tensor y = base.isClassConditional() ? Tensor.of(new long[] {0, 2}, 2) : null;
            Tensor t = Tensor.of(new float[] {10, 900}, 2);
            Tensor r = new Rng(34).normal(DType.FLOAT64, 2, 4, 8, 8);
            Tensor[] xs = {x.copy().requiresGrad(true), x.copy().requiresGrad(true)};
            Tensor[] cs = {cross ? context.copy().requiresGrad(true) : null,
                cross ? context.copy().requiresGrad(true) : null};
            UNetModel[] models = {plain, ckpt};
            long[] bytes = new long[2];
            for (int i = 0; i < 2; i++) {
                try (MemoryScope step = MemoryScope.open()) {
                    Tensor out = models[i].forward(xs[i], t, cs[i], y);
                    bytes[i] = step.trackedBytes();
                    out.mul(r).sum().backward();
                }
            }
            System.out.printf("activations kept for backward: %,d bytes without checkpointing, %,d with%n",
                    bytes[0], bytes[1]);
            assertTrue(bytes[1] < bytes[0] / 2, "checkpointing should keep far fewer activations");
            assertTrue(xs[0].grad().maxAbsDiff(xs[1].grad()) < 1e-12);
            if (cross) {
                assertTrue(cs[0].grad().maxAbsDiff(cs[1].grad()) < 1e-12);
            }
            Map<String, Tensor> pa = plain.namedParameters();
            Map<String, Tensor> pb = ckpt.namedParameters();
            assertEquals(pa.keySet(), pb.keySet());
            for (String k : pa.keySet()) {
                assertNotNull(pb.get(k).grad(), k + " received no gradient with checkpointing");
                double d = pa.get(k).grad().maxAbsDiff(pb.get(k).grad());
                assertTrue(d < 1e-12, k + ": gradients differ by " + d);
            }
        }
    }
}
