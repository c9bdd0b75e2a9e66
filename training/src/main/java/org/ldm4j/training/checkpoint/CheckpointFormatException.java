package org.ldm4j.training.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is a valid safetensors file but not a usable ldm4j checkpoint: its ldm4j metadata is missing or
 * malformed, it was written by a newer format version, its tensors do not match the groups it declares, or a
 * group the caller requires is absent. The message names the file and says what was expected and what was found:
 * {@code run/step-000001000.safetensors: missing group 'ema' (required); the file has groups [model, optimizer]}.
 * A file that is not valid safetensors at all (truncated, corrupt header) gives core's
 * {@link org.ldm4j.core.io.SafeTensorsFormatException} instead, which names the file too.
 *
 * <pre>{@code
 * try {
 *     Checkpoint c = Checkpoint.read(path, Checkpoint.MODEL, Checkpoint.EMA);
 * } catch (CheckpointFormatException e) {
 *     System.err.println("cannot resume from " + e.file() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public final class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** An error about {@code file}; the message is {@code file + ": " + detail}. */
    public CheckpointFormatException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
