package org.ldm4j.training.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.IdxDataset;
import org.ldm4j.training.data.ImageFolderDataset;
import org.ldm4j.training.data.ImageFolderOptions;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.training.data.ShapesDataset;
import org.ldm4j.training.image.Resize;

/**
 * The {@code --dataset} option of the training commands: {@code shapes} (the built-in synthetic shapes, labelled
 * by shape), {@code shapes-colour} (labelled by shape and colour), {@code folder:DIR} (an image folder: labels
 * from sub-folders, captions from side-car .txt files, random crops and flips), {@code fashion-mnist:DIR} or
 * {@code mnist:DIR} (IDX files; Debian's dataset-fashion-mnist installs Fashion-MNIST).
 *
 * <pre>{@code
 * Dataset d = DatasetOption.open("folder:/data/pets", 64, 7);
 * }</pre>
 */
final class DatasetOption {
    static final String HELP = "shapes (default), shapes-colour, folder:DIR, fashion-mnist:DIR or mnist:DIR";

    private DatasetOption() {
    }

    /** The dataset of {@code spec} at {@code size} x {@code size}, seeded by {@code seed} where it draws. */
    static Dataset open(String spec, int size, long seed) throws IOException {
        if (spec == null || spec.isBlank() || spec.equals("shapes")) {
            return new ShapesDataset(ShapesConfig.of(size), seed);
        }
        if (spec.equals("shapes-colour") || spec.equals("shapes-color")) {
            return new ShapesDataset(ShapesConfig.of(size).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR), seed);
        }
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String path = colon < 0 ? "" : spec.substring(colon + 1);
        if (path.isEmpty()) {
            throw new IllegalArgumentException("--dataset: expected " + HELP + ", got \"" + spec + "\" (no path)");
        }
        switch (kind) {
            case "folder":
                return ImageFolderDataset.open(Path.of(path), ImageFolderOptions.of(size)
                        .withCrop(ImageFolderOptions.Crop.RANDOM).withFlip(true).withSeed(seed));
            case "fashion-mnist":
            case "mnist": {
                IdxDataset d = IdxDataset.open(Path.of(path), IdxDataset.Split.TRAIN)
                        .withKind(kind.equals("mnist") ? IdxDataset.Kind.MNIST : IdxDataset.Kind.FASHION_MNIST);
                return size == 32 ? d.padTo(32) : d.resizeTo(size, Resize.AREA);
            }
            default:
                throw new IllegalArgumentException("--dataset: expected " + HELP + ", got \"" + spec + "\"");
        }
    }
}
