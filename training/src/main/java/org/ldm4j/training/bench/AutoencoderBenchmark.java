package org.ldm4j.training.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.autoencoder.DiagonalGaussian;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.Losses;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.bench.Interleaved;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * The autoencoder benchmark of issue 3: an AutoencoderKL with ch 64, ch_mult [1, 2, 4], 2 res blocks, z 4 on a
 * [4, 3, 64, 64] batch. Times encode+decode under no-grad, and a full training step: sample the posterior,
 * decode, L1 reconstruction plus {@code kl_weight * KL}, backward, AdamW (no perceptual or GAN term, which
 * would measure LPIPS and the discriminator instead). Reports medians and the process's resident memory.
 *
 * <pre>{@code
 * Map<String, Object> report = new AutoencoderBenchmark(AutoencoderBenchmark.Options.defaults(), System.err::println).run();
 * }</pre>
 */
public final class AutoencoderBenchmark {
    /** What to run. */
    public record Options(int batch, int size, int warmup, int repetitions, boolean quick) {
        public Options {
            if (batch < 1 || size < 8 || warmup < 0 || repetitions < 1) {
                throw new IllegalArgumentException("options: expected batch >= 1, size >= 8, warmup >= 0 and "
                        + "repetitions >= 1, got " + batch + ", " + size + ", " + warmup + ", " + repetitions);
            }
        }

        /** The sizes: [4, 3, 64, 64], 3 warm-up and 15 timed steps. */
        public static Options defaults() {
            return new Options(4, 64, 3, 15, false);
        }

        /** A smoke run for tests: [1, 3, 16, 16], one step. */
        public static Options quickRun() {
            return new Options(1, 16, 0, 1, true);
        }

        public Options withRepetitions(int r) {
            return new Options(batch, size, warmup, r, quick);
        }
    }

    private final Options options;
    private final Consumer<String> progress;

    public AutoencoderBenchmark(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** The autoencoder the issue names: ch 64, ch_mult [1, 2, 4], 2 res blocks, z 4, no attention. */
    public static AutoencoderConfig config(int resolution) {
        return new AutoencoderConfig(64, List.of(1, 2, 4), 2, List.of(), 4, true, 0.0, resolution, 3, 3, 4, 0);
    }

    /** Runs both measurements and returns the report. */
    public Map<String, Object> run() {
        long started = System.nanoTime();
        Rng rng = new Rng(7);
        AutoencoderConfig cfg = config(options.size());
        AutoencoderKL model = new AutoencoderKL(cfg, rng.split());
        AdamW opt = AdamW.builder(model.trainableParameters()).lr(4.5e-6).betas(0.5, 0.9).weightDecay(0).build();
        Tensor x = rng.normal(options.batch(), 3, options.size(), options.size()).clamp(-1, 1);
        Rng noise = rng.split();
        double klWeight = 1e-6;
        Interleaved t = new Interleaved(options.warmup(), options.repetitions());
        t.add("encode_decode_nograd", () -> {
            try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
                model.decode(model.encode(x).mode()).sum().item();
            }
        });
        long[] peak = {0};
        t.add("train_step", () -> {
            try (MemoryScope s = MemoryScope.open()) {
                AutoencoderKL.Output out = model.forward(x, noise, true);
                DiagonalGaussian post = out.posterior();
                Tensor loss = Losses.l1(out.reconstruction(), x, Losses.Reduction.MEAN)
                        .add(post.kl().mean().mul(klWeight));
                opt.zeroGrad();
                loss.backward();
                opt.step();
                loss.item();
                peak[0] = Math.max(peak[0], Backend.residentBytes());
            }
        });
        progress.accept(String.format("AutoencoderKL ch 64, ch_mult [1,2,4], 2 res blocks, z 4: %,d parameters; batch "
                + "[%d, 3, %d, %d]; %d warm-up and %d timed steps", model.parameterCount(), options.batch(),
                options.size(), options.size(), options.warmup(), options.repetitions()));
        t.run();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "autoencoder");
        r.put("backend", Backend.describe());
        r.put("quick", options.quick());
        r.put("model", Map.of("ch", 64, "ch_mult", List.of(1, 2, 4), "num_res_blocks", 2, "z_channels", 4,
                "parameters", model.parameterCount()));
        r.put("input", List.of(options.batch(), 3, options.size(), options.size()));
        r.put("warmup", options.warmup());
        r.put("repetitions", options.repetitions());
        r.put("encode_decode_nograd", t.statsMs("encode_decode_nograd"));
        Map<String, Object> step = new LinkedHashMap<>(t.statsMs("train_step"));
        step.put("loss", "L1 + 1e-6 KL, backward, AdamW");
        r.put("train_step", step);
        r.put("resident_mb_peak", peak[0] / (1 << 20));
        r.put("elapsed_s", Interleaved.round((System.nanoTime() - started) / 1e9));
        progress.accept(String.format("encode+decode %.1f ms, training step %.1f ms (medians)",
                t.median("encode_decode_nograd"), t.median("train_step")));
        return r;
    }
}
