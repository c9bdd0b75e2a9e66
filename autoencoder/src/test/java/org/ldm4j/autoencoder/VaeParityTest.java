package org.ldm4j.autoencoder;

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
 * Parity with the CompVis AutoencoderKL on the {@code vae_tiny} fixtures (config C of the ldm-parity README):
 * state-dict keys and shapes, posterior, KL, decoder outputs and every traced activation.
 */
class VaeParityTest {
    /** The README's suggested tolerance against the float64 references. */
    private static final double TOL = 1e-5;

    private static StateDict weights;
    private static StateDict io;

    static AutoencoderConfig tinyConfig() {
        return new AutoencoderConfig(32, List.of(1, 2), 1, List.of(8), 4, true, 0.0, 16, 3, 3, 4, 0);
    }

    @BeforeAll
    static void read() {
        weights = Fixtures.parity("vae_tiny.safetensors");
        io = Fixtures.parity("vae_tiny_io.safetensors");
    }

    private static AutoencoderKL loaded() {
        AutoencoderKL vae = new AutoencoderKL(tinyConfig(), new Rng(0));
        assertTrue(vae.load(weights.tensors()).isClean());
        return vae;
    }

    @Test
    void stateDictHasTheReferenceKeysAndShapes() {
        AutoencoderKL vae = new AutoencoderKL(tinyConfig(), new Rng(0));
        Map<String, Tensor> ours = vae.stateDict();
        assertEquals(new TreeMap<>(shapes(weights.tensors())), new TreeMap<>(shapes(ours)));
        assertEquals(154, ours.size());
        assertEquals(708_679L, vae.parameterCount());
        assertEquals(708_679L, tinyConfig().parameterCount());
    }

    @Test
    void stateDictOrderIsTorchs() {
        // torch's state_dict(): a module's own parameters, then its children in registration order
        List<String> modules = new ArrayList<>();
        modules.add("encoder.conv_in");
        resnet(modules, "encoder.down.0.block.0", false);
        modules.add("encoder.down.0.downsample.conv");
        resnet(modules, "encoder.down.1.block.0", true);
        attn(modules, "encoder.down.1.attn.0");
        mid(modules, "encoder.mid");
        modules.add("encoder.norm_out");
        modules.add("encoder.conv_out");
        modules.add("decoder.conv_in");
        mid(modules, "decoder.mid");
        resnet(modules, "decoder.up.0.block.0", true);
        resnet(modules, "decoder.up.0.block.1", false);
        resnet(modules, "decoder.up.1.block.0", false);
        resnet(modules, "decoder.up.1.block.1", false);
        attn(modules, "decoder.up.1.attn.0");
        attn(modules, "decoder.up.1.attn.1");
        modules.add("decoder.up.1.upsample.conv");
        modules.add("decoder.norm_out");
        modules.add("decoder.conv_out");
        modules.add("quant_conv");
        modules.add("post_quant_conv");
        List<String> expected = new ArrayList<>();
        for (String m : modules) {
            expected.add(m + ".weight");
            expected.add(m + ".bias");
        }
        assertEquals(expected, new ArrayList<>(new AutoencoderKL(tinyConfig(), new Rng(0)).stateDict().keySet()));
    }

    private static void resnet(List<String> out, String p, boolean shortcut) {
        for (String m : new String[] {"norm1", "conv1", "norm2", "conv2"}) {
            out.add(p + "." + m);
        }
        if (shortcut) {
            out.add(p + ".nin_shortcut");
        }
    }

    private static void attn(List<String> out, String p) {
        for (String m : new String[] {"norm", "q", "k", "v", "proj_out"}) {
            out.add(p + "." + m);
        }
    }

    private static void mid(List<String> out, String p) {
        resnet(out, p + ".block_1", false);
        attn(out, p + ".attn_1");
        resnet(out, p + ".block_2", false);
    }

    private static Map<String, List<Long>> shapes(Map<String, Tensor> sd) {
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

    @Test
    void float32MatchesTheReference() {
        AutoencoderKL vae = loaded();
        Map<String, Tensor> trace = new LinkedHashMap<>();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = io.get("x");
            Tensor encH = vae.encoder().forward(x);
            DiagonalGaussian post = vae.encode(x, trace::put);
            Tensor rec = vae.decode(post.sample(io.get("noise")));
            Tensor dec = vae.decode(io.get("z"), trace::put);

            report("f32 enc_h vs enc_h (torch f32)", encH, io.get("enc_h"), TOL);
            report("f32 mean vs mean_f64", post.mean(), io.get("mean_f64"), TOL);
            report("f32 logvar vs logvar_f64", post.logvar(), io.get("logvar_f64"), TOL);
            report("f32 std vs std (torch f32)", post.std(), io.get("std"), TOL);
            report("f32 kl vs kl (torch f32)", post.kl(), io.get("kl"), TOL * Math.max(1, absMax(io.get("kl"))));
            report("f32 rec vs rec (torch f32)", rec, io.get("rec"), TOL);
            report("f32 dec vs dec_f64", dec, io.get("dec_f64"), TOL);
            checkTraces(trace, 1e-5);
        }
    }

    @Test
    void float64MatchesTheFloat64References() {
        AutoencoderKL vae = loaded();
        vae.to(DType.FLOAT64);
        Map<String, Tensor> trace = new LinkedHashMap<>();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            DiagonalGaussian post = vae.encode(io.get("x").to(DType.FLOAT64), trace::put);
            Tensor rec = vae.decode(post.sample(io.get("noise").to(DType.FLOAT64)));
            Tensor dec = vae.decode(io.get("z").to(DType.FLOAT64), trace::put);
            report("f64 mean vs mean_f64", post.mean(), io.get("mean_f64"), 1e-11);
            report("f64 logvar vs logvar_f64", post.logvar(), io.get("logvar_f64"), 1e-11);
            report("f64 dec vs dec_f64", dec, io.get("dec_f64"), 1e-11);
            report("f64 kl vs kl (torch f32)", post.kl(), io.get("kl"), TOL * Math.max(1, absMax(io.get("kl"))));
            report("f64 rec vs rec (torch f32)", rec, io.get("rec"), TOL);
            checkTraces(trace, 1e-5);
        }
    }

    /** Every {@code trace.*} tensor of the io file was reported, and matches to {@code rel * max(1, absmax)}. */
    private static void checkTraces(Map<String, Tensor> trace, double rel) {
        int n = 0;
        double worst = 0;
        for (String name : io.names()) {
            if (!name.startsWith("trace.")) {
                continue;
            }
            String key = name.substring("trace.".length());
            Tensor ours = trace.get(key);
            assertTrue(ours != null, "no trace for " + key + "; traced " + trace.keySet());
            Tensor ref = io.get(name);
            double err = ours.maxAbsDiff(ref);
            double tol = rel * Math.max(1, absMax(ref));
            assertTrue(err <= tol, key + ": max-abs error " + err + " > " + tol);
            worst = Math.max(worst, err / Math.max(1, absMax(ref)));
            n++;
        }
        assertEquals(22, n, "trace tensors in the io file");
        System.out.printf("%s traces: %d matched, worst max-abs / max(1, absmax) = %.3g%n",
                trace.values().iterator().next().dtype(), n, worst);
    }

    private static void report(String what, Tensor ours, Tensor ref, double tol) {
        double err = ours.maxAbsDiff(ref);
        System.out.printf("%-34s max-abs %.3g (absmax %.3g)%n", what, err, absMax(ref));
        assertTrue(err <= tol, what + ": max-abs error " + err + " > " + tol);
    }

    private static double absMax(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
