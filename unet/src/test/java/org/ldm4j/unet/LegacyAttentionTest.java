package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * The legacy attention path (no fixture): {@code QKVAttentionLegacy} and the whole AttentionBlock against plain
 * loops written from the reference's definition, and the head-count rules of the reference's constructor.
 */
class LegacyAttentionTest {

    /** QKVAttentionLegacy by loops: heads outermost, then q/k/v, each scaled by ch^-1/4. */
    static double[] legacyLoops(double[] qkv, int b, int heads, int ch, int t) {
        double[] out = new double[b * heads * ch * t];
        double scale = 1 / Math.sqrt(Math.sqrt(ch));
        for (int n = 0; n < b; n++) {
            for (int h = 0; h < heads; h++) {
                int base = (n * heads * 3 * ch + h * 3 * ch) * t;          // row (n, h*3ch + c) starts at base + c*t
                for (int i = 0; i < t; i++) {
                    double[] w = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        double dot = 0;
                        for (int c = 0; c < ch; c++) {
                            dot += qkv[base + c * t + i] * scale * (qkv[base + (ch + c) * t + j] * scale);
                        }
                        w[j] = dot;
                        max = Math.max(max, dot);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        w[j] = Math.exp(w[j] - max);
                        sum += w[j];
                    }
                    for (int c = 0; c < ch; c++) {
                        double a = 0;
                        for (int j = 0; j < t; j++) {
                            a += w[j] / sum * qkv[base + (2 * ch + c) * t + j];
                        }
                        out[(n * heads * ch + h * ch + c) * t + i] = a;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void qkvAttentionLegacyMatchesLoops() {
        int b = 2;
        int heads = 3;
        int ch = 8;
        int t = 5;
        try (MemoryScope s = MemoryScope.open()) {
            Tensor qkv = new Rng(1).normal(DType.FLOAT64, b, heads * 3L * ch, t).mul(2.0);
            double[] expected = legacyLoops(qkv.toDoubleArray(), b, heads, ch, t);
            Tensor ours = AttentionBlock.qkvAttentionLegacy(qkv, heads);
            assertEquals(List.of((long) b, (long) heads * ch, (long) t), List.of(ours.shape()[0], ours.shape()[1],
                    ours.shape()[2]));
            assertTrue(maxDiff(ours.toDoubleArray(), expected) < 1e-13);
            Tensor ours32 = AttentionBlock.qkvAttentionLegacy(qkv.to(DType.FLOAT32), heads);
            assertTrue(maxDiff(ours32.toDoubleArray(), expected) < 1e-5);
        }
    }

    @Test
    void attentionBlockMatchesLoops() {
        int b = 2;
        int c = 64;
        int heads = 4;
        int hgt = 2;
        int wid = 3;
        int t = hgt * wid;
        AttentionBlock block = new AttentionBlock(c, heads, false, new Rng(2));
        block.to(DType.FLOAT64);
        Tiny.randomize(block.stateDict(), 3);
        Map<String, Tensor> sd = block.stateDict();
        assertEquals(List.of("norm.weight", "norm.bias", "qkv.weight", "qkv.bias", "proj_out.weight",
                "proj_out.bias"), List.copyOf(sd.keySet()));
        assertEquals(List.of(3L * c, (long) c, 1L), List.of(sd.get("qkv.weight").shape()[0],
                sd.get("qkv.weight").shape()[1], sd.get("qkv.weight").shape()[2]));
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(4).normal(DType.FLOAT64, b, c, hgt, wid);
            double[] xv = x.toDoubleArray();
            // GroupNorm32: 32 groups, biased variance, eps 1e-5
            double[] gw = sd.get("norm.weight").toDoubleArray();
            double[] gb = sd.get("norm.bias").toDoubleArray();
            double[] hn = new double[xv.length];
            int per = c / 32;
            for (int n = 0; n < b; n++) {
                for (int gi = 0; gi < 32; gi++) {
                    int from = (n * c + gi * per) * t;
                    int len = per * t;
                    double mean = 0;
                    for (int k = 0; k < len; k++) {
                        mean += xv[from + k];
                    }
                    mean /= len;
                    double var = 0;
                    for (int k = 0; k < len; k++) {
                        var += (xv[from + k] - mean) * (xv[from + k] - mean);
                    }
                    var /= len;
                    for (int k = 0; k < len; k++) {
                        int chan = gi * per + k / t;
                        hn[from + k] = (xv[from + k] - mean) / Math.sqrt(var + 1e-5) * gw[chan] + gb[chan];
                    }
                }
            }
            double[] qkv = conv1x1(hn, sd.get("qkv.weight").toDoubleArray(), sd.get("qkv.bias").toDoubleArray(), b,
                    c, 3 * c, t);
            double[] a = legacyLoops(qkv, b, heads, c / heads, t);
            double[] proj = conv1x1(a, sd.get("proj_out.weight").toDoubleArray(),
                    sd.get("proj_out.bias").toDoubleArray(), b, c, c, t);
            for (int k = 0; k < proj.length; k++) {
                proj[k] += xv[k];
            }
            assertTrue(maxDiff(block.forward(x).toDoubleArray(), proj) < 1e-12);
        }
    }

    private static double[] conv1x1(double[] x, double[] w, double[] bias, int b, int in, int out, int t) {
        double[] y = new double[b * out * t];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < t; i++) {
                    double s = bias[o];
                    for (int k = 0; k < in; k++) {
                        s += w[o * in + k] * x[(n * in + k) * t + i];
                    }
                    y[(n * out + o) * t + i] = s;
                }
            }
        }
        return y;
    }

