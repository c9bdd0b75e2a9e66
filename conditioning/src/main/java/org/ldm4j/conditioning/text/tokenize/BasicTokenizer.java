package org.ldm4j.conditioning.text.tokenize;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * BERT's basic tokenization, the step before WordPiece: text to words and punctuation marks.
 *
 * <p>In order, as Hugging Face's {@code BasicTokenizer} does it: (1) clean: drop NUL, U+FFFD and control
 * characters (Unicode Cc and Cf other than tab, newline and carriage return), turn whitespace (space, tab,
 * newline, carriage return, Unicode Zs) into spaces; (2) put spaces around CJK ideographs so that each is a word;
 * (3) NFC-normalise; (4) split on whitespace; (5) per word: lower-case and, when {@code stripAccents}, remove
 * accents (NFD, then drop the non-spacing marks, Unicode Mn); (6) split off every punctuation character (Unicode
 * P* and the ASCII symbols {@code $+<=>^`|~}) as a word of its own.
 *
 * <pre>{@code
 * BasicTokenizer.uncased().tokenize("Café naïve, isn't it?");
 * // [cafe, naive, ",", isn, "'", t, it, "?"]
 * }</pre>
 *
 * @param lowerCase    lower-case every word ({@code do_lower_case}; true for {@code bert-base-uncased})
 * @param stripAccents remove accents ({@code strip_accents}; the reference follows {@code lowerCase} by default)
 * @param splitCjk     make every CJK ideograph its own word ({@code tokenize_chinese_chars}; true by default)
 */
public record BasicTokenizer(boolean lowerCase, boolean stripAccents, boolean splitCjk) {

    /** {@code bert-base-uncased}'s settings: lower-case, strip accents, split CJK (LDM's text-to-image model). */
    public static BasicTokenizer uncased() {
        return new BasicTokenizer(true, true, true);
    }

    /** {@code bert-base-cased}'s settings: keep case and accents, split CJK. */
    public static BasicTokenizer cased() {
        return new BasicTokenizer(false, false, true);
    }

    /** The words and punctuation marks of {@code text}, in order (never an empty string). */
    public List<String> tokenize(String text) {
        String cleaned = Normalizer.normalize(clean(text), Normalizer.Form.NFC);
        List<String> out = new ArrayList<>();
        for (String word : splitOnWhitespace(cleaned)) {
            if (lowerCase) {
                word = CodePoints.pythonLower(word);
            }
            if (stripAccents) {
                word = stripAccents(word);
            }
            splitOnPunctuation(word, out);
        }
        return out;
    }

    /** Steps (1) and (2): control characters dropped, whitespace to spaces, spaces around CJK ideographs. */
    private String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || CodePoints.isBertControl(cp)) {
                return;
            }
            if (CodePoints.isBertWhitespace(cp)) {
                sb.append(' ');
            } else if (splitCjk && CodePoints.isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /** Python's {@code str.split()}: runs of non-whitespace. */
    static List<String> splitOnWhitespace(String text) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && CodePoints.isPythonSpace(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            int start = i;
            while (i < n && !CodePoints.isPythonSpace(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            if (i > start) {
                words.add(text.substring(start, i));
            }
        }
        return words;
    }

    /** NFD, then without the non-spacing marks (Unicode Mn): "naïve" to "naive". */
    static String stripAccents(String word) {
        String nfd = Normalizer.normalize(word, Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(nfd.length());
        nfd.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK).forEach(sb::appendCodePoint);
        return sb.toString();
    }

    private static void splitOnPunctuation(String word, List<String> out) {
        int start = 0;
        int i = 0;
        while (i < word.length()) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (CodePoints.isPunctuation(cp)) {
                if (i > start) {
                    out.add(word.substring(start, i));
                }
                out.add(word.substring(i, next));
                start = next;
            }
            i = next;
        }
        if (word.length() > start) {
            out.add(word.substring(start));
        }
    }
}
