package org.ldm4j.training.config;

import java.util.Optional;

/**
 * A config's {@code data} section ({@code main.DataModuleFromConfig}): the batch size and the training and
 * validation datasets.
 *
 * <pre>{@code
 * DataConfig d = new DataConfig(8, Optional.of(new DatasetConfig.Shapes(ShapesConfig.of(32), 0)), Optional.empty());
 * d.imageSize();        // 32, from the training set
 * }</pre>
 *
 * @param batchSize  {@code batch_size} per replica
 * @param train      {@code train}, if given
 * @param validation {@code validation}, if given
 */
public record DataConfig(int batchSize, Optional<DatasetConfig> train, Optional<DatasetConfig> validation) {
    public DataConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected at least 1, got " + batchSize);
        }
        if (train == null || validation == null) {
            throw new IllegalArgumentException("train, validation: expected Optional values, got null");
        }
    }

    /** The image side of the training set, else of the validation set, else 0. */
    public int imageSize() {
        return train.or(() -> validation).map(DatasetConfig::imageSize).orElse(0);
    }
}
