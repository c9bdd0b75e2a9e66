package org.ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** The VQ model: reference keys, the absorbed-quantiser interface, codes and training gradients. */
class VQModelTest {
    static AutoencoderConfig tinyVq() {
        return new AutoencoderConfig(32, List.of(1, 2), 1, List.of(8), 4, false, 0.0, 16, 3, 3, 4, 16);
    }

    @Test
    void keysFollowTheReference() {
        VQModel vq = new VQModel(tinyVq(), new Rng(0));
        Set<String> tops = new LinkedHashSet<>();
        for (String k : vq.stateDict().keySet()) {
            tops.add(k.startsWith("quantize.") ? "quantize" : k.substring(0, k.indexOf('.')));
        }
        assertEquals(List.of("encoder", "decoder", "quantize", "quant_conv", "post_quant_conv"), new ArrayList<>(tops));
        assertArrayEquals(new long[] {16, 4}, vq.stateDict().get("quantize.embedding.weight").shape());
        assertArrayEquals(new long[] {4, 4, 1, 1}, vq.stateDict().get("quant_conv.weight").shape());
        assertArrayEquals(new long[] {4, 64, 3, 3}, vq.stateDict().get("encoder.conv_out.weight").shape());
        assertEquals(tinyVq().parameterCount(), vq.parameterCount());
    }

    @Test
    void decodeQuantizesTheAbsorbedLatent() {
        VQModel vq = new VQModel(tinyVq(), new Rng(1));
        spreadCodebook(vq, new Rng(2));
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(3).uniform(org.ldm4j.core.tensor.DType.FLOAT32, -1, 1, 2, 3, 16, 16);
            Tensor h = vq.encode(x);
            assertArrayEquals(new long[] {2, 4, 8, 8}, h.shape());
            assertEquals(0, h.maxAbsDiff(vq.encodeToLatent(x)));
            assertEquals(0, h.maxAbsDiff(vq.encodeToLatent(x, new Rng(9))));
            VectorQuantizer.Result q = vq.quantize(h);
            Tensor viaDecode = vq.decode(h);
            assertArrayEquals(new long[] {2, 3, 16, 16}, viaDecode.shape());
            assertEquals(0, viaDecode.maxAbsDiff(vq.decodeQuantized(q.quantized())));
            assertTrue(viaDecode.maxAbsDiff(vq.decodeCode(q.indices())) < 1e-5);
            assertTrue(viaDecode.maxAbsDiff(vq.decodeQuantized(h)) > 0, "decodeQuantized does not quantise");
            VQModel.Output out = vq.forward(x);
            assertEquals(0, out.reconstruction().maxAbsDiff(viaDecode));
            assertArrayEquals(new long[] {2, 8, 8}, out.indices().shape());
            assertTrue(out.quantization().codesUsed() > 1);
        }
    }

    @Test
    void trainingReachesEncoderDecoderAndCodebook() {
        VQModel vq = new VQModel(tinyVq(), new Rng(4));
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(5).uniform(org.ldm4j.core.tensor.DType.FLOAT32, -1, 1, 1, 3, 16, 16);
            VQModel.Output out = vq.forward(x);
            out.reconstruction().sub(x).abs().mean().add(out.codebookLoss()).backward();
            for (String k : List.of("encoder.conv_in.weight", "quant_conv.weight", "quantize.embedding.weight",
                    "post_quant_conv.weight", "decoder.conv_out.weight")) {
                assertNotNull(vq.namedParameters().get(k).grad(), k + " got no gradient");
            }
            assertTrue(vq.lastLayerWeight() == vq.namedParameters().get("decoder.conv_out.weight"));
        }
    }

    /** Spreads the (initially tiny) codebook over the scale of h, so that several codes are used. */
    private static void spreadCodebook(VQModel vq, Rng rng) {
        try (MemoryScope s = MemoryScope.open()) {
            vq.quantizer().codebook().assign(rng.normal(16, 4).mul(0.3));
        }
    }
}
