package org.ldm4j.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A PyTorch checkpoint whose pickle asks for something {@link TorchCheckpoint} refuses to do: import a global
 * that is not on its allow-list ({@code os.system}, {@code builtins.eval}, a training callback class), or use an
 * opcode it does not read ({@code INST}, {@code OBJ}, {@code EXT1}, ...). Nothing from the file has been executed
 * when this is thrown. The message names the file, the position in the pickle, and the global or opcode:
 * {@code evil.ckpt: archive/data.pkl byte 2: refused global os.system (...)}.
 *
 * <pre>{@code
 * try {
 *     StateDict sd = TorchCheckpoint.readStateDict(path);
 * } catch (UnsafePickleException e) {
 *     if (e.global() != null) {
 *         // a trusted training checkpoint with callback objects next to the weights: load the tensors only
 *         StateDict sd = TorchCheckpoint.readStateDict(path, TorchCheckpoint.Options.lenient());
 *     }
 * }
 * }</pre>
 */
public final class UnsafePickleException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String global;
    private final int opcode;

    /**
     * @param global the refused global as {@code module.name}, or null
     * @param opcode the refused opcode byte (0..255), or -1 when a global is refused
     */
    public UnsafePickleException(Path file, String global, int opcode, String detail) {
        super(file + ": " + detail);
        this.file = file;
        this.global = global;
        this.opcode = opcode;
    }

    /** The checkpoint file. */
    public Path file() {
        return file;
    }

    /** The refused global as {@code module.name} ({@code "os.system"}), or null when an opcode was refused. */
    public String global() {
        return global;
    }

    /** The refused opcode byte (0..255), or -1 when a global was refused. */
    public int opcode() {
        return opcode;
    }
}