    private static double maxDiff(double[] a, double[] b) {
        assertEquals(b.length, a.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void headRulesFollowTheReference() {
        // CelebA-HQ: legacy AttentionBlocks with num_head_channels 32 -> ch / 32 heads of 32
        UNetConfig celeba = UNetConfig.celebahqLdmVq4();
        assertEquals(new UNetConfig.Heads(14, 32), celeba.heads(448, false));
        // num_heads 8, legacy, no head channels: 8 heads on the way down, num_heads_upsample on the way up
        UNetConfig churches = UNetConfig.lsunChurchesLdmKl8().toBuilder().numHeadsUpsample(4).build();
        assertEquals(new UNetConfig.Heads(8, 24), churches.heads(192, false));
        assertEquals(new UNetConfig.Heads(4, 48), churches.heads(192, true));
        // non-legacy: num_heads_upsample is irrelevant (dim_head = ch // num_heads is passed as head channels)
        UNetConfig nonLegacy = churches.toBuilder().legacy(false).build();
        assertEquals(new UNetConfig.Heads(8, 24), nonLegacy.heads(192, true));
        // spatial transformer: SD's 8 heads of ch / 8; cin's 32-channel heads; the legacy rule where it matters
        assertEquals(new UNetConfig.Heads(8, 40), UNetConfig.sd15().heads(320, false));
        assertEquals(new UNetConfig.Heads(16, 32), UNetConfig.cinLdmVqF8().heads(512, true));
        UNetConfig odd = UNetConfig.builder().modelChannels(96).channelMult(1).numResBlocks(1).attentionResolutions(1)
                .numHeadChannels(64).useSpatialTransformer(true).contextDim(8).build();
        assertEquals(new UNetConfig.Heads(1, 96), odd.heads(96, false));                       // legacy: ch // heads
        assertEquals(new UNetConfig.Heads(1, 64), odd.toBuilder().legacy(false).build().heads(96, false));
    }

    @Test
    void legacyModelBuildsTheHeadsTheRuleSays() {
        UNetConfig c = UNetConfig.builder().inChannels(3).outChannels(3).modelChannels(32).channelMult(1, 2)
                .numResBlocks(1).attentionResolutions(2).numHeads(4).numHeadsUpsample(2).build();
        UNetModel unet = new UNetModel(c, new Rng(0));
        Map<String, org.ldm4j.core.nn.Module> modules = unet.namedModules();
        assertEquals(4, ((AttentionBlock) modules.get("input_blocks.3.1")).heads());
        assertEquals(4, ((AttentionBlock) modules.get("middle_block.1")).heads());
        assertEquals(2, ((AttentionBlock) modules.get("output_blocks.0.1")).heads());
        assertEquals(c.parameterCount(), unet.parameterCount());
        // float32 against our own float64 run of the same weights (no reference fixture for this path)
        Tiny.randomize(unet, 5);
        UNetModel unet64 = new UNetModel(c, new Rng(0));
        unet64.load(unet.stateDict());
        unet64.to(DType.FLOAT64);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(6).normal(2, 3, 8, 8);
            Tensor t = Tensor.of(new float[] {3, 700}, 2);
            Tensor eps = unet.forward(x, t);
            Tensor eps64 = unet64.forward(x.to(DType.FLOAT64), t);
            double d = eps.to(DType.FLOAT64).maxAbsDiff(eps64);
            System.out.printf("legacy-attention U-Net f32 vs f64: max-abs %.3e (absmax %.3f)%n", d, Tiny.absMax(eps64));
            assertTrue(d < 1e-5);
        }
    }
}
