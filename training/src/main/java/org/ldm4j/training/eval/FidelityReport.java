package org.ldm4j.training.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import org.ldm4j.core.io.Json;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;

/**
 * How faithful a batch of samples is to the classes requested for them, as {@link ShapesChecker} reads them: the
 * share whose predicted class is the requested one, the shares with the right kind and the right colour (where the
 * labels mode says what was requested), per-class accuracy, the confusion matrix, and the chance level
 * {@code 1 / numClasses} to compare against. A sample without a shape counts as wrong on every count.
 *
 * <pre>{@code
 * FidelityReport r = checker.evaluate(samples, requested);       // samples (B, 3, H, W), requested[B]
 * r.classAccuracy();                                             // 0.92
 * r.kindAccuracy();                                              // OptionalDouble[0.95] (empty for COLOUR labels)
 * Files.writeString(out.resolve("fidelity.txt"), r.toString());
 * Files.writeString(out.resolve("fidelity.json"), r.toJson());
 * }</pre>
 */
public final class FidelityReport {
    private final ShapesConfig config;
    private final int count;
    private final int found;
    private final int correct;
    private final int kindRight;
    private final int colourRight;
    private final int[] perClassCount;
    private final int[] perClassCorrect;
    /** [requested][predicted], the last column for "no shape found". */
    private final int[][] confusion;

    private FidelityReport(ShapesConfig config, List<Verdict> verdicts, long[] requested) {
        this.config = config;
        int k = config.numClasses();
        this.count = verdicts.size();
        this.perClassCount = new int[k];
        this.perClassCorrect = new int[k];
        this.confusion = new int[k][k + 1];
        int nFound = 0;
        int nCorrect = 0;
        int nKind = 0;
        int nColour = 0;
        for (int i = 0; i < count; i++) {
            Verdict v = verdicts.get(i);
            int label = (int) requested[i];
            perClassCount[label]++;
            confusion[label][v.found() ? v.predictedClass() : k]++;
            if (!v.found()) {
                continue;
            }
            nFound++;
            if (v.predictedClass() == label) {
                nCorrect++;
                perClassCorrect[label]++;
            }
            if (hasKind() && v.kind() == requestedKind(label)) {
                nKind++;
            }
            if (hasColour() && v.colour() == requestedColour(label)) {
                nColour++;
            }
        }
        this.found = nFound;
        this.correct = nCorrect;
        this.kindRight = nKind;
        this.colourRight = nColour;
    }

