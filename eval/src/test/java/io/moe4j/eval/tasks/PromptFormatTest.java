package io.moe4j.eval.tasks;

import io.moe4j.eval.harness.Evaluator;
import io.moe4j.eval.harness.LanguageModel.Request;
import io.moe4j.eval.harness.PreparedItem;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prompts compared with strings written by hand from lm-eval's task definitions
 * (doc_to_text / doc_to_choice / doc_to_target, target_delimiter " ", fewshot_delimiter "\n\n")
 * and the slice files, never produced by running our code.
 */
class PromptFormatTest {
    private static final Path SLICES = TaskOracleTest.slices();

    private static PreparedItem item(String task, int shots, int index) {
        List<PreparedItem> items = Evaluator.prepare(Tasks.byName(task, SLICES), shots, 0, 1234L);
        return items.get(index);
    }

    private static List<String> continuations(PreparedItem p) {
        return p.requests().stream().map(Request::continuation).toList();
    }

    @Test
    void arcEasy() {
        PreparedItem p = item("arc_easy", 0, 0);
        assertEquals("Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:",
                p.context());
        assertEquals(List.of(" Sunlight is the source of energy for nearly all ecosystems.",
                " Most ecosystems are found on land instead of in water.",
                " Carbon dioxide is more available than other gases.",
                " The producers in all ecosystems are plants."), continuations(p));
        assertEquals(0, p.gold());
        for (Request r : p.requests()) {
            assertEquals(p.context(), r.context());
        }
        // Numeric labels "1".."4": answerKey "2" is the second choice.
        PreparedItem q = item("arc_easy", 0, 22);
        assertEquals("Question: What are genes composed of?\nAnswer:", q.context());
        assertEquals(List.of(" offspring", " DNA", " cells", " traits"), continuations(q));
        assertEquals(1, q.gold());
    }

    @Test
    void arcChallenge() {
        PreparedItem p = item("arc_challenge", 0, 0);
        assertEquals("Question: An astronomer observes that a planet rotates faster after a meteorite impact. Which is the "
                + "most likely effect of this increase in rotation?\nAnswer:", p.context());
        assertEquals(List.of(" Planetary density will decrease.", " Planetary years will become longer.",
                " Planetary days will become shorter.", " Planetary gravity will become stronger."), continuations(p));
        assertEquals(2, p.gold());
    }

    @Test
    void piqa() {
        PreparedItem p = item("piqa", 0, 1);
        assertEquals("Question: dresser\nAnswer:", p.context());
        assertEquals(List.of(" replace drawer with bobby pin ", " finish, woodgrain with  bobby pin "), continuations(p));
        assertEquals(1, p.gold());
    }

    @Test
    void winograndePartialScoring() {
        PreparedItem p = item("winogrande", 0, 0);
        assertEquals(List.of(
                new Request("Sarah was a much better surgeon than Maria so Sarah", " always got the easier cases."),
                new Request("Sarah was a much better surgeon than Maria so Maria", " always got the easier cases.")),
                p.requests());
        assertEquals(1, p.gold());
    }

    @Test
    void hellaswag() {
        PreparedItem p = item("hellaswag", 0, 0);
        assertEquals("Roof shingle removal: A man is sitting on a roof. he", p.context());
        assertEquals(List.of(" is using wrap to wrap a pair of skis.", " is ripping level tiles off.",
                " is holding a rubik's cube.", " starts pulling up roofing on a roof."), continuations(p));
        assertEquals(3, p.gold());
        // ind 3505: lm-eval's preprocess drops "[www.kiddio.org]" and then one double space.
        PreparedItem q = item("hellaswag", 0, 20);
        assertEquals("Family Life: How to entertain a toddler. Ask the toddler what he or she would like to do instead of "
                + "doing what you would like to do.. Visit a site like to find loads of creative activities for toddlers "
                + "and preschoolers.. Choose small, simple games like candy land or chutes and ladders.", q.context());
        // ind 4121 ending 1: "bed.  Do" -> "bed. Do"; ind 5262 ending 3: bracketed link removed.
        assertEquals(" Stop when you are not overly tired and give yourself a break before going to bed. Do not be "
                + "embarrassed by physical exertion.", continuations(item("hellaswag", 0, 21)).get(1));
        assertEquals(" If your hair is naturally very curly, before continuing. If you want loose waves, you'll need to "
                + "start with either straight or slightly wavy hair.", continuations(item("hellaswag", 0, 22)).get(3));
    }

