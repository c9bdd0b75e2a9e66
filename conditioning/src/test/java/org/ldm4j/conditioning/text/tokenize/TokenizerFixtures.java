package org.ldm4j.conditioning.text.tokenize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.io.Json;

/**
 * Small hand-made tokenizer files, written into a test's temporary folder: nothing is downloaded.
 *
 * <pre>{@code
 * Path vocab = TokenizerFixtures.writeBertVocab(dir);
 * ClipTokenizer clip = TokenizerFixtures.clip(dir, TokenizerFixtures.CLIP_MERGES, ClipTokenizer.Padding.END_OF_TEXT);
 * }</pre>
 */
final class TokenizerFixtures {
    private TokenizerFixtures() {
    }

    /** A BERT-style vocabulary: the specials at BERT's order, then words, pieces, punctuation and two ideographs. */
    static final List<String> BERT_TOKENS = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",                 // 0..4
            "a", "small", "red", "circle", ",", "!",                      // 5..10
            "cafe", "naive", "un", "##aff", "##able",                     // 11..15
            "the", "top", "left", "at", "中", "国",                        // 16..21
            "##s", "##a", "circ", "##le", "big");                         // 22..26

    static int bertId(String token) {
        int id = BERT_TOKENS.indexOf(token);
        if (id < 0) {
            throw new IllegalArgumentException("token: expected one of the fixture's, got " + token);
        }
        return id;
    }

    static Path writeBertVocab(Path dir) throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.writeString(file, String.join("\n", BERT_TOKENS) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** Merges in rank order for the CLIP fixture (hand-checked answers in ClipTokenizerTest). */
    static final List<String> CLIP_MERGES = List.of(
            "l o",          // 0
            "lo w</w>",     // 1
            "e r</w>",      // 2
            "lo w",         // 3
            "a a",          // 4
            "c i",          // 5
            "r c",          // 6
            "ci rc",        // 7
            "l e</w>",      // 8
            "circ le</w>",  // 9
            "r e",          // 10
            "re d</w>");    // 11

    /**
     * A CLIP vocabulary built the way openai/CLIP builds its own from its merges: the 256 byte symbols in
     * {@code bytes_to_unicode} order, the same with {@code </w>}, one token per merge, then
     * {@code <|startoftext|>} and {@code <|endoftext|>}. So single-byte tokens get CLIP's real ids
     * ({@code "a</w>"} is 320, {@code "!"} is 0).
     */
    static Map<String, Long> clipVocab(List<String> merges) {
        List<String> symbols = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            symbols.add(String.valueOf((char) b));
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            symbols.add(String.valueOf((char) b));
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            symbols.add(String.valueOf((char) b));
        }
        for (int n = 0; n < 68; n++) {
            symbols.add(String.valueOf((char) (256 + n)));
        }
        List<String> tokens = new ArrayList<>(symbols);
        for (String s : symbols) {
            tokens.add(s + "</w>");
        }
        for (String m : merges) {
            tokens.add(m.replace(" ", ""));
        }
        tokens.add(ClipTokenizer.START_OF_TEXT);
        tokens.add(ClipTokenizer.END_OF_TEXT);
        Map<String, Long> vocab = new LinkedHashMap<>();
        for (String t : tokens) {
            vocab.putIfAbsent(t, (long) vocab.size());
        }
        return vocab;
    }

    static Path writeClipVocab(Path dir, Map<String, Long> vocab) throws IOException {
        Path file = dir.resolve("vocab.json");
        Files.writeString(file, Json.writeCompact(vocab), StandardCharsets.UTF_8);
        return file;
    }

    static Path writeMerges(Path dir, List<String> merges) throws IOException {
        Path file = dir.resolve("merges.txt");
        Files.writeString(file, "#version: 0.2\n" + String.join("\n", merges) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    static ClipTokenizer clip(Path dir, List<String> merges, ClipTokenizer.Padding padding) throws IOException {
        return ClipTokenizer.load(writeClipVocab(dir, clipVocab(merges)), writeMerges(dir, merges), padding);
    }

    /** Captions of a toy shapes data set: size, colour, shape and position, every combination once. */
    static List<String> shapeCaptions() {
        List<String> out = new ArrayList<>();
        for (String size : List.of("small", "large")) {
            for (String colour : List.of("red", "green", "blue", "yellow")) {
                for (String shape : List.of("circle", "square", "triangle")) {
                    for (String pos : List.of("top left", "top right", "bottom left", "bottom right", "center")) {
                        out.add("a " + size + " " + colour + " " + shape + " at the " + pos);
                    }
                }
            }
        }
        return out;
    }
}