    /**
     * The report on {@code verdicts} (one per sample) against the classes requested for them under {@code config}.
     *
     * @throws IllegalArgumentException if there are no verdicts, their count differs from the labels', a label is
     *     outside {@code [0, config.numClasses())}, or a verdict's class is
     */
    public static FidelityReport of(ShapesConfig config, List<Verdict> verdicts, long[] requested) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(verdicts, "verdicts");
        Objects.requireNonNull(requested, "requested");
        if (verdicts.isEmpty()) {
            throw new IllegalArgumentException("verdicts: expected at least one sample, got none");
        }
        if (verdicts.size() != requested.length) {
            throw new IllegalArgumentException("requested: expected one label per verdict, " + verdicts.size()
                    + ", got " + requested.length);
        }
        int k = config.numClasses();
        for (int i = 0; i < requested.length; i++) {
            if (requested[i] < 0 || requested[i] >= k) {
                throw new IllegalArgumentException("requested[" + i + "]: expected a class in [0, " + k + "), got "
                        + requested[i]);
            }
            Verdict v = Objects.requireNonNull(verdicts.get(i), "verdicts[" + i + "]");
            if (v.found() && v.predictedClass() >= k) {
                throw new IllegalArgumentException("verdicts[" + i + "]: expected a predicted class in [0, " + k
                        + "), got " + v.predictedClass() + " (a verdict of another config?)");
            }
        }
        return new FidelityReport(config, verdicts, requested);
    }

    public ShapesConfig config() {
        return config;
    }

    /** The number of samples. */
    public int count() {
        return count;
    }

    /** The number of samples in which a shape was found. */
    public int foundCount() {
        return found;
    }

    /** The number of samples whose predicted class is the requested one. */
    public int correctCount() {
        return correct;
    }

    /** The share of samples whose predicted class is the requested one: the fidelity. */
    public double classAccuracy() {
        return (double) correct / count;
    }

    /** The share of samples with the requested kind; empty if the labels do not name a kind (COLOUR). */
    public OptionalDouble kindAccuracy() {
        return hasKind() ? OptionalDouble.of((double) kindRight / count) : OptionalDouble.empty();
    }

    /** The share of samples with the requested colour; empty if the labels do not name a colour (SHAPE). */
    public OptionalDouble colourAccuracy() {
        return hasColour() ? OptionalDouble.of((double) colourRight / count) : OptionalDouble.empty();
    }

    /** The share of samples in which a shape was found. */
    public double foundRate() {
        return (double) found / count;
    }

    /** The accuracy of a classifier that guesses: {@code 1 / numClasses}. */
    public double chance() {
        return 1.0 / config.numClasses();
    }

    /** The number of samples requested of class {@code label}. */
    public int classCount(int label) {
        return perClassCount[checkLabel(label)];
    }

    /** The number of samples requested of class {@code label} and predicted as it. */
    public int classCorrect(int label) {
        return perClassCorrect[checkLabel(label)];
    }

    /** The accuracy on the samples requested of class {@code label}; empty if there were none. */
    public OptionalDouble classAccuracy(int label) {
        int n = classCount(label);
        return n == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) perClassCorrect[label] / n);
    }

    /**
     * The confusion matrix, a copy: row = requested class, column = predicted class, and a last column
     * ({@code numClasses}) for samples without a shape.
     */
    public int[][] confusion() {
        int[][] out = new int[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            out[i] = confusion[i].clone();
        }
        return out;
    }

    /** The report as plain values (non-applicable accuracies as null), in the order {@link #toJson} writes. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("labels", config.labels());
        m.put("numClasses", config.numClasses());
        m.put("samples", count);
        m.put("found", found);
        m.put("correct", correct);
        m.put("classAccuracy", classAccuracy());
        m.put("kindAccuracy", kindAccuracy().isPresent() ? kindAccuracy().getAsDouble() : null);
        m.put("colourAccuracy", colourAccuracy().isPresent() ? colourAccuracy().getAsDouble() : null);
        m.put("chance", chance());
        List<Object> classes = new ArrayList<>();
        for (int c = 0; c < config.numClasses(); c++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("label", c);
            row.put("name", config.className(c));
            row.put("samples", perClassCount[c]);
            row.put("correct", perClassCorrect[c]);
            row.put("accuracy", classAccuracy(c).isPresent() ? classAccuracy(c).getAsDouble() : null);
            classes.add(row);
        }
        m.put("perClass", classes);
        m.put("confusion", confusion());
        return m;
    }

    /** The report as pretty-printed JSON ({@link Json#write}); the confusion rows end with the "none" column. */
    public String toJson() {
        return Json.write(toMap());
    }

    /** A few lines for a report file: the fidelity against chance, then per class. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "shapes fidelity: %d/%d samples match the requested class (%s), chance %s%n",
                correct, count, pct(classAccuracy()), pct(chance())));
        b.append(String.format(Locale.ROOT, "  labels %s, %d classes; shape found in %d/%d; kind %s, colour %s%n",
                config.labels(), config.numClasses(), found, count, pct(kindAccuracy()), pct(colourAccuracy())));
        int width = 0;
        for (int c = 0; c < config.numClasses(); c++) {
            width = Math.max(width, config.className(c).length());
        }
        for (int c = 0; c < config.numClasses(); c++) {
            b.append(String.format(Locale.ROOT, "  %-" + width + "s %4d/%-4d %s%n", config.className(c),
                    perClassCorrect[c], perClassCount[c], pct(classAccuracy(c))));
        }
        return b.toString().stripTrailing();
    }

    // ---------------------------------------------------------------- helpers

    private boolean hasKind() {
        return config.labels() != ShapesConfig.Labels.COLOUR;
    }

    private boolean hasColour() {
        return config.labels() != ShapesConfig.Labels.SHAPE;
    }

    /** The kind that class {@code label} asks for (labels SHAPE or SHAPE_AND_COLOUR). */
    private ShapeKind requestedKind(int label) {
        return config.labels() == ShapesConfig.Labels.SHAPE ? config.kinds().get(label)
                : config.kinds().get(label / config.colours().size());
    }

    /** The colour that class {@code label} asks for (labels COLOUR or SHAPE_AND_COLOUR). */
    private ShapeColour requestedColour(int label) {
        return config.labels() == ShapesConfig.Labels.COLOUR ? config.colours().get(label)
                : config.colours().get(label % config.colours().size());
    }

    private int checkLabel(int label) {
        if (label < 0 || label >= config.numClasses()) {
            throw new IllegalArgumentException("label: expected a class in [0, " + config.numClasses() + "), got "
                    + label);
        }
        return label;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String pct(OptionalDouble v) {
        return v.isPresent() ? pct(v.getAsDouble()) : "n/a";
    }
}
