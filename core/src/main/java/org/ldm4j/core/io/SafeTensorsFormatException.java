package org.ldm4j.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that is malformed: too short, a bad header, or tensor entries that do not describe its data
 * buffer. The message names the file and, where one is at fault, the tensor, and says what was expected and what
 * was found: {@code unet.safetensors: tensor 'out.2.weight': data_offsets [0, 20] span 20 bytes, but dtype F32
 * and shape [2, 3] need 24}.
 *
 * <pre>{@code
 * try (SafeTensorsReader r = SafeTensors.open(path)) {
 *     ...
 * } catch (SafeTensorsFormatException e) {
 *     System.err.println("not a valid checkpoint: " + e.getMessage() + " (tensor " + e.tensor() + ")");
 * }
 * }</pre>
 */
public final class SafeTensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    /** An error about the whole file. */
    public SafeTensorsFormatException(Path file, String detail) {
        this(file, null, detail, null);
    }

    /** An error about one tensor entry ({@code tensor} may be null for file-level errors). */
    public SafeTensorsFormatException(Path file, String tensor, String detail) {
        this(file, tensor, detail, null);
    }

    /** As {@link #SafeTensorsFormatException(Path, String, String)}, with the underlying cause. */
    public SafeTensorsFormatException(Path file, String tensor, String detail, Throwable cause) {
        super(file + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ") + detail, cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file that is malformed. */
    public Path file() {
        return file;
    }

    /** The tensor whose entry is at fault, or null when the error concerns the whole file. */
    public String tensor() {
        return tensor;
    }
}
