package org.ldm4j.conditioning.text.tokenize;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ldm4j.core.io.Json;

/**
 * Readers of CLIP's tokenizer files as Hugging Face publishes them: {@code vocab.json} (an object from token to
 * id) and {@code merges.txt} (a version header line, then one merge a line, "left right", in rank order). Every
 * problem is an IOException naming the file and the line (or, in {@code vocab.json}, the token).
 *
 * <pre>{@code
 * Map<String, Integer> vocab = ClipFiles.readVocab(Path.of("vocab.json"));
 * Map<String, Integer> ranks = ClipFiles.readMerges(Path.of("merges.txt"), vocab);   // "i n" -> 0, ...
 * }</pre>
 */
final class ClipFiles {
    private static final Pattern AT_CHARACTER = Pattern.compile("at character (\\d+)$");

    private ClipFiles() {
    }

    /** Token to id, in file order; ids are distinct non-negative ints. */
    static Map<String, Integer> readVocab(Path file) throws IOException {
        String text = TextFiles.readString(file);
        Object root;
        try {
            root = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new IOException(file + " " + where(text, e.getMessage()) + ": malformed JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new IOException(file + ": expected a JSON object from token to id, found a "
                    + (root instanceof List<?> ? "JSON array" : root.getClass().getSimpleName()));
        }
        if (map.isEmpty()) {
            throw new IOException(file + ": expected a JSON object from token to id, found an empty object");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>(map.size() * 2);
        Map<Integer, String> byId = new HashMap<>(map.size() * 2);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String token = (String) e.getKey();
            Object value = e.getValue();
            if (!(value instanceof Long id) || id < 0 || id > Integer.MAX_VALUE - 1) {
                throw new IOException(file + ": token \"" + token + "\": expected an id in [0, 2^31 - 1), found "
                        + (value instanceof String s ? "\"" + s + "\"" : value instanceof BigDecimal d ? d : value));
            }
            if (token.isEmpty()) {
                throw new IOException(file + ": id " + id + ": expected a non-empty token, found \"\"");
            }
            String other = byId.putIfAbsent(id.intValue(), token);
            if (other != null) {
                throw new IOException(file + ": token \"" + token + "\": expected a distinct id, found " + id
                        + ", the id of \"" + other + "\" too");
            }
            vocab.put(token, id.intValue());
        }
        return vocab;
    }

    /** "line L, column C" for a JSON error message ending in "at character N", else "". */
    private static String where(String text, String message) {
        Matcher m = AT_CHARACTER.matcher(message == null ? "" : message);
        if (!m.find()) {
            return "";
        }
        int pos = Math.min(Integer.parseInt(m.group(1)), text.length());
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < pos; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "line " + line + ", column " + (pos - lineStart + 1);
    }

    /**
     * The merge ranks ({@code "left right"} to rank, 0 first) of a {@code merges.txt}: line 1 is a version
     * header ({@code #version: 0.2}) and is skipped; every other line is two symbols separated by whitespace,
     * whose concatenation must be a token of {@code vocab}; trailing empty lines are allowed.
     */
    static Map<String, Integer> readMerges(Path file, Map<String, Integer> vocab) throws IOException {
        List<String> lines = TextFiles.readLines(file);
        int n = lines.size();
        while (n > 0 && CodePoints.pythonStrip(lines.get(n - 1)).isEmpty()) {
            n--;                                        // the reference strips the file's trailing whitespace
        }
        if (n == 0 || !lines.get(0).contains("#version")) {
            throw new IOException(file + " line 1: expected a version header such as \"#version: 0.2\", found "
                    + (n == 0 ? "an empty file" : "\"" + lines.get(0) + "\""));
        }
        Map<String, Integer> ranks = new HashMap<>(n * 2);
        for (int i = 1; i < n; i++) {
            List<String> parts = BasicTokenizer.splitOnWhitespace(lines.get(i));
            if (parts.size() != 2) {
                throw new IOException(file + " line " + (i + 1) + ": expected two symbols separated by a space, "
                        + "found \"" + lines.get(i) + "\"");
            }
            String merged = parts.get(0) + parts.get(1);
            if (!vocab.containsKey(merged)) {
                throw new IOException(file + " line " + (i + 1) + ": expected the merged token \"" + merged
                        + "\" in the vocabulary, found it missing (do vocab.json and merges.txt belong together?)");
            }
            Integer earlier = ranks.putIfAbsent(parts.get(0) + ' ' + parts.get(1), i - 1);
            if (earlier != null) {
                throw new IOException(file + " line " + (i + 1) + ": expected each merge once, found \""
                        + lines.get(i) + "\" again (first on line " + (earlier + 2) + ")");
            }
        }
        return ranks;
    }
}
