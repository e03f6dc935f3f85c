package io.moe4j.train.sft;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftDataTest {
    @TempDir
    Path tmp;

    private Path write(String json) throws Exception {
        Path f = tmp.resolve("d.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void shareGptRolesSystemAndFastChatTrimming() throws Exception {
        List<String> warn = new ArrayList<>();
        List<Conversation> c = SftData.read(write("""
                [{"id":"a","conversations":[{"from":"system","value":"S"},{"from":"human","value":"q1"},{"from":"gpt","value":"a1"},
                   {"from":"human","value":"q2"},{"from":"gpt","value":"a2"},{"from":"human","value":"unanswered"}]},
                 {"id":"b","conversations":[{"from":"gpt","value":"hello first"},{"from":"user","value":"q"},{"from":"assistant","value":"a"}]},
                 {"id":"c","conversations":[{"from":"human","value":"q"},{"from":"human","value":"q again"}]},
                 {"id":"d","conversations":[{"from":"robot","value":"x"}]}]
                """), SftData.Format.SHAREGPT, warn::add);
        assertEquals(2, c.size());
        assertEquals("S", c.get(0).system());
        assertEquals(2, c.get(0).exchanges(), "the unanswered last user turn is dropped");
        assertEquals("q", c.get(1).turns().get(0).text(), "a leading assistant turn is dropped");
        assertEquals(1, warn.size());
        assertTrue(warn.get(0).contains("skipped 2 of 4"), warn.get(0));
    }

    @Test
    void alpacaJoinsInstructionAndInput() throws Exception {
        List<Conversation> c = SftData.read(write("""
                [{"instruction":"Sum","input":"1 2","output":"3"},{"instruction":"Hi","input":"","output":"Hello"}]
                """), SftData.Format.ALPACA, w -> { });
        assertEquals("Sum\n\n1 2", c.get(0).turns().get(0).text());
        assertEquals("Hi", c.get(1).turns().get(0).text());
        assertEquals("Hello", c.get(1).turns().get(1).text());
    }

    @Test
    void badFilesFailWithOneLine() throws Exception {
        IllegalArgumentException notArray = assertThrows(IllegalArgumentException.class,
                () -> SftData.read(write("{\"a\":1}"), SftData.Format.SHAREGPT, w -> { }));
        assertTrue(notArray.getMessage().contains("expected a JSON array"), notArray.getMessage());
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> SftData.read(write("[{\"id\": "), SftData.Format.SHAREGPT, w -> { }));
        assertTrue(broken.getMessage().contains("not valid JSON"), broken.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> SftData.read(write("[{\"instruction\":\"x\"}]"), SftData.Format.ALPACA, w -> { }));
        assertTrue(empty.getMessage().contains("no usable alpaca example"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SftData.Format.parse("json"));
    }
}
