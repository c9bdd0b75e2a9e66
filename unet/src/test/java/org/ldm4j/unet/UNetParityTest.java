package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/**
 * Parity with the CompVis UNetModel on the {@code unet_tiny} fixtures (config A of the ldm-parity README): keys and
 * shapes, eps against the float64 reference in float32 and float64, and every traced activation.
 */
class UNetParityTest {
    /** The README's suggested tolerance on eps against eps_f64. */
    private static final double TOL = 1e-5;
    private static final String[] TRACES = {"time_embed.input", "time_embed", "input_blocks.0", "input_blocks.1",
        "input_blocks.2", "input_blocks.3", "middle_block", "output_blocks.0", "output_blocks.1", "output_blocks.2",
        "output_blocks.3"};

    private static StateDict weights;
    private static StateDict io;

    @BeforeAll
    static void read() {
        weights = Fixtures.parity("unet_tiny.safetensors");
        io = Fixtures.parity("unet_tiny_io.safetensors");
    }

    static UNetModel loaded() {
        UNetModel unet = new UNetModel(Tiny.configA(), new Rng(0));
        assertTrue(unet.load(weights.tensors()).isClean());
        return unet;
    }

    @Test
    void stateDictHasTheReferenceKeysAndShapes() {
        UNetModel unet = new UNetModel(Tiny.configA(), new Rng(0));
        Map<String, Tensor> ours = unet.stateDict();
        assertEquals(new TreeMap<>(Tiny.shapes(weights.tensors())), new TreeMap<>(Tiny.shapes(ours)));
        assertEquals(208, ours.size());
        assertEquals(985_444L, unet.parameterCount());
        assertEquals(985_444L, Tiny.configA().parameterCount());
        assertEquals(weights.numel(), unet.parameterCount());
    }

    @Test
    void stateDictOrderIsTorchs() {
        List<String> keys = new ArrayList<>(new UNetModel(Tiny.configA(), new Rng(0)).stateDict().keySet());
        assertEquals(List.of("time_embed.0.weight", "time_embed.0.bias", "time_embed.2.weight", "time_embed.2.bias",
                "input_blocks.0.0.weight", "input_blocks.0.0.bias"), keys.subList(0, 6));
        // ResBlock: in_layers, emb_layers, out_layers, skip_connection
        int r = keys.indexOf("input_blocks.3.0.in_layers.0.weight");
        assertEquals(List.of("input_blocks.3.0.in_layers.0.weight", "input_blocks.3.0.in_layers.0.bias",
                "input_blocks.3.0.in_layers.2.weight", "input_blocks.3.0.in_layers.2.bias",
                "input_blocks.3.0.emb_layers.1.weight", "input_blocks.3.0.emb_layers.1.bias",
                "input_blocks.3.0.out_layers.0.weight", "input_blocks.3.0.out_layers.0.bias",
                "input_blocks.3.0.out_layers.3.weight", "input_blocks.3.0.out_layers.3.bias",
                "input_blocks.3.0.skip_connection.weight", "input_blocks.3.0.skip_connection.bias",
                "input_blocks.3.1.norm.weight", "input_blocks.3.1.norm.bias",
                "input_blocks.3.1.proj_in.weight", "input_blocks.3.1.proj_in.bias"), keys.subList(r, r + 16));
        // BasicTransformerBlock: attn1, ff, attn2, norm1..3 (registration order);
        // CrossAttention: to_q, to_k, to_v, to_out
        String p = "middle_block.1.transformer_blocks.0.";
        int t = keys.indexOf(p + "attn1.to_q.weight");
        List<String> expected = new ArrayList<>();
        for (String s : new String[] {"attn1.to_q.weight", "attn1.to_k.weight", "attn1.to_v.weight",
            "attn1.to_out.0.weight", "attn1.to_out.0.bias", "ff.net.0.proj.weight", "ff.net.0.proj.bias",
            "ff.net.2.weight", "ff.net.2.bias", "attn2.to_q.weight", "attn2.to_k.weight", "attn2.to_v.weight",
            "attn2.to_out.0.weight", "attn2.to_out.0.bias", "norm1.weight", "norm1.bias", "norm2.weight",
            "norm2.bias", "norm3.weight", "norm3.bias"}) {
            expected.add(p + s);
        }
        assertEquals(expected, keys.subList(t, t + 20));
        assertEquals("middle_block.1.proj_out.weight", keys.get(t + 20));
        assertEquals(List.of("out.0.weight", "out.0.bias", "out.2.weight", "out.2.bias"),
                keys.subList(keys.size() - 4, keys.size()));
    }

