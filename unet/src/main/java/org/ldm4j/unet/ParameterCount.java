package org.ldm4j.unet;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Counts the parameters of a {@link UNetModel} from its config by walking the reference's construction loop with
 * sizes only (so that Stable Diffusion's 859,520,964 can be checked without allocating 3.4 GB). Tests compare it
 * with {@code Module.parameterCount()} of built models over many configs.
 */
final class ParameterCount {
    private ParameterCount() {
    }

    static long of(UNetConfig c) {
        int mc = c.modelChannels();
        int emb = c.timeEmbedDim();
        long n = linear(mc, emb) + linear(emb, emb);                          // time_embed.0, time_embed.2
        if (c.isClassConditional()) {
            n += (long) c.numClasses() * emb;                                  // label_emb
        }
        n += conv(c.inChannels(), mc, 3);                                      // input_blocks.0.0
        Deque<Integer> skips = new ArrayDeque<>();
        skips.push(mc);
        int ch = mc;
        int ds = 1;
        int levels = c.numLevels();
        for (int level = 0; level < levels; level++) {
            for (int b = 0; b < c.numResBlocks(); b++) {
                int out = c.channels(level);
                n += resBlock(c, ch, out);
                ch = out;
                if (c.attentionAt(ds)) {
                    n += attention(c, ch, false);
                }
                skips.push(ch);
            }
            if (level != levels - 1) {
                n += c.resblockUpdown() ? resBlock(c, ch, ch) : (c.convResample() ? conv(ch, ch, 3) : 0);
                skips.push(ch);
                ds *= 2;
            }
        }
        n += 2 * resBlock(c, ch, ch) + attention(c, ch, false);              // middle_block
        for (int level = levels - 1; level >= 0; level--) {
            for (int i = 0; i < c.numResBlocks() + 1; i++) {
                int out = c.channels(level);
                n += resBlock(c, ch + skips.pop(), out);
                ch = out;
                if (c.attentionAt(ds)) {
                    n += attention(c, ch, true);
                }
                if (level > 0 && i == c.numResBlocks()) {
                    n += c.resblockUpdown() ? resBlock(c, ch, ch) : (c.convResample() ? conv(ch, ch, 3) : 0);
                    ds /= 2;
                }
            }
        }
        return n + norm(ch) + conv(mc, c.outChannels(), 3);                   // out.0, out.2
    }

    private static long linear(long in, long out) {
        return in * out + out;
    }

    private static long conv(long in, long out, int k) {
        return out * in * k * k + out;
    }

    private static long norm(long c) {
        return 2 * c;
    }

    private static long resBlock(UNetConfig c, int in, int out) {
        long n = norm(in) + conv(in, out, 3);                                  // in_layers.0, in_layers.2
        n += linear(c.timeEmbedDim(), c.useScaleShiftNorm() ? 2L * out : out); // emb_layers.1
        n += norm(out) + conv(out, out, 3);                                    // out_layers.0, out_layers.3
        return n + (in != out ? conv(in, out, 1) : 0);                         // skip_connection
    }

    private static long attention(UNetConfig c, int ch, boolean upsample) {
        UNetConfig.Heads h = c.heads(ch, upsample);
        if (!c.useSpatialTransformer()) {
            return norm(ch) + 3L * ch * ch + 3L * ch + (long) ch * ch + ch;   // norm, qkv, proj_out (Conv1d)
        }
        long inner = (long) h.count() * h.dim();
        long ctx = c.contextDim();
        long block = 3 * inner * inner + linear(inner, inner)                // attn1: to_q, to_k, to_v, to_out.0
                + inner * inner + 2 * ctx * inner + linear(inner, inner)     // attn2
                + linear(inner, 8 * inner) + linear(4 * inner, inner)        // ff.net.0.proj (GEGLU), ff.net.2
                + 3 * norm(inner);                                           // norm1..3
        return norm(ch) + conv(ch, inner, 1) + c.transformerDepth() * block + conv(inner, ch, 1);
    }
}