    @Test
    void logiqa() {
        PreparedItem p = item("logiqa", 0, 0);
        assertEquals("Passage: In the planning of a new district in a township, it was decided to build a special community "
                + "in the southeast, northwest, centered on the citizen park. These four communities are designated as "
                + "cultural area, leisure area, commercial area and administrative service area. It is known that the "
                + "administrative service area is southwest of the cultural area, and the cultural area is southeast of "
                + "the leisure area.\n"
                + "Question: Based on the above statement, which of the following can be derived?\n"
                + "Choices:\n"
                + "A. Civic Park is north of the administrative service area\n"
                + "B. The leisure area is southwest of the cultural area\n"
                + "C. The cultural district is in the northeast of the business district\n"
                + "D. The business district is southeast of the leisure area\n"
                + "Answer:", p.context());
        assertEquals(" Civic Park is north of the administrative service area", continuations(p).get(0));
        assertEquals(0, p.gold());
    }

    @Test
    void boolq() {
        PreparedItem p = item("boolq", 0, 1);
        assertTrue(p.context().startsWith("Property tax or 'house tax' is a local tax on buildings, along with appurtenant land."));
        assertTrue(p.context().endsWith("with about 80% of assessments falling in the first two brackets.\n"
                + "Question: is house tax and property tax are same?\nAnswer:"));
        assertEquals(List.of(" no", " yes"), continuations(p));
        assertEquals(1, p.gold());
    }

    @Test
    void lambadaSplitsOffTheLastWord() {
        PreparedItem p = item("lambada_openai", 0, 1);
        assertEquals(List.of(new Request("Give me a minute to change and I'll meet you at the docks.\" She'd forced those "
                + "words through her teeth.\n\n\"No need to change. We won't be that long.\"\n\nShane gripped her arm and "
                + "started leading her to the dock.\n\n\"I can make it there on my own,", " Shane")), p.requests());
    }

    @Test
    void nqOpen() {
        PreparedItem p = item("nq_open", 0, 2);
        assertEquals("Answer these questions:\n\nQ: how many seasons of the bastard executioner are there?\nA:", p.context());
        assertEquals(List.of("one", "one season"), p.references());
        assertTrue(p.requests().isEmpty());
    }

    @Test
    void mmluZeroAndTwoShot() {
        PreparedItem p = Evaluator.prepare(Tasks.byName("mmlu", SLICES), 0, 0, 1L).stream()
                .filter(i -> i.doc().group().equals("anatomy") && i.doc().index() == 0).findFirst().orElseThrow();
        assertEquals("The following are multiple choice questions (with answers) about anatomy.\n\n"
                + "A lesion causing compression of the facial nerve at the stylomastoid foramen will cause ipsilateral\n"
                + "A. paralysis of the facial muscles.\n"
                + "B. paralysis of the facial muscles and loss of taste.\n"
                + "C. paralysis of the facial muscles, loss of taste and lacrimation.\n"
                + "D. paralysis of the facial muscles, loss of taste, lacrimation and decreased salivation.\n"
                + "Answer:", p.context());
        assertEquals(List.of(" A", " B", " C", " D"), continuations(p));
        assertEquals(0, p.gold());

        // first_n: the first two dev questions, in file order, with their answers.
        PreparedItem q = Evaluator.prepare(Tasks.byName("mmlu", SLICES), 2, 0, 99L).stream()
                .filter(i -> i.doc().group().equals("anatomy") && i.doc().index() == 1).findFirst().orElseThrow();
        assertEquals("The following are multiple choice questions (with answers) about anatomy.\n\n"
                + "What is the embryological origin of the hyoid bone?\n"
                + "A. The first pharyngeal arch\nB. The first and second pharyngeal arches\n"
                + "C. The second pharyngeal arch\nD. The second and third pharyngeal arches\nAnswer: D\n\n"
                + "Which of these branches of the trigeminal nerve contain somatic motor processes?\n"
                + "A. The supraorbital nerve\nB. The infraorbital nerve\nC. The mental nerve\nD. None of the above\n"
                + "Answer: D\n\n"
                + "A \"dished face\" profile is often associated with\n"
                + "A. a protruding mandible due to reactivation of the condylar cartilage by acromegaly.\n"
                + "B. a recessive maxilla due to failure of elongation of the cranial base.\n"
                + "C. an enlarged frontal bone due to hydrocephaly.\n"
                + "D. defective development of the maxillary air sinus.\n"
                + "Answer:", q.context());
        assertEquals(1, q.gold());
        assertTrue(Evaluator.prepare(Tasks.byName("mmlu", SLICES), 0, 1, 1L).get(0).context()
                .startsWith("The following are multiple choice questions (with answers) about abstract algebra.\n\n"));
    }

    // ------------------------------------------------------------------ few-shot structure