    @Test
    void float32MatchesTheFloat64Reference() {
        UNetModel unet = loaded();
        unet.eval();
        Map<String, Tensor> trace = new LinkedHashMap<>();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor eps = unet.forward(io.get("x"), io.get("t"), io.get("context"), null, trace::put);
            report("f32 eps vs eps_f64", eps, io.get("eps_f64"), TOL);
            report("f32 eps vs eps (torch f32)", eps, io.get("eps"), TOL);
            for (String name : TRACES) {
                Tensor ref = io.get("trace." + name);
                report("f32 trace." + name, trace.get(name), ref, TOL * Math.max(1, Tiny.absMax(ref)));
            }
            // the scoped inference path (no tracer: per-block memory scopes) computes the same numbers
            Tensor again = unet.forward(io.get("x"), io.get("t"), io.get("context"), null);
            assertEquals(0.0, again.maxAbsDiff(eps), "scoped and traced forward differ");
        }
    }

    @Test
    void float64MatchesTheFloat64Reference() {
        UNetModel unet = loaded();
        unet.to(DType.FLOAT64);
        unet.eval();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor eps = unet.forward(Tiny.f64(io.get("x")), io.get("t"), Tiny.f64(io.get("context")), null);
            assertEquals(DType.FLOAT64, eps.dtype());
            report("f64 eps vs eps_f64", eps, io.get("eps_f64"), 1e-12);
        }
    }

    @Test
    void integerTimestepsGiveTheSameResult() {
        UNetModel unet = loaded();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor a = unet.forward(io.get("x"), io.get("t"), io.get("context"));
            Tensor b = unet.forward(io.get("x"), Tensor.of(new long[] {10, 900}, 2), io.get("context"));
            assertEquals(0.0, a.maxAbsDiff(b));
        }
    }

    @Test
    void chunkedAttentionGivesTheSameResult() {
        UNetModel unet = loaded();
        UNetModel unet64 = loaded();
        unet64.to(DType.FLOAT64);
        long before = UNetModel.attentionChunkBytes();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x64 = Tiny.f64(io.get("x"));
            Tensor c64 = Tiny.f64(io.get("context"));
            Tensor whole64 = unet64.forward(x64, io.get("t"), c64);
            UNetModel.setAttentionChunkBytes(2 * 4 * 16 * 8);      // 2 query rows of 16 keys per chunk (float64)
            Tensor chunked64 = unet64.forward(x64, io.get("t"), c64);
            Tensor chunked = unet.forward(io.get("x"), io.get("t"), io.get("context"));
            report("f64 chunked vs whole attention", chunked64, whole64, 1e-12);
            report("f32 chunked eps vs eps_f64", chunked, io.get("eps_f64"), TOL);
        } finally {
            UNetModel.setAttentionChunkBytes(before);
        }
    }

    static void report(String what, Tensor ours, Tensor ref, double tol) {
        Tensor r = ref.dtype() == ours.dtype() ? ref : ref.to(ours.dtype());
        double d = ours.maxAbsDiff(r);
        System.out.printf("%-44s max-abs %.3e (tolerance %.1e)%n", what, d, tol);
        assertTrue(d <= tol, what + ": max-abs " + d + " > " + tol);
    }
}
