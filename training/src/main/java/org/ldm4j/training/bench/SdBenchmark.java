package org.ldm4j.training.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ldm4j.conditioning.text.tokenize.ClipTokenizer;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.bench.Interleaved;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Sampling;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.sd.StableDiffusionConfig;

/**
 * Seconds per image of Stable Diffusion 1.x text-to-image (issue 9): the full v1 model (859M + 84M + 123M
 * parameters) built without initialising its weights (timing does not depend on their values, and no real
 * weights can be downloaded here), one prompt with classifier-free guidance, {@code steps} sampler steps at
 * {@code size x size}, and the VAE decode. Reports the build time, every step's time (median), the time outside
 * the steps (text encoding and decoding), the total, and the peak resident memory of the process.
 *
 * <pre>{@code
 * Map<String, Object> report = new SdBenchmark(SdBenchmark.Options.defaults(), System.err::println).run();
 * }</pre>
 */
public final class SdBenchmark {
    /** What to run. */
    public record Options(int size, int steps, Sampling.Name sampler, double guidance, int decodeTile, boolean quick) {
        public Options {
            if (size < 64 || size % 64 != 0 || steps < 1 || sampler == null || decodeTile < 0) {
                throw new IllegalArgumentException("options: expected a size that is a multiple of 64, steps >= 1, a "
                        + "sampler and a decode tile >= 0, got " + size + ", " + steps + ", " + sampler + ", "
                        + decodeTile);
            }
        }

        /** 512x512, 30 DDIM steps, guidance 7.5. */
        public static Options defaults() {
            return new Options(512, 30, Sampling.Name.DDIM, 7.5, 0, false);
        }

        /** A smoke run for tests: a tiny SD-shaped model (not v1), 64x64, 2 steps. */
        public static Options quickRun() {
            return new Options(64, 2, Sampling.Name.DDIM, 7.5, 0, true);
        }
    }

    private final Options options;
    private final Consumer<String> progress;