    /** Random few-shot: k blocks "Question: q\nAnswer: gold" of other items, "\n\n"-separated, then the question. */
    @Test
    void arcFewShotBlocksAreOtherItemsWithTheirGoldAnswers() {
        List<TruthTable.Truth> truths = TruthTable.read(SLICES, "arc_easy", 0);
        Set<String> labelled = new HashSet<>();
        for (TruthTable.Truth t : truths) {
            labelled.add(t.key() + " " + t.choices().get(t.gold()));
        }
        List<PreparedItem> items = Evaluator.prepare(Tasks.byName("arc_easy", SLICES), 3, 0, 5L);
        for (PreparedItem p : items) {
            String[] blocks = p.context().split("\n\n", -1);
            assertEquals(4, blocks.length, p.context());
            String own = truths.get(p.doc().index()).key();
            assertEquals(own, blocks[3]);
            Set<String> distinct = new HashSet<>();
            for (int b = 0; b < 3; b++) {
                assertTrue(labelled.contains(blocks[b]), blocks[b]);
                assertTrue(!blocks[b].startsWith(own + " "), "the item itself is never its own example");
                distinct.add(blocks[b]);
            }
            assertEquals(3, distinct.size());
        }
        List<PreparedItem> same = Evaluator.prepare(Tasks.byName("arc_easy", SLICES), 3, 0, 5L);
        List<PreparedItem> other = Evaluator.prepare(Tasks.byName("arc_easy", SLICES), 3, 0, 6L);
        assertEquals(items.stream().map(PreparedItem::context).toList(), same.stream().map(PreparedItem::context).toList());
        assertNotEquals(items.stream().map(PreparedItem::context).toList(), other.stream().map(PreparedItem::context).toList());
        // The prompt of an item does not depend on how many items are evaluated.
        assertEquals(items.get(2).context(), Evaluator.prepare(Tasks.byName("arc_easy", SLICES), 3, 3, 5L).get(2).context());
    }

    /** WinoGrande few-shot examples are whole sentences with the gold option filled in. */
    @Test
    void winograndeFewShotShowsFilledSentences() {
        Set<String> filled = new HashSet<>();
        for (var row : TruthTable.rows(SLICES.resolve("winogrande/validation.jsonl"), 0)) {
            String option = row.get("answer").asText().equals("1") ? row.get("option1").asText() : row.get("option2").asText();
            filled.add(row.get("sentence").asText().replace("_", option));
        }
        PreparedItem p = item("winogrande", 2, 0);
        String prefix = p.requests().get(0).context();
        String[] blocks = prefix.split("\n\n", -1);
        assertEquals(3, blocks.length);
        assertTrue(filled.contains(blocks[0]), blocks[0]);
        assertTrue(filled.contains(blocks[1]), blocks[1]);
        assertEquals("Sarah was a much better surgeon than Maria so Sarah", blocks[2]);
        assertEquals(" always got the easier cases.", p.requests().get(0).continuation());
    }

    /** NQ: description once, examples separated by a single newline, answered with their first alias. */
    @Test
    void nqFewShotFormat() {
        List<TruthTable.Truth> truths = TruthTable.read(SLICES, "nq_open", 0);
        Set<String> qa = new HashSet<>();
        for (TruthTable.Truth t : truths) {
            qa.add(t.key() + " " + t.references().get(0));
        }
        PreparedItem p = item("nq_open", 2, 2);
        assertTrue(p.context().startsWith("Answer these questions:\n\nQ: "));
        String[] lines = p.context().substring("Answer these questions:\n\n".length()).split("\n", -1);
        assertEquals(6, lines.length, p.context());
        assertTrue(qa.contains(lines[0] + "\n" + lines[1]), lines[0] + lines[1]);
        assertTrue(qa.contains(lines[2] + "\n" + lines[3]), lines[2] + lines[3]);
        assertEquals("Q: how many seasons of the bastard executioner are there?", lines[4]);
        assertEquals("A:", lines[5]);
    }

    /** LAMBADA's target already starts with a space, so a few-shot example has two (as in lm-eval). */
    @Test
    void lambadaFewShotKeepsLmEvalsDoubleSpace() {
        List<TruthTable.Truth> truths = TruthTable.read(SLICES, "lambada_openai", 0);
        PreparedItem p = item("lambada_openai", 1, 1);
        String own = truths.get(1).key();
        assertTrue(p.context().endsWith("\n\n" + own));
        String example = p.context().substring(0, p.context().length() - own.length());
        boolean found = false;
        for (int i = 0; i < truths.size(); i++) {
            TruthTable.Truth t = truths.get(i);
            found |= i != 1 && example.equals(t.key() + "  " + t.references().get(0) + "\n\n");
        }
        assertTrue(found, example);
    }
}
