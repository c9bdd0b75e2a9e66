package org.ldm4j.conditioning.text.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vocabulary builder: deterministic, complete over the corpus's characters, and a working tokenizer. */
class WordPieceVocabularyTest {
    @TempDir
    Path dir;

    static final List<String> CAPTIONS = TokenizerFixtures.shapeCaptions();

    @Test
    void specialsComeFirstThenCharactersInBothForms() {
        WordPieceVocabulary v = WordPieceVocabulary.build(List.of("ab ba", "Ab!"), 100);
        // [PAD] [UNK] [CLS] [SEP] [MASK], then ! a b, then ##! ##a ##b, then merges by frequency:
        // words ab (x2), ba (x1), ! (x1); pairs (a, ##b) x2, (b, ##a) x1 -> "ab"; then (b, ##a) x1 < minFrequency 2
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", "a", "b", "##!", "##a", "##b", "ab"),
                v.tokens());
        WordPieceVocabulary all = WordPieceVocabulary.build(List.of("ab ba", "Ab!"), 100, BasicTokenizer.uncased(), 1);
        assertEquals(List.of("ab", "ba"), all.tokens().subList(11, 13));
    }

    @Test
    void mergesFollowPairFrequencyWithDeterministicTies() {
        // the BPE paper's example: low x5, lower x2, newest x6, widest x3; 10 characters -> 25 base tokens.
        // Hand-checked: (##e ##s) 9 and (##s ##t) 9 tie, "##e" < "##s" -> ##es; (##es ##t) 9 -> ##est;
        // (l ##o) 7 and (##o ##w) 7 tie, "##o" < "l" ("#" sorts first) -> ##ow; (l ##ow) 7 -> low; then the 6s
        // of newest, the 3s of widest, the 2s of lower.
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            corpus.add("low");
        }
        corpus.add("lower lower");
        for (int i = 0; i < 6; i++) {
            corpus.add("newest");
        }
        corpus.add("widest widest widest");
        WordPieceVocabulary v = WordPieceVocabulary.build(corpus, 1000);
        assertEquals(List.of("##es", "##est", "##ow", "low", "##ew", "##ewest", "newest", "##dest", "##idest",
                "widest", "##er", "lower"), v.tokens().subList(25, v.size()));
        assertEquals(List.of("d", "e", "i", "l", "n", "o", "r", "s", "t", "w"), v.tokens().subList(5, 15));
        // a smaller target stops early, keeping the merge order
        assertEquals(v.tokens().subList(0, 29), WordPieceVocabulary.build(corpus, 29).tokens());
    }

    @Test
    void buildIsDeterministicAndRoundTripsThroughAFile() throws IOException {
        WordPieceVocabulary a = WordPieceVocabulary.build(CAPTIONS, 90);
        WordPieceVocabulary b = WordPieceVocabulary.build(new ArrayList<>(CAPTIONS), 90);
        assertEquals(a.tokens(), b.tokens());
        assertEquals(90, a.size());
        // with room to spare, merging stops when no pair occurs twice: every word is then a whole token
        WordPieceVocabulary full = WordPieceVocabulary.build(CAPTIONS, 1000);
        assertTrue(full.size() < 1000);
        for (String caption : CAPTIONS) {
            for (String word : caption.split(" ")) {
                assertTrue(full.contains(word), word);
            }
        }
        Path file = dir.resolve("sub/vocab.txt");
        a.write(file);
        assertEquals(a, WordPieceVocabulary.read(file));
        a.write(file);                                       // overwrite in place
        assertEquals(a, WordPieceVocabulary.read(file));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void containsEveryCharacterOfTheCorpusInBothForms() {
        List<String> corpus = List.of("Café au lait, s'il vous plaît!", "中国 red 12°C", "Ωmega ≥ 3");
        WordPieceVocabulary v = WordPieceVocabulary.build(corpus, 500);
        BasicTokenizer basic = BasicTokenizer.uncased();
        for (String caption : corpus) {
            for (String word : basic.tokenize(caption)) {
                word.codePoints().forEach(cp -> {
                    String c = new String(Character.toChars(cp));
                    assertTrue(v.contains(c), c);
                    assertTrue(v.contains("##" + c), "##" + c);
                });
            }
        }
        assertFalse(v.contains("é"), "accents are stripped before counting characters");
        assertTrue(v.contains("ω"), "lower-cased");
    }

    @Test
    void builtTokenizerEncodesAndDecodesTheCorpusWithoutUnk() {
        WordPieceVocabulary v = WordPieceVocabulary.build(CAPTIONS, 200);
        WordPieceTokenizer tok = WordPieceTokenizer.of(v, BasicTokenizer.uncased());
        for (String caption : CAPTIONS) {
            int[] ids = tok.encode(caption);
            for (int id : ids) {
                assertTrue(id != tok.unkId(), caption);
            }
            assertEquals(caption, tok.decode(ids));
        }
        // frequent words are whole tokens
        assertEquals(List.of("a", "small", "red", "circle", "at", "the", "top", "left"),
                tok.tokenize("a small red circle at the top left"));
        assertEquals("a small red circle at the top left",
                tok.decode(tok.encode(List.of("A small red circle at the top left"), 77).row(0)));
        // an unseen word falls back to pieces and characters, never [UNK], when its characters were seen
        List<String> pieces = tok.tokenize("greenest");
        assertFalse(pieces.contains("[UNK]"), pieces.toString());
        assertEquals("greenest", tok.decode(tok.encode("greenest")));
    }

    @Test
    void smallTargetsAreRefusedWithTheMinimum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceVocabulary.build(List.of("abc"), 10));
        assertTrue(e.getMessage().contains("targetSize") && e.getMessage().contains("11")
                && e.getMessage().contains("10"), e.getMessage());
        assertEquals(11, WordPieceVocabulary.build(List.of("abc abc"), 11).size());
        assertThrows(IllegalArgumentException.class,
                () -> WordPieceVocabulary.build(List.of("abc"), 100, BasicTokenizer.uncased(), 0));
    }

    @Test
    void ofRejectsDuplicatesAndEmptyTokens() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceVocabulary.of(List.of("[PAD]", "a", "a")));
        assertTrue(e.getMessage().contains("tokens[2]") && e.getMessage().contains("\"a\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WordPieceVocabulary.of(List.of("[PAD]", "")));
        assertThrows(IllegalArgumentException.class, () -> WordPieceVocabulary.of(List.of("a\nb")));
        assertEquals(-1, WordPieceVocabulary.of(List.of("a")).id("b"));
        assertThrows(IllegalArgumentException.class, () -> WordPieceVocabulary.of(List.of("a")).token(1));
    }
}