    public SdBenchmark(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** A model of SD 1.x's shapes, much smaller, for the smoke run. */
    static StableDiffusionConfig tiny() {
        StableDiffusionConfig v1 = StableDiffusionConfig.v1();
        return new StableDiffusionConfig(
                org.ldm4j.unet.UNetConfig.builder().imageSize(8).inChannels(4).outChannels(4).modelChannels(32)
                        .channelMult(1, 2).numResBlocks(1).attentionResolutions(1).numHeads(2)
                        .useSpatialTransformer(true).contextDim(64).build(),
                new org.ldm4j.autoencoder.AutoencoderConfig(32, List.of(1, 2, 2, 2), 1, List.of(), 4, true, 0.0, 64, 3,
                        3, 4, 0),
                new org.ldm4j.conditioning.text.clip.ClipTextConfig(v1.text().vocabSize(), 64, 2, 2,
                        v1.text().maxPositions(), 128, v1.text().activation(), v1.text().layerNormEps()),
                v1.schedule(), v1.prediction(), v1.scaleFactor(), 64);
    }

    /** Runs the measurement and returns the report. */
    @SuppressWarnings("try")
    public Map<String, Object> run() {
        long started = System.nanoTime();
        StableDiffusionConfig config = options.quick() ? tiny() : StableDiffusionConfig.v1()
                .withImageSize(options.size());
        ClipTokenizer tokenizer = lettersTokenizer();
        long t0 = System.nanoTime();
        LatentDiffusion ldm = config.buildEmpty(tokenizer, DType.FLOAT32);
        ldm.eval();
        double buildS = (System.nanoTime() - t0) / 1e9;
        progress.accept(String.format("Stable Diffusion %s: %,d parameters built (unset) in %.1f s; %dx%d, %d %s "
                + "steps, guidance %.1f", options.quick() ? "(tiny, smoke run)" : "1.x", config.parameterCount(),
                buildS, options.size(), options.size(), options.steps(), options.sampler().cliName(),
                options.guidance()));
        List<Double> stepMs = new ArrayList<>();
        long[] peak = {Backend.residentBytes()};
        long[] last = {0};
        Sampling.Request r = new Sampling.Request(Conditions.prompts(List.of("a red cat")), null, options.sampler(),
                options.steps(), options.guidance(), 42, null, 1.0, null, options.decodeTile());
        long t1 = System.nanoTime();
        long[] firstStep = {0};
        int[] ran = {0};
        last[0] = t1;
        Tensor image;
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            image = Sampling.run(ldm, options.size(), options.size(), r, (step, total, x0) -> {
                long now = System.nanoTime();
                ran[0] = total;
                if (step == 0) {
                    firstStep[0] = now;
                } else {
                    stepMs.add((now - last[0]) / 1e6);
                }
                last[0] = now;
                peak[0] = Math.max(peak[0], Backend.residentBytes());
                progress.accept(String.format("step %d/%d (%.1f s)", step + 1, total, (now - t1) / 1e9));
            });
            image.sum().item();
            peak[0] = Math.max(peak[0], Backend.residentBytes());
        }
        double totalS = (System.nanoTime() - t1) / 1e9;
        double median = stepMs.isEmpty() ? Double.NaN
                : Interleaved.median(stepMs.stream().mapToDouble(Double::doubleValue).toArray());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("benchmark", "sd");
        m.put("backend", Backend.describe());
        m.put("quick", options.quick());
        m.put("model", options.quick() ? "tiny SD-shaped" : "Stable Diffusion 1.x (v1-inference.yaml)");
        m.put("parameters", config.parameterCount());
        m.put("size", options.size());
        m.put("steps", options.steps());
        // the reference's uniform DDIM schedule, range(0, 1000, 1000 // steps), can run one step more (31 for 30)
        m.put("sampler_steps", ran[0]);
        m.put("sampler", options.sampler().cliName());
        m.put("guidance", options.guidance());
        m.put("decode_tile", options.decodeTile());
        m.put("build_s", Interleaved.round(buildS));
        m.put("step_median_s", Interleaved.round(median / 1e3));
        m.put("first_step_s", Interleaved.round((firstStep[0] - t1) / 1e9));
        // text encoding, the first step's extra cost and the VAE decode: the total less steps x the median step
        m.put("outside_steps_s", Double.isNaN(median) ? null : Interleaved.round(totalS - ran[0] * median / 1e3));
        m.put("seconds_per_image", Interleaved.round(totalS));
        m.put("resident_mb_peak", peakResidentMb(peak[0]));
        m.put("elapsed_s", Interleaved.round((System.nanoTime() - started) / 1e9));
        progress.accept(String.format("%.1f s per image (median step %.2f s), peak resident %d MB", totalS,
                median / 1e3, peakResidentMb(peak[0])));
        return m;
    }

    /** The larger of the sampled resident size and the kernel's high-water mark (VmHWM), in MB. */
    private static long peakResidentMb(long sampled) {
        long hwm = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the sampled figure stands
        }
        return Math.max(sampled, hwm) >> 20;
    }

    /** A CLIP tokenizer over the letters a-z (ids below 60 of CLIP's 49,408): SD's vocabulary is not ours to ship. */
    static ClipTokenizer lettersTokenizer() {
        try {
            Path dir = Files.createTempDirectory("ldm4j-bench-tokenizer");
            Map<String, Integer> vocab = new LinkedHashMap<>();
            for (char c = 'a'; c <= 'z'; c++) {
                vocab.put(String.valueOf(c), vocab.size());
                vocab.put(c + "</w>", vocab.size());
            }
            vocab.put(ClipTokenizer.START_OF_TEXT, vocab.size());
            vocab.put(ClipTokenizer.END_OF_TEXT, vocab.size());
            Path v = Files.writeString(dir.resolve("vocab.json"), Json.write(vocab), StandardCharsets.UTF_8);
            Path m = Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n", StandardCharsets.UTF_8);
            ClipTokenizer t = ClipTokenizer.load(v, m);
            Files.delete(v);
            Files.delete(m);
            Files.delete(dir);
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("tokenizer: cannot write the benchmark's vocabulary: " + e.getMessage(), e);
        }
    }
}
