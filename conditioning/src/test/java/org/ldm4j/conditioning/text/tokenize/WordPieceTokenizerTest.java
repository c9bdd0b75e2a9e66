package org.ldm4j.conditioning.text.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.conditioning.text.tokenize.TokenizerFixtures.bertId;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Known answers of BERT's basic tokenization and WordPiece on hand-checked strings, over a hand-made vocab.txt. */
class WordPieceTokenizerTest {
    @TempDir
    Path dir;
    WordPieceTokenizer tok;

    @BeforeEach
    void load() throws IOException {
        tok = WordPieceTokenizer.load(TokenizerFixtures.writeBertVocab(dir), BasicTokenizer.uncased());
    }

    private static int[] ids(String... tokens) {
        int[] out = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = bertId(tokens[i]);
        }
        return out;
    }

    @Test
    void accentsAreStrippedAndCaseLowered() {
        assertEquals(List.of("cafe", "naive"), tok.tokenize("Café naïve"));
        assertEquals(List.of("cafe", "naive"), tok.tokenize("CAFE\u0301 NAI\u0308VE"));   // decomposed input too
        assertArrayEquals(ids("[CLS]", "cafe", "naive", "[SEP]"), tok.encode("Café naïve"));
        assertEquals("cafe naive", tok.decode(tok.encode("Café naïve")));
    }

    @Test
    void casedBasicTokenizerKeepsCaseAndAccents() {
        assertEquals(List.of("Café", "Naïve", "!"), BasicTokenizer.cased().tokenize("Café Naïve!"));
        assertEquals(List.of("cafe", "naïve"), new BasicTokenizer(true, false, true).tokenize("Cafe NAÏVE"));
    }

    @Test
    void punctuationIsSplitOff() {
        assertEquals(List.of("a", "small", ",", "red", "circle", "!"), tok.tokenize("a small, red circle!"));
        assertArrayEquals(ids("[CLS]", "a", "small", ",", "red", "circle", "!", "[SEP]"),
                tok.encode("a small, red circle!"));
        // ASCII symbols that are not Unicode punctuation count too, and so do Unicode P* characters
        assertEquals(List.of("isn", "'", "t", "it", "?"), BasicTokenizer.uncased().tokenize("Isn't it?"));
        assertEquals(List.of("x", "$", "y", "+", "z", "«", "w", "»"), BasicTokenizer.cased().tokenize("x$y+z«w»"));
    }

    @Test
    void unknownWordsBecomeUnk() {
        assertEquals(List.of("a", "[UNK]", "circle"), tok.tokenize("a purple circle"));
        // one unknown part makes the whole word unknown, even after known pieces ("un" matched first)
        assertEquals(List.of("[UNK]"), tok.tokenize("unx"));
        assertArrayEquals(ids("[CLS]", "a", "[UNK]", "circle", "[SEP]"), tok.encode("a purple circle"));
        assertEquals("a [UNK] circle", tok.decode(tok.encode("a purple circle")));
    }

    @Test
    void continuationsUseTheHashPrefixAndLongestMatchFirst() {
        assertEquals(List.of("un", "##aff", "##able"), tok.tokenize("unaffable"));
        assertEquals(List.of("circle", "##s"), tok.tokenize("Circles"));   // "circle" before "circ ##le"
        assertEquals(List.of("circ", "##s"), tok.tokenize("circs"));
        assertEquals("unaffable circles", tok.decode(tok.encode("unaffable circles")));
    }

    @Test
    void wordsLongerThan100CharactersAreUnk() {
        String hundred = "a".repeat(100);            // a ##a ##a ... : splittable
        List<String> pieces = tok.tokenize(hundred);
        assertEquals(100, pieces.size());
        assertEquals("a", pieces.get(0));
        assertEquals("##a", pieces.get(99));
        assertEquals(List.of("[UNK]"), tok.tokenize(hundred + "a"));
    }

    @Test
    void cjkIdeographsAreWordsOfTheirOwn() {
        assertEquals(List.of("red", "中", "国", "circle"), tok.tokenize("red中国circle"));
        assertEquals(List.of("中", "国"), BasicTokenizer.uncased().tokenize("中国"));
        // Hiragana is not in BERT's CJK ranges: it stays one word; uncased BERT's accent stripping also drops
        // the voicing mark (NFD splits "が" into "か" + U+3099, a non-spacing mark), as the reference does
        assertEquals(List.of("ひらかな"), BasicTokenizer.uncased().tokenize("ひらがな"));
        assertEquals(List.of("ひらがな"), BasicTokenizer.cased().tokenize("ひらがな"));
        assertEquals(List.of("red中国circle"), new BasicTokenizer(true, true, false).tokenize("red中国circle"));
    }

    @Test
    void controlCharactersAreDroppedAndWhitespaceSplits() {
        assertEquals(List.of("a", "small", "red"), tok.tokenize("  a\u0000\tsmall\n\u00A0red\r\n"));
        assertEquals(List.of("smallred"), BasicTokenizer.uncased().tokenize("small\u200Bred"));  // Cf is dropped
        assertEquals(List.of(), tok.tokenize(" \t\n"));
        assertArrayEquals(ids("[CLS]", "[SEP]"), tok.encode(""));
    }

    @Test
    void specialTokensInTheTextStayWhole() {
        assertEquals(List.of("a", "[MASK]", "circle"), tok.tokenize("a [MASK] circle"));
        assertEquals(List.of("a", "[MASK]", "circle"), tok.tokenize("a[MASK]circle"));
        assertEquals(List.of("[UNK]", "[UNK]", "[UNK]"), tok.tokenize("[mask]"));   // lower case: plain text
    }

    @Test
    void batchesAreFramedPaddedAndTruncatedAsBertTokenizer() {
        TokenBatch b = tok.encode(List.of("a small red circle", "a big red circle at the top left", ""), 7);
        assertEquals(3, b.size());
        assertEquals(7, b.maxLength());
        assertArrayEquals(ids("[CLS]", "a", "small", "red", "circle", "[SEP]", "[PAD]"), b.row(0));
        // 9 ids cut to 7: the first 6, then [SEP]
        assertArrayEquals(ids("[CLS]", "a", "big", "red", "circle", "at", "[SEP]"), b.row(1));
        assertArrayEquals(ids("[CLS]", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"), b.row(2));
        assertArrayEquals(new int[] {6, 7, 2}, b.lengths());
        assertEquals(0, b.truncated(0));
        assertEquals(3, b.truncated(1));
        assertEquals("a small red circle", tok.decode(b.row(0)));
        assertEquals(0, tok.padId());
        assertEquals(WordPieceVocabulary.PAD, tok.vocabulary().token(tok.padId()));
    }

    @Test
    void ldmLengthIs77() {
        TokenBatch b = tok.encode(List.of("a red circle ".repeat(40)), WordPieceTokenizer.LDM_MAX_LENGTH);
        int[] row = b.row(0);
        assertEquals(77, row.length);
        assertEquals(tok.clsId(), row[0]);
        assertEquals(tok.sepId(), row[76]);
        assertEquals(bertId("a"), row[1]);
        assertEquals(122 - 77, b.truncated(0));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new int[] {2, 99}));
        assertTrue(e.getMessage().contains("ids[1]") && e.getMessage().contains("[0, 27)")
                && e.getMessage().contains("99"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.encode(List.of(), 77));
        assertThrows(IllegalArgumentException.class, () -> tok.encode(List.of("a"), 1));
    }

    @Test
    void malformedVocabFilesNameTheFileAndLine() throws IOException {
        Path dup = dir.resolve("dup.txt");
        Files.writeString(dup, "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\nb\na\n", StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> WordPieceVocabulary.read(dup));
        assertTrue(e.getMessage().contains("dup.txt line 7") && e.getMessage().contains("line 5"), e.getMessage());

        Path blank = dir.resolve("blank.txt");
        Files.writeString(blank, "[PAD]\n[UNK]\n\n[CLS]\n", StandardCharsets.UTF_8);
        e = assertThrows(IOException.class, () -> WordPieceVocabulary.read(blank));
        assertTrue(e.getMessage().contains("blank.txt line 3"), e.getMessage());

        Path noCls = dir.resolve("nocls.txt");
        Files.writeString(noCls, "[PAD]\n[UNK]\n[SEP]\na\n", StandardCharsets.UTF_8);
        e = assertThrows(IOException.class, () -> WordPieceTokenizer.load(noCls, BasicTokenizer.uncased()));
        assertTrue(e.getMessage().contains("nocls.txt") && e.getMessage().contains("[CLS]"), e.getMessage());

        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'[', 'P', 'A', 'D', ']', '\n', (byte) 0xE9, '\n'});
        e = assertThrows(IOException.class, () -> WordPieceVocabulary.read(latin1));
        assertTrue(e.getMessage().contains("latin1.txt") && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void crlfVocabFilesReadLikeLfOnes() throws IOException {
        Path crlf = dir.resolve("crlf.txt");
        Files.writeString(crlf, String.join("\r\n", TokenizerFixtures.BERT_TOKENS) + "\r\n", StandardCharsets.UTF_8);
        assertEquals(WordPieceVocabulary.of(TokenizerFixtures.BERT_TOKENS), WordPieceVocabulary.read(crlf));
    }
}
