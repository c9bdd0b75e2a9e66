package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;

/**
 * Classifier-free guidance (Ho and Salimans 2022) as a {@link Denoiser}: one batched call of the model on
 * {@code [x, x]} with the unconditional conditioning first and the conditional second, then
 * {@code e = e_u + s (e_c - e_u)}, as the reference's DDIM and PLMS samplers do. The "unconditional"
 * conditioning may be a negative prompt's context. At scale 1 the model runs once, on the conditional input only.
 * The combination is linear, so it applies to eps, x_0 and v outputs alike.
 *
 * <pre>{@code
 * Conditioning empty = Conditioning.ofContext(textEncoder.encode(List.of("")));       // [1, 77, 768]
 * Denoiser guided = new ClassifierFreeGuidance(unet, 7.5, empty);
 * Tensor z = sampler.sample(guided, Conditioning.ofContext(prompts), shape, 50, rng, null);
 * }</pre>
 */
public final class ClassifierFreeGuidance implements Denoiser {
    private final Denoiser model;
    private final double scale;
    private final Conditioning unconditional;

    /**
     * @param model         the conditional model
     * @param scale         the guidance scale s (1: no guidance, 0: unconditional only)
     * @param unconditional the conditioning of e_u (the empty prompt, the null class, or a negative prompt);
     *                      a part with batch 1 is repeated over the batch
     */
    public ClassifierFreeGuidance(Denoiser model, double scale, Conditioning unconditional) {
        if (model == null) {
            throw new IllegalArgumentException("model: expected a Denoiser, got null");
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale: expected a finite guidance scale, got " + scale);
        }
        if (unconditional == null) {
            throw new IllegalArgumentException("unconditional: expected a Conditioning (Conditioning.NONE for none), "
                    + "got null");
        }
        this.model = model;
        this.scale = scale;
        this.unconditional = unconditional;
    }

    public double scale() {
        return scale;
    }

    public Conditioning unconditional() {
        return unconditional;
    }

    /** The same guidance with another unconditional (e.g. negative-prompt) conditioning. */
    public ClassifierFreeGuidance withUnconditional(Conditioning negative) {
        return new ClassifierFreeGuidance(model, scale, negative);
    }

    @Override
    public Tensor apply(Tensor xt, Tensor t, Conditioning cond) {
        if (xt == null || t == null) {
            throw new IllegalArgumentException((xt == null ? "xt" : "t") + ": expected a tensor, got null");
        }
        Conditioning c = cond == null ? Conditioning.NONE : cond;
        if (scale == 1) {
            return model.apply(xt, t, c);
        }
        long b = xt.size(0);
        Shapes.checkShape("t", t, b);
        Conditioning both = new Conditioning(
                join("context", unconditional.context(), c.context(), b),
                join("labels", unconditional.labels(), c.labels(), b),
                joinConcat(unconditional.concat(), c.concat(), b));
        Tensor out = model.apply(ShapeOps.concat(0, xt, xt), ShapeOps.concat(0, t, t), both);
        long[] want = xt.shape();
        want[0] = 2 * b;
        Shapes.checkShape("model output", out, want);
        Tensor eu = out.slice(0, 0, b);
        Tensor ec = out.slice(0, b, 2 * b);
        // classifier-free guidance (Ho and Salimans 2022, eq. 6): e = e_u + s (e_c - e_u)
        return eu.add(ec.sub(eu).mul(scale));
    }

    /** {@code cat([uncond, cond])} of one part; both present or both absent. */
    private static Tensor join(String part, Tensor u, Tensor c, long b) {
        if (u == null && c == null) {
            return null;
        }
        if (u == null || c == null) {
            throw new IllegalArgumentException("unconditional." + part + ": expected " + (c == null
                    ? "none, as the conditioning has no " + part : "a " + part + " like the conditioning's "
                    + Shapes.str(c.shape())) + ", got " + (u == null ? "none" : Shapes.str(u.shape())));
        }
        Tensor ub = repeat(part, u, c, b);
        return ShapeOps.concat(0, ub, c);
    }

    /** The spatial concat conditioning (e.g. a masked image) is the same in both halves when the unconditional has none. */
    private static Tensor joinConcat(Tensor u, Tensor c, long b) {
        if (u == null && c != null) {
            return ShapeOps.concat(0, c, c);
        }
        return join("concat", u, c, b);
    }

    private static Tensor repeat(String part, Tensor u, Tensor c, long b) {
        if (c.size(0) != b) {
            throw new IllegalArgumentException("cond." + part + ": expected batch " + b + " like x, got "
                    + Shapes.str(c.shape()));
        }
        if (u.size(0) == b) {
            return u;
        }
        if (u.size(0) != 1) {
            throw new IllegalArgumentException("unconditional." + part + ": expected batch 1 or " + b + ", got "
                    + Shapes.str(u.shape()));
        }
        long[] s = u.shape();
        s[0] = b;
        return u.expand(s);
    }
}
