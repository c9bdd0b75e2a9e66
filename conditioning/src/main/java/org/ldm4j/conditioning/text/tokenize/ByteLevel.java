package org.ldm4j.conditioning.text.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's and CLIP's reversible map from the 256 byte values to 256 printable characters ({@code
 * bytes_to_unicode}), so that byte-pair encoding works on strings with no whitespace or control characters in
 * them: the bytes {@code !} to {@code ~}, {@code ¡} to {@code ¬} and {@code ®} to {@code ÿ} (188 values) stand
 * for themselves, and the other 68 bytes, in increasing order, for U+0100, U+0101, ... U+0143. A space (0x20) is
 * thus {@code Ġ} (U+0120), a newline {@code Ċ} (U+010A).
 *
 * <pre>{@code
 * ByteLevel.encode("é!");          // "Ã©!": UTF-8 C3 A9 21, each byte as its character
 * ByteLevel.decode("Ã©!", out);    // writes the bytes C3 A9 21 back
 * }</pre>
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The byte-level string of {@code text}: its UTF-8 bytes, each as its character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The character that stands for byte {@code b} (0 to 255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b];
    }

    /**
     * Writes the bytes of the byte-level string {@code s} to {@code out}; a character outside the map (which a
     * CLIP vocabulary never holds) is written as its own UTF-8.
     */
    static void decode(CharSequence s, ByteArrayOutputStream out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < CHAR_TO_BYTE.length && CHAR_TO_BYTE[c] >= 0) {
                out.write(CHAR_TO_BYTE[c]);
            } else {
                int cp = Character.codePointAt(s, i);
                byte[] raw = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(raw, 0, raw.length);
                i += Character.charCount(cp) - 1;
            }
        }
    }
}
