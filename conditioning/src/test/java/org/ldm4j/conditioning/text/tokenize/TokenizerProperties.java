package org.ldm4j.conditioning.text.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Properties of both tokenizers over random strings of a known alphabet (letters of both cases, accents,
 * punctuation, digits, a CJK ideograph, whitespace): batches are exactly {@code maxLength} long, framed by the
 * start and end tokens and padded after them; encoding is deterministic; decoding is stable.
 */
class TokenizerProperties {
    static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz ABCXYZ  éïçÉ,.!?'-0123456789中\t";

    static final Path DIR;
    static final WordPieceTokenizer BERT;
    static final ClipTokenizer CLIP;

    static {
        try {
            DIR = Files.createTempDirectory("tokenizer-properties");
            CLIP = TokenizerFixtures.clip(DIR, TokenizerFixtures.CLIP_MERGES, ClipTokenizer.Padding.END_OF_TEXT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> corpus = new ArrayList<>(TokenizerFixtures.shapeCaptions());
        corpus.add(ALPHABET);                    // every character of the alphabet is in the vocabulary
        BERT = WordPieceTokenizer.of(WordPieceVocabulary.build(corpus, 300), BasicTokenizer.uncased());
    }

    @AfterContainer
    static void deleteFiles() throws IOException {
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.strings().withChars(ALPHABET.toCharArray()).ofMaxLength(80);
    }

    @Provide
    Arbitrary<List<String>> batches() {
        return texts().list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<Tokenizer> tokenizers() {
        return Arbitraries.of(BERT, CLIP, CLIP.withPadding(ClipTokenizer.Padding.ZERO));
    }

    private static int startId(Tokenizer t) {
        return t instanceof WordPieceTokenizer w ? w.clsId() : ((ClipTokenizer) t).startId();
    }

    private static int endId(Tokenizer t) {
        return t instanceof WordPieceTokenizer w ? w.sepId() : ((ClipTokenizer) t).endId();
    }

    @Property(tries = 300)
    void batchesAreNeverLongerThanTheMaximumAndAlwaysFramed(@ForAll("tokenizers") Tokenizer tok,
                                                            @ForAll("batches") List<String> texts,
                                                            @ForAll @IntRange(min = 2, max = 40) int maxLength) {
        TokenBatch b = tok.encode(texts, maxLength);
        assertEquals(texts.size(), b.size());
        assertEquals(maxLength, b.maxLength());
        assertEquals((long) texts.size() * maxLength, b.flatIds().length);
        for (int i = 0; i < b.size(); i++) {
            int[] full = tok.encode(texts.get(i));
            int[] row = b.row(i);
            int n = b.length(i);
            assertEquals(maxLength, row.length);
            assertEquals(Math.min(full.length, maxLength), n);
            assertEquals(full.length - n, b.truncated(i));
            assertEquals(startId(tok), row[0]);
            assertEquals(endId(tok), row[n - 1]);
            // the kept ids are the text's own, in order: truncation cuts the tail, never the middle
            assertArrayEquals(Arrays.copyOf(full, n - 1), Arrays.copyOf(row, n - 1));
            for (int j = n; j < maxLength; j++) {
                assertEquals(tok.padId(), row[j]);
            }
            for (int j = 1; j < n - 1; j++) {
                assertNotEquals(endId(tok), row[j], "no end token inside the text");
            }
        }
    }

    @Property(tries = 200)
    void encodingIsDeterministic(@ForAll("tokenizers") Tokenizer tok, @ForAll("texts") String text) throws IOException {
        assertArrayEquals(tok.encode(text), tok.encode(text));
        assertArrayEquals(tok.encode(List.of(text), 16).flatIds(), tok.encode(List.of(text), 16).flatIds());
        // a fresh CLIP tokenizer, with an empty BPE cache, agrees with the cached one
        if (tok instanceof ClipTokenizer clip) {
            ClipTokenizer fresh = ClipTokenizer.load(DIR.resolve("vocab.json"), DIR.resolve("merges.txt"));
            assertArrayEquals(fresh.encode(text), clip.encode(text));
        }
    }

    @Property(tries = 300)
    void decodeOfEncodeIsStable(@ForAll("tokenizers") Tokenizer tok, @ForAll("texts") String text) {
        String once = tok.decode(tok.encode(text));
        assertEquals(once, tok.decode(tok.encode(once)));
        // and it is the tokenizer's normalised text: its words joined by single spaces
        String expected = tok instanceof WordPieceTokenizer w
                ? String.join(" ", w.basicTokenizer().tokenize(text))
                : String.join(" ", ClipTokenizer.preTokenize(text));
        assertEquals(expected, once);
    }

    @Property(tries = 300)
    void builtVocabularyHasNoUnknownCharacters(@ForAll("texts") String text) {
        for (int id : BERT.encode(text)) {
            assertNotEquals(BERT.unkId(), id, text);
        }
    }

    @Property(tries = 40)
    void buildingIsDeterministicAndCoversItsCorpus(@ForAll @Size(min = 1, max = 12) List<@From("texts") String> corpus,
                                                   @ForAll @IntRange(min = 0, max = 60) int extra) {
        BasicTokenizer basic = BasicTokenizer.uncased();
        int chars = (int) corpus.stream().flatMap(c -> basic.tokenize(c).stream()).flatMapToInt(String::codePoints)
                .distinct().count();
        int target = 5 + 2 * chars + extra;
        WordPieceVocabulary a = WordPieceVocabulary.build(corpus, target);
        assertEquals(a, WordPieceVocabulary.build(new ArrayList<>(corpus), target));
        assertTrue(a.size() <= target);
        WordPieceTokenizer tok = WordPieceTokenizer.of(a, basic);
        for (String caption : corpus) {
            int[] ids = tok.encode(caption);
            for (int id : ids) {
                assertNotEquals(tok.unkId(), id, caption);
            }
            assertEquals(String.join(" ", basic.tokenize(caption)), tok.decode(ids));
        }
    }
}
