package org.ldm4j.training.config;

import org.ldm4j.training.data.ShapesConfig;

/**
 * One dataset of a config's {@code data.params} ({@code train}, {@code validation}): ldm4j's synthetic
 * {@link org.ldm4j.training.data.ShapesDataset}, or one of the reference's dataset classes, which ldm4j does not
 * port and records by name and image size only.
 *
 * <pre>{@code
 * DatasetConfig shapes = new DatasetConfig.Shapes(ShapesConfig.of(32), 0);
 * DatasetConfig imagenet = new DatasetConfig.Reference("ldm.data.imagenet.ImageNetTrain", 256);
 * imagenet.imageSize();      // 256
 * }</pre>
 */
public sealed interface DatasetConfig permits DatasetConfig.Shapes, DatasetConfig.Reference {

    /** The {@code target} of ldm4j's shapes dataset. */
    String SHAPES_TARGET = "org.ldm4j.training.data.ShapesDataset";

    /** The side of the (square) images. */
    int imageSize();

    /**
     * {@link org.ldm4j.training.data.ShapesDataset}: {@code target: org.ldm4j.training.data.ShapesDataset} with
     * params {@code size, min_shapes, max_shapes, kinds, colours, labels, background, supersample, seed}.
     *
     * @param config the dataset's settings
     * @param seed   its seed
     */
    record Shapes(ShapesConfig config, long seed) implements DatasetConfig {
        public Shapes {
            if (config == null) {
                throw new IllegalArgumentException("config: expected the shapes settings, got null");
            }
        }

        @Override
        public int imageSize() {
            return config.size();
        }
    }

    /**
     * A dataset class of the reference ({@code ldm.data.imagenet.ImageNetTrain}, ...).
     *
     * @param target    the class name as written
     * @param imageSize the images' side: {@code crop_size}, else {@code size}, else {@code config.size}
     */
    record Reference(String target, int imageSize) implements DatasetConfig {
        public Reference {
            if (target == null || target.isBlank()) {
                throw new IllegalArgumentException("target: expected a class name, got " + target);
            }
            if (imageSize < 1) {
                throw new IllegalArgumentException("imageSize: expected a positive size, got " + imageSize);
            }
        }
    }
}
