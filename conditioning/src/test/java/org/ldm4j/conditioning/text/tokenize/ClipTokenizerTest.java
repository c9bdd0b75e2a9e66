package org.ldm4j.conditioning.text.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known answers of CLIP's byte-level BPE over a hand-made vocab.json and merges.txt
 * ({@link TokenizerFixtures#CLIP_MERGES}), hand-checked merge by merge.
 */
class ClipTokenizerTest {
    @TempDir
    Path dir;
    ClipTokenizer tok;
    Map<String, Long> vocab;

    @BeforeEach
    void load() throws IOException {
        vocab = TokenizerFixtures.clipVocab(TokenizerFixtures.CLIP_MERGES);
        tok = TokenizerFixtures.clip(dir, TokenizerFixtures.CLIP_MERGES, ClipTokenizer.Padding.END_OF_TEXT);
    }

    private int id(String token) {
        return vocab.get(token).intValue();
    }

    @Test
    void wordsSplitIntoTheExpectedPieces() {
        // l o w e r</w> -> (l o, rank 0) lo w e r</w> -> (e r</w>, 2) lo w er</w> -> (lo w, 3) low er</w>
        assertEquals(List.of("low", "er</w>"), tok.tokenize("lower"));
        // l o w</w> -> lo w</w> -> (lo w</w>, 1) low</w>
        assertEquals(List.of("low</w>"), tok.tokenize("low"));
        assertEquals(List.of("s", "low</w>"), tok.tokenize("slow"));
        // c i r c l e</w> -> ci r c l e</w> -> ci rc l e</w> -> circ l e</w> -> circ le</w> -> circle</w>
        assertEquals(List.of("circle</w>"), tok.tokenize("circle"));
        // the same letters without the final position: "le</w>" cannot form, so circ l e s</w>
        assertEquals(List.of("circ", "l", "e", "s</w>"), tok.tokenize("circles"));
        assertEquals(List.of("a</w>"), tok.tokenize("a"));
    }

    @Test
    void endOfWordMarksOnlyTheLastSymbol() {
        // "l o" merges at the start, but not at the end, where the symbol is "o</w>"
        assertEquals(List.of("lo", "l", "o</w>"), tok.tokenize("lolo"));
        // merges apply left to right without overlap: a a a</w> -> aa a</w>
        assertEquals(List.of("aa", "a</w>"), tok.tokenize("aaa"));
        assertEquals(List.of("aa", "aa", "a</w>"), tok.tokenize("aaaaa"));
    }

    @Test
    void singleByteTokensHaveClipsRealIds() {
        assertEquals(320, tok.id("a</w>"));    // as in openai/clip-vit-large-patch14's vocab.json
        assertEquals(0, tok.id("!"));
        assertEquals(256, tok.id("!</w>"));
        assertEquals(-1, tok.id("zebra</w>"));
    }

    @Test
    void textIsCleanedAndPreTokenizedAsClipDoes() {
        assertEquals("low lower", ClipTokenizer.clean("  LOW\t\n lower \u3000"));
        assertEquals(List.of("low</w>", "low", "er</w>"), tok.tokenize("  LOW\t\n Lower  "));
        assertEquals(List.of("it", "'s", "1", "2", "low", "!!"), ClipTokenizer.preTokenize("IT'S 12 low!!"));
        assertEquals(List.of("i", "t</w>", "'", "s</w>", "1</w>", "2</w>", "low</w>", "!", "!</w>"),
                tok.tokenize("IT'S 12 low!!"));
        assertEquals(List.of("a", "small", ",", "red", "circle", "!"), ClipTokenizer.preTokenize("a small, red circle!"));
        // "é" is the UTF-8 bytes C3 A9, written as the characters Ã and ©
        assertEquals(List.of("Ã", "©</w>"), tok.tokenize("É"));
        // NFC first: a decomposed accent is one letter, as after ftfy
        assertEquals(tok.tokenize("café"), tok.tokenize("cafe\u0301"));
        assertEquals(List.of("&", "amp", ";"), ClipTokenizer.preTokenize("&amp;"));   // no HTML unescaping
        // Python's lower(): final sigma after a cased letter (through case-ignorables), even before a digit
        assertEquals("οδος eς0 σ aς'", ClipTokenizer.clean("ΟΔΟΣ EΣ0 Σ AΣ'"));
        assertEquals("i\u0307stanbul", ClipTokenizer.clean("İstanbul"));
    }

    @Test
    void startAndEndTokensFrameEveryEncoding() {
        int sot = vocab.size() - 2;
        int eot = vocab.size() - 1;
        assertEquals(sot, tok.startId());
        assertEquals(eot, tok.endId());
        assertArrayEquals(new int[] {sot, id("low"), id("er</w>"), eot}, tok.encode("lower"));
        assertArrayEquals(new int[] {sot, eot}, tok.encode("   "));
        // written in the text, the specials are their own tokens
        assertArrayEquals(new int[] {sot, sot, id("low</w>"), eot, eot}, tok.encode("<|startoftext|>low<|endoftext|>"));
        assertEquals(vocab.size(), tok.vocabSize());
    }

    @Test
    void batchesPadWithTheEndTokenOrZero() {
        int sot = tok.startId();
        int eot = tok.endId();
        TokenBatch b = tok.encode(List.of("low lower", "a"), 8);
        assertArrayEquals(new int[] {sot, id("low</w>"), id("low"), id("er</w>"), eot, eot, eot, eot}, b.row(0));
        assertArrayEquals(new int[] {sot, 320, eot, eot, eot, eot, eot, eot}, b.row(1));
        assertArrayEquals(new int[] {5, 3}, b.lengths());
        assertEquals(eot, tok.padId());

        ClipTokenizer zero = tok.withPadding(ClipTokenizer.Padding.ZERO);
        assertEquals(0, zero.padId());
        assertArrayEquals(new int[] {sot, id("low</w>"), id("low"), id("er</w>"), eot, 0, 0, 0},
                zero.encode(List.of("low lower"), 8).row(0));
        assertSame(zero, zero.withPadding(ClipTokenizer.Padding.ZERO));
        // decoding stops at the end token, so padding with 0 (the token "!") does not leak into the text
        assertEquals("low lower", zero.decode(zero.encode(List.of("low lower"), 8).row(0)));
    }

    @Test
    void longTextsAreTruncatedTo77KeepingTheEndToken() {
        TokenBatch b = tok.encode(List.of("low ".repeat(100)), ClipTokenizer.CONTEXT_LENGTH);
        int[] row = b.row(0);
        assertEquals(77, row.length);
        assertEquals(tok.startId(), row[0]);
        for (int j = 1; j < 76; j++) {
            assertEquals(id("low</w>"), row[j]);
        }
        assertEquals(tok.endId(), row[76]);
        assertEquals(77, b.length(0));
        assertEquals(102 - 77, b.truncated(0));
    }

    @Test
    void decodeInvertsEncodeOnCleanTextOfKnownPieces() {
        for (String s : List.of("low lower slow", "a red circle", "circles aaa lolo", "É café 7")) {
            assertEquals(ClipTokenizer.clean(s), tok.decode(tok.encode(s)), s);
        }
        // every pre-token comes back followed by a space: punctuation is set apart
        assertEquals("a small , red circle !", tok.decode(tok.encode("A small, red circle!")));
        assertEquals("it 's", tok.decode(tok.encode("It's")));
        assertEquals("1 2 low", tok.decode(tok.encode("12 low")));         // digits are pre-tokens one by one
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new int[] {1, -3}));
        assertTrue(e.getMessage().contains("ids[1]") && e.getMessage().contains("-3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {vocab.size()}));
    }

    @Test
    void piecesMissingFromTheVocabularyAreReported() throws IOException {
        Path sub = dir.resolve("sparse");
        java.nio.file.Files.createDirectories(sub);
        Map<String, Long> sparse = new java.util.LinkedHashMap<>();
        for (String t : List.of("l", "o", "w</w>", "lo", "low</w>", "<|startoftext|>", "<|endoftext|>")) {
            sparse.put(t, (long) sparse.size());
        }
        ClipTokenizer small = ClipTokenizer.load(TokenizerFixtures.writeClipVocab(sub, sparse),
                TokenizerFixtures.writeMerges(sub, List.of("l o", "lo w</w>")));
        assertArrayEquals(new int[] {5, 4, 6}, small.encode("low"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small.encode("cat"));
        assertTrue(e.getMessage().contains("\"c\"") && e.getMessage().contains("cat"), e.getMessage());
    }
}
