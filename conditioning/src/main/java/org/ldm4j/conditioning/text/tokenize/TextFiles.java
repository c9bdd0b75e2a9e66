package org.ldm4j.conditioning.text.tokenize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The file edge of the tokenizers: strict UTF-8 reading into lines, and atomic writing (a temporary file in the
 * same folder, then a rename), so that a reader never sees half a vocabulary.
 *
 * <pre>{@code
 * List<String> lines = TextFiles.readLines(Path.of("vocab.txt"));   // "\n" or "\r\n" line ends
 * }</pre>
 */
final class TextFiles {
    private TextFiles() {
    }

    /** The whole file as strictly decoded UTF-8; malformed bytes give an IOException naming the file. */
    static String readString(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": expected UTF-8 text, found malformed bytes (" + e + ")", e);
        }
    }

    /**
     * The lines of a UTF-8 file, split at "\n" with a trailing "\r" removed from each; the empty string after a
     * final line break is not a line.
     */
    static List<String> readLines(Path file) throws IOException {
        String text = readString(file);
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            int trimmed = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(text.substring(start, trimmed));
            start = end + 1;
        }
        return lines;
    }

    /** Writes {@code content} as UTF-8 to a temporary file beside {@code file}, then renames it over {@code file}. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
