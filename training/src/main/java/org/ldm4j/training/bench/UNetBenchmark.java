package org.ldm4j.training.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.Losses;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.bench.Interleaved;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.unet.UNetConfig;
import org.ldm4j.unet.UNetModel;

/**
 * The U-Net benchmark of issue 4: model_channels 64, channel_mult [1, 2, 2], 2 res blocks, attention at factors 2
 * and 4 with 32 channels per head, one transformer layer, context_dim 128, on latents [8, 4, 16, 16] with context
 * [8, 8, 128]. Times the forward pass without gradients and a full training step (MSE to random noise, backward,
 * AdamW).
 *
 * <pre>{@code
 * Map<String, Object> report = new UNetBenchmark(UNetBenchmark.Options.defaults(), System.err::println).run();
 * }</pre>
 */
public final class UNetBenchmark {
    /** What to run. */
    public record Options(int batch, int size, int warmup, int repetitions, boolean quick) {
        public Options {
            if (batch < 1 || size < 4 || size % 4 != 0 || warmup < 0 || repetitions < 1) {
                throw new IllegalArgumentException("options: expected batch >= 1, size a multiple of 4, warmup >= 0 "
                        + "and repetitions >= 1, got " + batch + ", " + size + ", " + warmup + ", " + repetitions);
            }
        }

        /** The sizes: latents [8, 4, 16, 16], 3 warm-up and 15 timed steps. */
        public static Options defaults() {
            return new Options(8, 16, 3, 15, false);
        }

        /** A smoke run for tests: [1, 4, 8, 8], one step. */
        public static Options quickRun() {
            return new Options(1, 8, 0, 1, true);
        }

        public Options withRepetitions(int r) {
            return new Options(batch, size, warmup, r, quick);
        }
    }

    private final Options options;
    private final Consumer<String> progress;

    public UNetBenchmark(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** The U-Net the issue names. */
    public static UNetConfig config(int imageSize) {
        return UNetConfig.builder().imageSize(imageSize).inChannels(4).outChannels(4).modelChannels(64)
                .attentionResolutions(2, 4).numResBlocks(2).channelMult(1, 2, 2).numHeadChannels(32)
                .useSpatialTransformer(true).transformerDepth(1).contextDim(128).legacy(false).build();
    }

    /** Runs both measurements and returns the report. */
    public Map<String, Object> run() {
        long started = System.nanoTime();
        Rng rng = new Rng(11);
        UNetModel model = new UNetModel(config(options.size()), rng.split());
        AdamW opt = AdamW.builder(model.trainableParameters()).lr(1e-4).weightDecay(0.01).build();
        int b = options.batch();
        Tensor x = rng.normal(b, 4, options.size(), options.size());
        Tensor t = rng.randint(0, 1000, b);
        Tensor context = rng.normal(b, 8, 128);
        Tensor eps = rng.normal(b, 4, options.size(), options.size());
        Interleaved timer = new Interleaved(options.warmup(), options.repetitions());
        timer.add("forward_nograd", () -> {
            try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
                model.forward(x, t, context).sum().item();
            }
        });
        long[] peak = {0};
        timer.add("train_step", () -> {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor loss = Losses.mse(model.forward(x, t, context), eps, Losses.Reduction.MEAN);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                loss.item();
                peak[0] = Math.max(peak[0], Backend.residentBytes());
            }
        });
        progress.accept(String.format("U-Net mc 64, mult [1,2,2], 2 res blocks, attention at 2 and 4, context 128: "
                + "%,d parameters; latents [%d, 4, %d, %d]; %d warm-up and %d timed steps", model.parameterCount(), b,
                options.size(), options.size(), options.warmup(), options.repetitions()));
        timer.run();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "unet");
        r.put("backend", Backend.describe());
        r.put("quick", options.quick());
        r.put("model", Map.of("model_channels", 64, "channel_mult", List.of(1, 2, 2), "num_res_blocks", 2,
                "attention_resolutions", List.of(2, 4), "num_head_channels", 32, "context_dim", 128,
                "parameters", model.parameterCount()));
        r.put("latents", List.of(b, 4, options.size(), options.size()));
        r.put("context", List.of(b, 8, 128));
        r.put("warmup", options.warmup());
        r.put("repetitions", options.repetitions());
        r.put("forward_nograd", timer.statsMs("forward_nograd"));
        Map<String, Object> step = new LinkedHashMap<>(timer.statsMs("train_step"));
        step.put("loss", "MSE to noise, backward, AdamW");
        r.put("train_step", step);
        r.put("resident_mb_peak", peak[0] / (1 << 20));
        r.put("elapsed_s", Interleaved.round((System.nanoTime() - started) / 1e9));
        progress.accept(String.format("forward %.1f ms, training step %.1f ms (medians)",
                timer.median("forward_nograd"), timer.median("train_step")));
        return r;
    }
}
