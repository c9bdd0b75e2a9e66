package org.ldm4j.conditioning.text.tokenize;

import java.util.Locale;

/**
 * Character classes shared by the tokenizers, defined as the references define them: BERT's
 * {@code _is_whitespace}, {@code _is_control}, {@code _is_punctuation}, {@code _is_chinese_char}, and Python's
 * {@code str.isspace()} (which {@code str.split()} and {@code str.strip()} use).
 *
 * <pre>{@code
 * CodePoints.isPunctuation('$');   // true: an ASCII symbol counts as punctuation for BERT
 * }</pre>
 */
final class CodePoints {
    private CodePoints() {
    }

    /** Python's {@code str.isspace()}: Java's whitespace plus the no-break spaces and NEL. */
    static boolean isPythonSpace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
    }

    /** BERT's whitespace: space, tab, newline, carriage return, or a space separator (Unicode Zs). */
    static boolean isBertWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** BERT's control characters: Unicode Cc or Cf, except tab, newline and carriage return. */
    static boolean isBertControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT;
    }

    /** BERT's punctuation: the ASCII symbols (!"#$%&'()*+,-./ :;<=>?@ [\]^_` {|}~) or any Unicode P* category. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> {
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * BERT's "Chinese character": the CJK Unified Ideographs blocks and their extensions A to E, and the CJK
     * Compatibility Ideographs (and supplement). Hiragana, Katakana and Hangul are not in it: BERT splits those
     * into words on whitespace like Latin script.
     */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** {@code text} without leading and trailing characters that Python's {@code str.strip()} removes. */
    static String pythonStrip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isPythonSpace(text.codePointAt(start))) {
            start += Character.charCount(text.codePointAt(start));
        }
        while (end > start && isPythonSpace(text.codePointBefore(end))) {
            end -= Character.charCount(text.codePointBefore(end));
        }
        return text.substring(start, end);
    }

    /**
     * Python's {@code str.lower()}: the full lower-case mapping of every code point (so "İ" becomes "i" plus
     * U+0307), with Python's rule for capital sigma (Unicode's Final_Sigma: "ς" after a cased letter, with
     * case-ignorable characters between, and not before one; "σ" otherwise). Java's {@code toLowerCase} decides
     * final sigma by word boundaries instead, which differs on strings such as "eΣ0".
     */
    static String pythonLower(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp == 0x03A3) {
                sb.append(isFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            } else if (cp < 0x80) {
                sb.append(cp >= 'A' && cp <= 'Z' ? (char) (cp + 32) : (char) cp);
            } else {
                sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            }
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    /** Unicode's Final_Sigma context of the capital sigma at {@code index}: cased before, not cased after. */
    private static boolean isFinalSigma(String text, int index) {
        int j = index;
        int before = -1;
        while (j > 0) {
            int cp = text.codePointBefore(j);
            j -= Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                before = cp;
                break;
            }
        }
        if (before < 0 || !isCased(before)) {
            return false;
        }
        j = index + 1;
        while (j < text.length()) {
            int cp = text.codePointAt(j);
            j += Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                return !isCased(cp);
            }
        }
        return true;
    }

    /** Unicode's Cased property: Lowercase, Uppercase or Lt (Java's predicates include the Other_ properties). */
    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /** Unicode's Case_Ignorable: Mn, Me, Cf, Lm, Sk, or Word_Break MidLetter, MidNumLet or Single_Quote. */
    private static boolean isCaseIgnorable(int cp) {
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL -> {
                return true;
            }
            default -> {
                return switch (cp) {
                    case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52,
                            0xFE55, 0xFF07, 0xFF0E, 0xFF1A -> true;
                    default -> false;
                };
            }
        }
    }

    /** A code point as {@code U+00E9 'é'}, for error messages. */
    static String describe(int cp) {
        return String.format("U+%04X '%s'", cp, new String(Character.toChars(cp)));
    }
}
